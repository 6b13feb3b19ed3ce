"""Every field of follow-up is named for its readers (the history page shows field names)."""

import pytest
from django.apps import apps
from django.db import models
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from audit.history import acting_as, system_actor
from followup.models import Enrolment, Programme
from organisation.models import Office, User
from tests.factories import ClientFactory, ContactFactory

FOLLOWUP_MODELS = [
    model
    for model in apps.get_app_config("followup").get_models()
    if not model.__name__.startswith("Historical")
    and not model._meta.auto_created  # many-to-many tables
]


@pytest.mark.parametrize("model", FOLLOWUP_MODELS, ids=lambda m: m.__name__)
def test_every_field_has_a_translated_name(model: type[models.Model]) -> None:
    unnamed = [
        field.name
        for field in model._meta.get_fields(include_hidden=False)
        if field.concrete
        and not field.auto_created
        and not isinstance(getattr(field, "verbose_name", None), Promise)
    ]
    assert unnamed == []


def test_a_programme_is_a_program_not_an_upper_secondary_programme() -> None:
    with translation.override("nb"):
        assert str(Programme._meta.verbose_name) == "program"
        assert str(Enrolment._meta.get_field("programme").verbose_name) == "program"


@pytest.mark.usefixtures("codes")
def test_the_history_page_names_followup_fields_in_bokmal(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal)
    ContactFactory(client=person)
    with acting_as(system_actor("tests")):
        programme = Programme.objects.create(office=heimdal, name="Mentor", start="2024-01-01")
        Enrolment.objects.create(client=person, programme=programme, enrolled_on="2024-02-01")
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("clients:history", args=[person.pk])).text
    for bokmal in ["Program", "Innskrevet", "Bruker"]:
        assert bokmal in page
    for english in ["Client", "Programme", "Enrolled", "Recorded by", "Duration"]:
        assert f">{english}" not in page
