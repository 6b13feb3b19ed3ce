"""Correcting contacts, interventions and enrolments: a reason in history, entered in error."""

import datetime
import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import BenefitPeriod, Client
from codelists.models import CodeList
from followup.models import Contact, Enrolment, Intervention, Programme, Status
from organisation.models import Office, User
from tests.dates import days_ago, today
from tests.factories import ClientFactory, ContactFactory, code

pytestmark = pytest.mark.usefixtures("codes")


def completed(person: Client, **fields: Any) -> Intervention:
    with acting_as(system_actor("tests")):
        return Intervention.objects.create(
            client=person,
            type=code(CodeList.INTERVENTION_TYPE, "work_training"),
            start=days_ago(30),
            end=days_ago(7),
            status=Status.COMPLETED,
            outcome=code(CodeList.INTERVENTION_OUTCOME, "no_change"),
            **fields,
        )


def correction_post(intervention: Intervention, **fields: Any) -> dict[str, Any]:
    data = {
        "type": intervention.type_id,
        "provider": intervention.provider,
        "start": intervention.start.isoformat(),
        "status": intervention.status,
        "end": intervention.end.isoformat() if intervention.end else "",
        "outcome": intervention.outcome_id or "",
        "version": intervention.version,
        "reason": "",
    }
    data.update(fields)
    return data


def history_page(client: HttpClient, person: Client) -> Any:
    return client.get(reverse("clients:history", args=[person.pk]))


# A completed intervention: locked for edits, open to a correction ---------------------------


def test_a_completed_intervention_is_corrected_with_a_reason_shown_in_history(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = completed(client_heimdal)
    client.force_login(caseworker_heimdal)
    assert (
        client.get(reverse("followup:intervention_edit", args=[intervention.pk])).status_code == 409
    )
    detail = client.get(reverse("followup:intervention_detail", args=[intervention.pk]))
    correct_url = reverse("followup:intervention_correct", args=[intervention.pk])
    assert correct_url in detail.text
    response = client.post(
        correct_url,
        correction_post(
            intervention,
            end=(days_ago(7) - datetime.timedelta(days=2)).isoformat(),
            outcome=code(CodeList.INTERVENTION_OUTCOME, "into_work_full").pk,
            reason="Feil sluttdato og resultat ført i fjor",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("followup:intervention_detail", args=[intervention.pk])
    intervention.refresh_from_db()
    assert intervention.status == Status.COMPLETED  # still finished and locked
    assert intervention.end == days_ago(7) - datetime.timedelta(days=2)
    assert intervention.outcome is not None
    assert intervention.outcome.code == "into_work_full"
    latest = intervention.history.latest("history_id")
    assert latest.history_change_reason == "Feil sluttdato og resultat ført i fjor"
    assert latest.history_user == caseworker_heimdal
    page = history_page(client, client_heimdal)
    assert "Feil sluttdato og resultat ført i fjor" in page.text


def test_a_correction_needs_a_reason(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = completed(client_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:intervention_correct", args=[intervention.pk]),
        correction_post(intervention, provider="Nytt firma", reason="   "),
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    intervention.refresh_from_db()
    assert intervention.provider == ""


def test_a_correction_keeps_the_domain_rules(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = completed(client_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:intervention_correct", args=[intervention.pk]),
        correction_post(
            intervention,
            end=(today() + datetime.timedelta(days=365)).isoformat(),
            outcome="",
            reason="Prøver en umulig dato",
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["end"] == ["Sluttdatoen kan ikke være fram i tid."]
    assert "outcome" in errors
    intervention.refresh_from_db()
    assert intervention.end == days_ago(7)


# Entered in error: out of pages, lists and counts, kept in history ------------------------


def test_a_contact_entered_in_error_leaves_the_client_page_and_the_caseload(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    ContactFactory(client=person, date=days_ago(30), next_contact_on=days_ago(7))
    wrong = ContactFactory(
        client=person, date=days_ago(7), next_contact_on=today(), note="Gjelder en annen bruker"
    )
    client.force_login(caseworker_heimdal)
    edit = client.get(reverse("followup:contact_edit", args=[wrong.pk]))
    assert reverse("followup:contact_correct", args=[wrong.pk]) in edit.text
    response = client.post(
        reverse("followup:contact_correct", args=[wrong.pk]),
        {
            "date": wrong.date.isoformat(),
            "channel": wrong.channel_id,
            "duration_minutes": wrong.duration_minutes,
            "note": wrong.note,
            "next_contact_on": wrong.next_contact_on.isoformat(),
            "entered_in_error": "on",
            "version": wrong.version,
            "reason": "Ført på feil bruker",
        },
    )
    assert response.status_code == 302
    assert "Gjelder en annen bruker" not in client.get(person.get_absolute_url()).text
    [row] = client.get(reverse("followup:caseload")).context["page"]
    assert (row.last_contact, row.next_contact) == (days_ago(30), days_ago(7))
    assert list(Contact.objects.filter(client=person).values_list("date", flat=True)) == [
        days_ago(30)
    ]
    assert Contact.all_objects.filter(client=person).count() == 2
    page = history_page(client, person)
    assert "Ført på feil bruker" in page.text
    assert 'data-testid="history-mark"' in page.text
    # Not shown, not editable; the correction page (from history) can still undo the mark.
    assert client.get(reverse("followup:contact_edit", args=[wrong.pk])).status_code == 404
    assert client.get(reverse("followup:contact_correct", args=[wrong.pk])).status_code == 200


def test_a_contact_entered_in_error_can_be_put_back(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal)
    contact = ContactFactory(client=person, date=days_ago(7))
    with acting_as(system_actor("tests")):
        contact.entered_in_error = True
        contact.version += 1
        contact.save()
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:contact_correct", args=[contact.pk]),
        {
            "date": contact.date.isoformat(),
            "channel": contact.channel_id,
            "duration_minutes": contact.duration_minutes,
            "version": contact.version,
            "reason": "Var riktig bruker likevel",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_intervention_entered_in_error_is_gone_from_pages_but_not_from_history(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = completed(client_heimdal, provider="Feilført AS")
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:intervention_correct", args=[intervention.pk]),
        correction_post(intervention, entered_in_error="on", reason="Registrert på feil bruker"),
    )
    assert response.status_code == 302
    assert response["Location"] == client_heimdal.get_absolute_url()
    assert "Feilført AS" not in client.get(client_heimdal.get_absolute_url()).text
    detail = reverse("followup:intervention_detail", args=[intervention.pk])
    assert client.get(detail).status_code == 404
    assert not Intervention.objects.filter(client=client_heimdal).exists()
    page = history_page(client, client_heimdal)
    assert "Registrert på feil bruker" in page.text
    assert "Feilført AS" in page.text


@pytest.fixture
def programme(heimdal: Office) -> Programme:
    with acting_as(system_actor("tests")):
        return Programme.objects.create(
            office=heimdal, name="71 familier", start=datetime.date(2024, 1, 1)
        )


def test_an_enrolment_in_the_wrong_programme_is_marked_and_the_client_enrolled_again(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, programme: Programme
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    with acting_as(system_actor("tests")):
        wrong = Enrolment.objects.create(
            client=person, programme=programme, enrolled_on=days_ago(7)
        )
    client.force_login(caseworker_heimdal)
    client_page = client.get(person.get_absolute_url()).text
    correct_url = reverse("followup:enrolment_correct", args=[wrong.pk])
    assert correct_url in client_page
    assert correct_url in client.get(reverse("followup:enrolment_end", args=[wrong.pk])).text
    in_programme = {"view": "mine", "programme": programme.pk}
    assert list(client.get(reverse("followup:caseload"), in_programme).context["page"]) == [person]
    response = client.post(
        correct_url,
        {
            "enrolled_on": wrong.enrolled_on.isoformat(),
            "entered_in_error": "on",
            "version": 0,
            "reason": "Skulle ikke vært skrevet inn",
        },
    )
    assert response.status_code == 302
    assert list(client.get(reverse("followup:caseload"), in_programme).context["page"]) == []
    assert "71 familier" not in client.get(person.get_absolute_url()).text.split("<footer")[0]
    assert "Skulle ikke vært skrevet inn" in history_page(client, person).text
    again = client.post(
        reverse("followup:enrolment_new", args=[person.pk]),
        {"programme": programme.pk, "enrolled_on": today().isoformat()},
    )
    assert again.status_code == 302
    assert Enrolment.objects.get(client=person).enrolled_on == today()
    assert Enrolment.all_objects.filter(client=person).count() == 2


def test_an_enrolment_date_is_corrected_within_the_rules(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, programme: Programme
) -> None:
    person = ClientFactory(office=heimdal, birth_date=datetime.date(1990, 1, 1))
    with acting_as(system_actor("tests")):
        enrolment = Enrolment.objects.create(
            client=person, programme=programme, enrolled_on=days_ago(7)
        )
    client.force_login(caseworker_heimdal)
    url = reverse("followup:enrolment_correct", args=[enrolment.pk])
    too_early = client.post(url, {"enrolled_on": "2023-06-01", "version": 0, "reason": "Feil dato"})
    assert too_early.status_code == 200
    assert "enrolled_on" in too_early.context["form"].errors
    fixed = client.post(
        url, {"enrolled_on": days_ago(30).isoformat(), "version": 0, "reason": "Feil dato"}
    )
    assert fixed.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.enrolled_on == days_ago(30)
    assert enrolment.history.latest("history_id").history_change_reason == "Feil dato"


@pytest.mark.parametrize("name", ["contact_correct", "intervention_correct", "enrolment_correct"])
def test_another_office_cannot_correct(
    client: HttpClient,
    caseworker_sagene: User,
    client_heimdal: Client,
    programme: Programme,
    name: str,
) -> None:
    contact = ContactFactory(client=client_heimdal)
    intervention = completed(client_heimdal)
    with acting_as(system_actor("tests")):
        enrolment = Enrolment.objects.create(
            client=client_heimdal, programme=programme, enrolled_on=days_ago(7)
        )
    pk = {"contact_correct": contact.pk, "intervention_correct": intervention.pk}.get(
        name, enrolment.pk
    )
    client.force_login(caseworker_sagene)
    url = reverse(f"followup:{name}", args=[pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "entered_in_error": "on"}).status_code == 404
    assert Contact.objects.count() == Intervention.objects.count() == Enrolment.objects.count() == 1


def test_a_benefit_entered_in_error_no_longer_puts_the_client_in_the_benefit_filter(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    with acting_as(system_actor("tests")):
        benefit = BenefitPeriod.objects.create(
            client=person, kind=code(CodeList.BENEFIT_KIND, "aap"), start=days_ago(30)
        )
    client.force_login(caseworker_heimdal)
    on_aap = {"benefit": "aap"}
    assert list(client.get(reverse("followup:caseload"), on_aap).context["page"]) == [person]
    with acting_as(caseworker_heimdal):
        benefit.entered_in_error = True
        benefit.save()
    assert list(client.get(reverse("followup:caseload"), on_aap).context["page"]) == []


def test_a_contact_on_the_wrong_person_born_after_it_can_be_marked_entered_in_error(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    # Logged on the wrong person: its date lies before that person's birth, which would
    # refuse a new contact, but must not stop taking this one out of force.
    person = ClientFactory(office=heimdal, birth_date=days_ago(30))
    wrong = ContactFactory(client=person, date=days_ago(30) - datetime.timedelta(days=1))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:contact_correct", args=[wrong.pk]),
        {
            "date": wrong.date.isoformat(),
            "channel": wrong.channel_id,
            "duration_minutes": wrong.duration_minutes,
            "entered_in_error": "on",
            "version": wrong.version,
            "reason": "Ført på feil bruker",
        },
    )
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=wrong.pk).exists()


# The status itself, corrected with a reason, and shown so in the status history ------------


def status_rows(page: str) -> list[str]:
    table = page[page.index('data-testid="status-history"') :]
    table = table[: table.index("</table>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in table.split("<tr")[2:]]


def test_a_completed_intervention_is_corrected_back_to_in_progress_and_history_says_so(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = completed(client_heimdal)
    client.force_login(caseworker_heimdal)
    planned_end = (today() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("followup:intervention_correct", args=[intervention.pk]),
        correction_post(
            intervention,
            status=Status.IN_PROGRESS,
            end=planned_end,
            outcome="",
            reason="Fullført ved en feil, tiltaket pågår",
        ),
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.status, intervention.outcome, intervention.is_locked) == (
        Status.IN_PROGRESS,
        None,
        False,
    )
    # No longer locked: it can be edited and moved on again.
    assert (
        client.get(reverse("followup:intervention_edit", args=[intervention.pk])).status_code == 200
    )
    page = client.get(reverse("followup:intervention_detail", args=[intervention.pk])).text
    rows = status_rows(page)
    assert len(rows) == 2
    assert "Fullført" in rows[0]
    assert "Rettet: fullført → pågår" in rows[1]
    assert "Fullført ved en feil, tiltaket pågår" in rows[1]
    assert caseworker_heimdal.get_full_name() in rows[1]


def test_a_correction_of_the_end_only_is_shown_as_a_correction_of_the_same_status(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = completed(client_heimdal)
    client.force_login(caseworker_heimdal)
    client.post(
        reverse("followup:intervention_correct", args=[intervention.pk]),
        correction_post(intervention, end=days_ago(30).isoformat(), reason="Sluttet tidligere"),
    )
    rows = status_rows(
        client.get(reverse("followup:intervention_detail", args=[intervention.pk])).text
    )
    assert "Rettet: fullført" in rows[-1]
    assert days_ago(30).strftime("%d.%m.%Y") in rows[-1]
    assert "Sluttet tidligere" in rows[-1]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        # A status that is not final has no outcome yet.
        ({"status": Status.IN_PROGRESS}, "outcome", "har ikke noe resultat ennå"),
        # Completed needs its end and outcome (the model's rules).
        ({"status": Status.COMPLETED, "end": ""}, "end", "Oppgi datoen tiltaket sluttet."),
        ({"status": Status.COMPLETED, "outcome": ""}, "outcome", "Oppgi resultatet"),
        ({"status": "finished"}, "status", "Velg et gyldig valg"),
    ],
)
def test_a_status_correction_keeps_the_rules_of_the_status(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    fields: dict[str, Any],
    field: str,
    message: str,
) -> None:
    intervention = completed(client_heimdal, provider="Firma")
    before = intervention.history.count()
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:intervention_correct", args=[intervention.pk]),
        correction_post(intervention, provider="Annet firma", reason="Retting", **fields),
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    intervention.refresh_from_db()
    assert (intervention.status, intervention.provider) == (Status.COMPLETED, "Firma")
    assert intervention.history.count() == before
