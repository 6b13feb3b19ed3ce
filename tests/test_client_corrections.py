"""Correcting episodes, benefit periods and assessments: a reason in history, entered in error."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode, Client
from clients.services import merging
from codelists.models import CodeList
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
DAY = datetime.timedelta(days=1)
BIRTH = datetime.date(1985, 2, 3)


@pytest.fixture
def person(heimdal: Office, caseworker_heimdal: User) -> Client:
    return ClientFactory(office=heimdal, caseworker=caseworker_heimdal, birth_date=BIRTH)


def short(date: datetime.date) -> str:
    return date.strftime("%d.%m.%Y")


def episode(person: Client, opened_on: datetime.date, closed: bool = False) -> CaseEpisode:
    with acting_as(system_actor("tests")):
        made = CaseEpisode.objects.create(
            client=person,
            opened_on=opened_on,
            closed_on=opened_on + DAY if closed else None,
            closing_reason=code(CodeList.CLOSING_REASON, "moved") if closed else None,
        )
        made.reasons.set([code(CodeList.CONTACT_REASON, "no_income")])
        return made


def benefit(person: Client, kind: str, start: datetime.date, end: datetime.date | None = None):  # type: ignore[no-untyped-def]
    with acting_as(system_actor("tests")):
        return BenefitPeriod.objects.create(
            client=person, kind=code(CodeList.BENEFIT_KIND, kind), start=start, end=end
        )


def assessment(person: Client, on: datetime.date, **areas: tuple[str, str]) -> Assessment:
    with acting_as(system_actor("tests")):
        made = Assessment.objects.create(
            client=person, assessed_on=on, assessed_by=person.caseworker
        )
        for area, (status, need) in areas.items():
            AssessmentItem.objects.create(
                assessment=made,
                life_area=code(CodeList.LIFE_AREA, area),
                status=code(CodeList.ASSESSMENT_STATUS, status),
                need=code(CodeList.NEED_LEVEL, need),
            )
        return made


def episode_post(record: CaseEpisode, **fields: Any) -> dict[str, Any]:
    data = {
        "opened_on": record.opened_on.isoformat(),
        "closed_on": record.closed_on.isoformat() if record.closed_on else "",
        "closing_reason": record.closing_reason_id or "",
        "version": record.version,
        "reason": "",
    }
    return {**data, **fields}


def benefit_post(record: BenefitPeriod, **fields: Any) -> dict[str, Any]:
    data = {
        "kind": record.kind_id,
        "start": record.start.isoformat(),
        "end": record.end.isoformat() if record.end else "",
        "version": 0,
        "reason": "",
    }
    return {**data, **fields}


def assessment_post(record: Assessment, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "assessed_on": record.assessed_on.isoformat(),
        "version": 0,
        "reason": "",
    }
    for item in record.items.all():
        data[f"status_{item.life_area.code}"] = item.status.code
        data[f"need_{item.life_area.code}"] = item.need.code
    return {**data, **fields}


def history_text(client: HttpClient, person: Client) -> str:
    return client.get(reverse("clients:history", args=[person.pk])).content.decode()


# Case episodes ------------------------------------------------------------------------------


def test_an_episode_is_corrected_with_a_reason_shown_in_history(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    record = episode(person, today() - 30 * DAY)
    client.force_login(caseworker_heimdal)
    url = reverse("clients:episode_correct", args=[record.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        episode_post(
            record, opened_on=(today() - 40 * DAY).isoformat(), reason="Feil dato ved åpning"
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    record.refresh_from_db()
    assert record.opened_on == today() - 40 * DAY
    latest = record.history.latest()
    assert (latest.history_change_reason, latest.history_user) == (
        "Feil dato ved åpning",
        caseworker_heimdal,
    )
    page = history_text(client, person)
    assert "Feil dato ved åpning" in page
    assert short(today() - 30 * DAY) in page


def test_a_correction_needs_a_reason_and_a_change(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    record = episode(person, today() - 30 * DAY)
    client.force_login(caseworker_heimdal)
    url = reverse("clients:episode_correct", args=[record.pk])
    no_reason = client.post(url, episode_post(record, opened_on=(today() - 40 * DAY).isoformat()))
    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors["reason"]
    unchanged = client.post(url, episode_post(record, reason="Sjekket"))
    assert unchanged.status_code == 200
    assert unchanged.context["form"].non_field_errors()
    record.refresh_from_db()
    assert (record.opened_on, record.version) == (today() - 30 * DAY, 1)


@pytest.mark.parametrize(
    ("make_fields", "field"),
    [
        (lambda: {"opened_on": (BIRTH - DAY).isoformat()}, "opened_on"),
        (
            lambda: {"closed_on": (today() + DAY).isoformat(), "closing_reason": "moved"},
            "closed_on",
        ),
        (
            lambda: {"closed_on": (today() - 40 * DAY).isoformat(), "closing_reason": "moved"},
            "closed_on",
        ),
    ],
    ids=["before-birth", "closed-in-the-future", "closed-before-opened"],
)
def test_a_correction_cannot_store_what_a_new_episode_could_not(
    client: HttpClient,
    caseworker_heimdal: User,
    person: Client,
    make_fields: Callable[[], dict[str, str]],
    field: str,
) -> None:
    record = episode(person, today() - 30 * DAY)
    fields = make_fields()
    if "closing_reason" in fields:
        fields = {**fields, "closing_reason": code(CodeList.CLOSING_REASON, "moved").pk}
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_correct", args=[record.pk]),
        episode_post(record, reason="Retting", **fields),
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    record.refresh_from_db()
    assert record.version == 1


def test_reopening_an_episode_by_correction_while_another_is_open_is_refused(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    closed = episode(person, today() - 90 * DAY, closed=True)
    episode(person, today() - 10 * DAY)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_correct", args=[closed.pk]),
        episode_post(closed, closed_on="", closing_reason="", reason="Var aldri avsluttet"),
    )
    assert response.status_code == 200
    assert short(today() - 10 * DAY) in " ".join(response.context["form"].errors["closed_on"])


def test_an_episode_entered_in_error_leaves_the_page_and_counts_but_stays_in_history(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    record = episode(person, today() - 30 * DAY)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_correct", args=[record.pk]),
        episode_post(record, entered_in_error="on", reason="Registrert på feil person"),
    )
    assert response.status_code == 302
    assert not CaseEpisode.objects.filter(client=person).exists()
    assert CaseEpisode.all_objects.filter(client=person).count() == 1
    page = client.get(person.get_absolute_url()).content.decode()
    assert reverse("clients:episode_edit", args=[record.pk]) not in page
    history = history_text(client, person)
    assert "Registrert på feil person" in history
    assert 'data-testid="history-mark"' in history
    # The open episode entered in error does not keep a new one from being opened.
    opened = client.post(
        reverse("clients:episode_new", args=[person.pk]),
        {
            "opened_on": today().isoformat(),
            "reasons": [code(CodeList.CONTACT_REASON, "no_income").pk],
        },
    )
    assert opened.status_code == 302
    assert CaseEpisode.objects.filter(client=person).count() == 1


# Benefit periods ----------------------------------------------------------------------------


def test_the_kind_of_a_benefit_period_is_corrected_with_a_reason(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    record = benefit(person, "aap", today() - 60 * DAY)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:benefit_correct", args=[record.pk]),
        benefit_post(
            record,
            kind=code(CodeList.BENEFIT_KIND, "bostotte").pk,
            reason="Feil ytelse valgt",
        ),
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.kind.code == "bostotte"
    assert record.history.latest().history_change_reason == "Feil ytelse valgt"
    assert "Feil ytelse valgt" in history_text(client, person)


def test_a_benefit_correction_may_not_overlap_or_start_years_ahead(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    other = benefit(person, "bostotte", today() - 100 * DAY)
    record = benefit(person, "aap", today() - 60 * DAY)
    client.force_login(caseworker_heimdal)
    url = reverse("clients:benefit_correct", args=[record.pk])
    overlapping = client.post(url, benefit_post(record, kind=other.kind_id, reason="Feil ytelse"))
    assert overlapping.status_code == 200
    assert short(other.start) in " ".join(overlapping.context["form"].errors["start"])
    ahead = client.post(
        url, benefit_post(record, start=(today() + 900 * DAY).isoformat(), reason="Skrivefeil")
    )
    assert ahead.status_code == 200
    assert ahead.context["form"].errors["start"]
    record.refresh_from_db()
    assert (record.kind.code, record.start) == ("aap", today() - 60 * DAY)


def test_a_benefit_entered_in_error_leaves_the_page_and_no_longer_overlaps(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    record = benefit(person, "aap", today() - 60 * DAY)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:benefit_correct", args=[record.pk]),
        benefit_post(record, entered_in_error="on", reason="Dobbeltregistrert"),
    )
    assert response.status_code == 302
    page = client.get(person.get_absolute_url()).content.decode()
    assert reverse("clients:benefit_correct", args=[record.pk]) not in page
    assert "Dobbeltregistrert" in history_text(client, person)
    again = client.post(
        reverse("clients:benefit_new", args=[person.pk]),
        {"kind": record.kind_id, "start": record.start.isoformat(), "end": ""},
    )
    assert again.status_code == 302


# Assessments --------------------------------------------------------------------------------


def test_an_assessment_is_corrected_date_and_areas_each_with_the_reason(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    record = assessment(person, today() - 10 * DAY, housing=("3", "some"), work=("2", "none"))
    client.force_login(caseworker_heimdal)
    url = reverse("clients:assessment_correct", args=[record.pk])
    form = client.get(url).context["form"]
    assert form.initial["status_housing"] == "3"
    response = client.post(
        url,
        assessment_post(
            record,
            assessed_on=(today() - 11 * DAY).isoformat(),
            status_housing="4",
            status_work="",
            need_work="",
            status_health="2",
            reason="Kartleggingen var dagen før; bolig er verre enn skrevet",
        ),
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.assessed_on == today() - 11 * DAY
    in_force = {i.life_area.code: (i.status.code, i.need.code) for i in record.items.all()}
    assert in_force == {"housing": ("4", "some"), "health": ("2", "unknown")}
    work = AssessmentItem.all_objects.get(assessment=record, life_area__code="work")
    assert work.entered_in_error  # removed from the assessment, never deleted
    reasons = {
        row.history_change_reason
        for row in AssessmentItem.history.filter(assessment_id=record.pk, history_type="~")
    }
    assert reasons == {"Kartleggingen var dagen før; bolig er verre enn skrevet"}
    assert record.history.latest().history_change_reason == reasons.pop()
    detail = client.get(reverse("clients:assessment_detail", args=[record.pk]))
    assert 'data-testid="change-work"' not in detail.content.decode()
    assert "bolig er verre" in history_text(client, person)


def test_an_assessment_cannot_be_corrected_onto_the_date_of_another(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    assessment(person, today() - 20 * DAY, housing=("3", "some"))
    record = assessment(person, today() - 10 * DAY, housing=("2", "some"))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:assessment_correct", args=[record.pk]),
        assessment_post(record, assessed_on=(today() - 20 * DAY).isoformat(), reason="Dato"),
    )
    assert response.status_code == 200
    assert "allerede en kartlegging" in " ".join(response.context["form"].errors["assessed_on"])
    record.refresh_from_db()
    assert record.assessed_on == today() - 10 * DAY


def test_an_assessment_entered_in_error_drops_out_and_frees_its_date(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    earlier = assessment(person, today() - 20 * DAY, housing=("3", "some"))
    record = assessment(person, today() - 10 * DAY, housing=("1", "none"))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:assessment_correct", args=[record.pk]),
        assessment_post(record, entered_in_error="on", reason="Gjaldt en annen bruker"),
    )
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    page = client.get(person.get_absolute_url())
    assert page.context["latest_assessment"] == earlier
    assert person.assessments.count() == 1
    assert client.get(reverse("clients:assessment_detail", args=[record.pk])).status_code == 404
    assert "Gjaldt en annen bruker" in history_text(client, person)
    new = client.post(
        reverse("clients:assessment_new", args=[person.pk]),
        {"assessed_on": (today() - 10 * DAY).isoformat(), "status_work": "2", "need_work": "some"},
    )
    assert new.status_code == 302


# Access, links, merge -----------------------------------------------------------------------


def test_the_client_page_links_to_every_correction(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    made = [
        reverse("clients:episode_correct", args=[episode(person, today() - 5 * DAY).pk]),
        reverse("clients:benefit_correct", args=[benefit(person, "aap", today() - 5 * DAY).pk]),
        reverse(
            "clients:assessment_correct",
            args=[assessment(person, today() - 5 * DAY, housing=("3", "some")).pk],
        ),
    ]
    client.force_login(caseworker_heimdal)
    page = client.get(person.get_absolute_url()).content.decode()
    for url in made:
        assert url in page
    assert page.count(">Rett opp<") >= 3


def test_another_office_cannot_open_or_post_a_correction(
    client: HttpClient, caseworker_sagene: User, person: Client
) -> None:
    record = episode(person, today() - 5 * DAY)
    client.force_login(caseworker_sagene)
    for url in (
        reverse("clients:episode_correct", args=[record.pk]),
        reverse("clients:benefit_correct", args=[benefit(person, "aap", today()).pk]),
        reverse(
            "clients:assessment_correct",
            args=[assessment(person, today(), housing=("3", "some")).pk],
        ),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x", "entered_in_error": "on"}).status_code == 404
    record.refresh_from_db()
    assert not record.entered_in_error


def test_a_merge_moves_records_entered_in_error_too_and_its_undo_brings_them_back(
    heimdal: Office, caseworker_heimdal: User, person: Client
) -> None:
    duplicate = ClientFactory(office=heimdal, birth_date=BIRTH)
    wrong = benefit(duplicate, "aap", today() - 5 * DAY)
    with acting_as(caseworker_heimdal):
        wrong.entered_in_error = True
        wrong.save()
        record = merging.client_merge(keep=person, merge=duplicate, by=caseworker_heimdal)
        assert BenefitPeriod.all_objects.get(pk=wrong.pk).client == person
        merging.client_merge_undo(merge_record=record, by=caseworker_heimdal)
    assert BenefitPeriod.all_objects.get(pk=wrong.pk).client == duplicate
