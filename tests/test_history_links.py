"""History leads back to each corrected record, also one marked as entered in error."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from audit.corrections import record_correct
from audit.history import acting_as, system_actor
from audit.timeline import correction_pages
from clients.models import Assessment, BenefitPeriod, CaseEpisode, Client
from families.models import FamilyMember, Review, SchoolStatus
from followup.models import Contact, Enrolment, Intervention
from organisation.models import User
from tests.factories import ContactFactory

pytestmark = pytest.mark.usefixtures("codes")


def test_every_correctable_record_has_a_correction_page_history_knows() -> None:
    pages = correction_pages()
    for model in (
        Contact,
        Intervention,
        Enrolment,
        CaseEpisode,
        BenefitPeriod,
        Assessment,
        SchoolStatus,
        Review,
        FamilyMember,
    ):
        assert model in pages, model.__name__


def test_a_contact_entered_in_error_is_reached_from_the_history(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with acting_as(system_actor("tests")):
        contact = ContactFactory(
            client=client_heimdal, date=timezone.localdate() - datetime.timedelta(days=1)
        )
        contact.entered_in_error = True
        record_correct(record=contact, reason="Feil bruker", expected_version=contact.version)
    client.force_login(caseworker_heimdal)
    history = client.get(reverse("clients:history", args=[client_heimdal.pk])).text
    page = reverse("followup:contact_correct", args=[contact.pk])
    assert f'href="{page}"' in history
    correction = client.get(page)
    assert correction.status_code == 200
    assert "registrert ved en feil" in correction.text
