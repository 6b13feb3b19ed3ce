"""Every field of the client register has a bokmål name: the history page shows them."""

import pytest
from django.apps import apps
from django.db import models
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from audit.history import acting_as, system_actor
from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode, Client
from codelists.models import CodeList
from organisation.models import User
from tests import dates
from tests.factories import code

pytestmark = pytest.mark.usefixtures("codes")
# Field names that are the same word in both languages.
SAME_IN_BOTH = {"status", "ID"}


def fields_of_the_client_register() -> list[tuple[str, models.Field]]:  # type: ignore[type-arg]
    found = []
    for model in apps.get_app_config("clients").get_models():
        if hasattr(model, "instance_type"):
            continue  # history tables: their fields are the record's
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and not field.auto_created:
                found.append((f"{model.__name__}.{field.name}", field))
    return found


@pytest.mark.parametrize(("name", "field"), fields_of_the_client_register())
def test_every_field_has_a_translated_name(name: str, field: models.Field) -> None:  # type: ignore[type-arg]
    assert isinstance(field.verbose_name, Promise), f"{name} has no gettext_lazy name"
    with translation.override("en"):
        english = str(field.verbose_name)
    with translation.override("nb"):
        bokmal = str(field.verbose_name)
    assert bokmal != english or bokmal in SAME_IN_BOTH, f"{name}: no bokmål for {english!r}"


def test_the_history_names_the_client_and_the_assessment_in_bokmal(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    today = dates.today()
    with acting_as(system_actor("tests")):
        CaseEpisode.objects.create(client=client_heimdal, opened_on=today)
        BenefitPeriod.objects.create(
            client=client_heimdal, kind=code(CodeList.BENEFIT_KIND, "aap"), start=today
        )
        assessment = Assessment.objects.create(
            client=client_heimdal, assessed_on=today, assessed_by=caseworker_heimdal
        )
        AssessmentItem.objects.create(
            assessment=assessment,
            life_area=code(CodeList.LIFE_AREA, "housing"),
            status=code(CodeList.ASSESSMENT_STATUS, "3"),
            need=code(CodeList.NEED_LEVEL, "some"),
        )
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("clients:history", args=[client_heimdal.pk])).content.decode()
    assert "<strong>Bruker</strong>" in page
    assert "<strong>Kartlegging</strong>" in page
    for english in ("Client", "Assessment", "Opened", "Life area", "Entered in error"):
        assert f"<strong>{english}</strong>" not in page
