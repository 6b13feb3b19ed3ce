"""Programme enrolments, and code lists as data that administrators keep."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.loader import load_missing_codes
from codelists.models import Code, CodeList
from followup.models import Enrolment, Programme
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, ContactFactory, code

pytestmark = pytest.mark.usefixtures("codes")


@pytest.fixture
def programme(heimdal: Office) -> Programme:
    with acting_as(system_actor("tests")):
        return Programme.objects.create(
            office=heimdal, name="71 familier", start=datetime.date(2024, 1, 1)
        )


def test_enrol_and_end_with_an_outcome(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, programme: Programme
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_heimdal)
    client.post(
        reverse("followup:enrolment_new", args=[person.pk]),
        {"programme": programme.pk, "enrolled_on": today().isoformat()},
    )
    enrolment = Enrolment.objects.get()
    again = client.post(
        reverse("followup:enrolment_new", args=[person.pk]),
        {"programme": programme.pk, "enrolled_on": today().isoformat()},
    )
    assert again.status_code == 200  # refused: already enrolled
    assert Enrolment.objects.count() == 1
    outcome = code(CodeList.INTERVENTION_OUTCOME, "into_work_part")
    client.post(
        reverse("followup:enrolment_end", args=[enrolment.pk]),
        {"left_on": today().isoformat(), "outcome": outcome.pk},
    )
    enrolment.refresh_from_db()
    assert (enrolment.left_on, enrolment.outcome) == (today(), outcome)
    assert {row.history_user for row in enrolment.history.all()} == {caseworker_heimdal}


def test_programmes_of_another_office_are_not_offered(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, sagene: Office
) -> None:
    with acting_as(system_actor("tests")):
        other = Programme.objects.create(office=sagene, name="Ungdomsjobb", start=today())
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_heimdal)
    client.post(
        reverse("followup:enrolment_new", args=[person.pk]),
        {"programme": other.pk, "enrolled_on": today().isoformat()},
    )
    assert not Enrolment.objects.exists()


def test_enrolment_of_another_office_is_404(
    client: HttpClient, caseworker_sagene: User, heimdal: Office, programme: Programme
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_sagene)
    assert (
        client.post(
            reverse("followup:enrolment_new", args=[person.pk]),
            {"programme": programme.pk, "enrolled_on": today().isoformat()},
        ).status_code
        == 404
    )
    assert not Enrolment.objects.exists()


def test_a_retired_code_is_no_longer_offered_but_stays_on_old_records(
    client: HttpClient, administrator: User, caseworker_heimdal: User, heimdal: Office
) -> None:
    video = code(CodeList.CONTACT_CHANNEL, "video")
    contact = ContactFactory(client=ClientFactory(office=heimdal), channel=video)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:codelists_code_change", args=[video.pk]),
        {
            "label_nb": video.label_nb,
            "label_en": video.label_en,
            "sort_order": video.sort_order,
            "extra": "{}",
        },  # "active" unticked
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.active is False
    assert video.history.latest().history_user == administrator
    client.force_login(caseworker_heimdal)
    new_form = client.get(reverse("followup:contact_new", args=[contact.client_id])).context["form"]
    assert video not in new_form.fields["channel"].queryset
    edit_form = client.get(reverse("followup:contact_edit", args=[contact.pk])).context["form"]
    assert video in edit_form.fields["channel"].queryset
    assert "Video" in client.get(contact.client.get_absolute_url()).text


def test_loading_again_keeps_administrators_edits(db: None) -> None:
    channel = code(CodeList.CONTACT_CHANNEL, "phone")
    with acting_as(system_actor("tests")):
        channel.label_nb = "Telefonsamtale"
        channel.save()
    assert load_missing_codes() == 0
    channel.refresh_from_db()
    assert channel.label_nb == "Telefonsamtale"


def test_municipalities_are_valid_across_renumberings(db: None) -> None:
    current = Code.objects.of(CodeList.MUNICIPALITY).filter(active=True)
    assert current.count() == 357
    trondheim_before_2018 = Code.objects.get(list_name=CodeList.MUNICIPALITY, code="1601")
    assert trondheim_before_2018.active is False
    assert "5001" in trondheim_before_2018.attribute("replaced_by")
    assert Code.objects.get(list_name=CodeList.MUNICIPALITY, code="0301").active
