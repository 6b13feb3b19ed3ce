"""Case episodes (open, edit, close) and benefit periods (add, end): rules, conflicts, access."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import BenefitPeriod, CaseEpisode, Client
from clients.services import episodes
from codelists.models import Code, CodeList
from organisation.models import Office, User
from tests.dates import days_ago, days_ahead, today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")

BIRTH = datetime.date(1980, 5, 17)


def short(date: datetime.date) -> str:
    """A date as the Norwegian UI shows it (SHORT_DATE_FORMAT)."""
    return date.strftime("%d.%m.%Y")


def reason(value: str) -> Code:
    return code(CodeList.CONTACT_REASON, value)


def closing(value: str) -> Code:
    return code(CodeList.CLOSING_REASON, value)


def benefit_kind(value: str) -> Code:
    return code(CodeList.BENEFIT_KIND, value)


@pytest.fixture
def person(heimdal: Office) -> Client:
    return ClientFactory(office=heimdal, birth_date=BIRTH)


def make_episode(
    client: Client,
    opened_on: datetime.date,
    reasons: tuple[str, ...] = ("no_income",),
    closed_on: datetime.date | None = None,
    closing_reason: str | None = None,
) -> CaseEpisode:
    with acting_as(system_actor("tests")):
        episode = CaseEpisode.objects.create(
            client=client,
            opened_on=opened_on,
            closed_on=closed_on,
            closing_reason=closing(closing_reason) if closing_reason else None,
        )
        episode.reasons.set([reason(r) for r in reasons])
    return episode


def make_benefit(
    client: Client, kind: str, start: datetime.date, end: datetime.date | None = None
) -> BenefitPeriod:
    with acting_as(system_actor("tests")):
        return BenefitPeriod.objects.create(
            client=client, kind=benefit_kind(kind), start=start, end=end
        )


def edit_data(episode: CaseEpisode, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "opened_on": episode.opened_on.isoformat(),
        "reasons": [r.pk for r in episode.reasons.all()],
        "closed_on": episode.closed_on.isoformat() if episode.closed_on else "",
        "closing_reason": episode.closing_reason_id or "",
        "version": episode.version,
    }
    data.update(overrides)
    return data


def reason_codes(episode: CaseEpisode) -> set[str]:
    return {r.code for r in episode.reasons.all()}


# Opening ---------------------------------------------------------------------


def test_the_open_form_starts_today(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.get(reverse("clients:episode_new", args=[person.pk]))
    assert response.status_code == 200
    assert response.context["form"].initial["opened_on"] == today()
    assert 'data-testid="episode-form"' in response.text


def test_opening_an_episode_saves_the_reasons_with_history_by_the_user(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_new", args=[person.pk]),
        {
            "opened_on": days_ago(3).isoformat(),
            "reasons": [reason("no_income").pk, reason("housing_problem").pk],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    episode = CaseEpisode.objects.get()
    assert (episode.client, episode.opened_on, episode.closed_on) == (person, days_ago(3), None)
    assert reason_codes(episode) == {"no_income", "housing_problem"}
    history = list(episode.history.all())
    # One row, by her, with the reasons (audit.history.one_history_row).
    assert len(history) == 1
    assert {row.history_user for row in history} == {caseworker_heimdal}
    assert {r.code_id for r in episode.history.first().reasons.all()} == {  # type: ignore[union-attr]
        reason("no_income").pk,
        reason("housing_problem").pk,
    }


def test_an_episode_without_a_reason_is_refused(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_new", args=[person.pk]), {"opened_on": today().isoformat()}
    )
    assert response.status_code == 200
    assert "reasons" in response.context["form"].errors
    assert 'data-testid="reasons-errors"' in response.text
    assert not CaseEpisode.objects.exists()


@pytest.mark.parametrize(
    "opened_on",
    [lambda: days_ahead(1), lambda: BIRTH - datetime.timedelta(days=1)],
    ids=["future", "before-birth"],
)
def test_an_impossible_opening_date_is_refused(
    client: HttpClient,
    caseworker_heimdal: User,
    person: Client,
    opened_on: Callable[[], datetime.date],
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_new", args=[person.pk]),
        {"opened_on": opened_on().isoformat(), "reasons": [reason("debt").pk]},
    )
    assert response.status_code == 200
    assert "opened_on" in response.context["form"].errors
    assert not CaseEpisode.objects.exists()


def test_a_second_open_episode_is_refused_with_a_link_to_the_open_one(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    already = make_episode(person, days_ago(100))
    edit_url = reverse("clients:episode_edit", args=[already.pk])
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("clients:episode_new", args=[person.pk]))
    assert 'data-testid="episode-already-open"' in page.text
    assert f'href="{edit_url}"' in page.text
    assert 'data-testid="episode-form"' not in page.text
    response = client.post(
        reverse("clients:episode_new", args=[person.pk]),
        {"opened_on": today().isoformat(), "reasons": [reason("debt").pk]},
    )
    assert response.status_code == 200
    assert 'data-testid="episode-already-open"' in response.text
    assert f'href="{edit_url}"' in response.text
    assert list(CaseEpisode.objects.all()) == [already]


def test_the_service_and_the_database_allow_one_open_episode_per_client(
    person: Client,
) -> None:
    already = make_episode(person, days_ago(100))
    with acting_as(system_actor("tests")):
        with pytest.raises(episodes.EpisodeAlreadyOpenError) as refused:
            episodes.episode_open(client=person, opened_on=today(), reasons=[reason("debt")])
        assert refused.value.episode == already
        with pytest.raises(IntegrityError), transaction.atomic():
            CaseEpisode.objects.create(client=person, opened_on=today())
    assert CaseEpisode.objects.count() == 1


def test_a_new_episode_may_be_opened_once_the_previous_is_closed(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    make_episode(person, days_ago(100), closed_on=days_ago(50), closing_reason="into_work")
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_new", args=[person.pk]),
        {"opened_on": today().isoformat(), "reasons": [reason("job_loss").pk]},
    )
    assert response.status_code == 302
    assert CaseEpisode.objects.filter(client=person, closed_on__isnull=True).count() == 1


# Editing and closing -----------------------------------------------------------


def test_closing_an_episode_with_a_date_and_a_reason(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    episode = make_episode(person, days_ago(60))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_edit", args=[episode.pk]),
        edit_data(
            episode, closed_on=days_ago(1).isoformat(), closing_reason=closing("into_work").pk
        ),
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.closed_on, episode.closing_reason, episode.version) == (
        days_ago(1),
        closing("into_work"),
        2,
    )
    assert episode.history.first().history_user == caseworker_heimdal  # type: ignore[union-attr]


def test_changing_the_reasons_of_an_episode(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    episode = make_episode(person, days_ago(60), reasons=("no_income",))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_edit", args=[episode.pk]),
        edit_data(episode, reasons=[reason("debt").pk, reason("illness").pk]),
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert reason_codes(episode) == {"debt", "illness"}
    assert episode.version == 2
    new_rows = episode.history.filter(history_user=caseworker_heimdal)
    # The save and its many-to-many changes (a removal and an addition) are one row.
    assert new_rows.count() == 1
    assert not episode.history.exclude(history_user=caseworker_heimdal).filter(version=2).exists()
    assert {r.code_id for r in new_rows.first().reasons.all()} == {  # type: ignore[union-attr]
        reason("debt").pk,
        reason("illness").pk,
    }


def test_a_retired_reason_stays_on_the_episode_when_it_is_edited(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    episode = make_episode(person, days_ago(60), reasons=("prison_release",))
    retired = reason("prison_release")
    retired.active = False
    with acting_as(system_actor("tests")):
        retired.save()
    client.force_login(caseworker_heimdal)
    url = reverse("clients:episode_edit", args=[episode.pk])
    assert retired in client.get(url).context["form"].fields["reasons"].queryset
    assert retired not in (
        client.get(reverse("clients:episode_new", args=[person.pk]))
        .context["form"]
        .fields["reasons"]
        .queryset
    )
    assert client.post(url, edit_data(episode)).status_code == 302
    assert reason_codes(episode) == {"prison_release"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closing_reason": "into_work"}, "closed_on"),
        ({"closed_on": lambda: days_ago(1)}, "closing_reason"),
        ({"closed_on": lambda: days_ago(61), "closing_reason": "into_work"}, "closed_on"),
        ({"closed_on": lambda: days_ahead(1), "closing_reason": "moved"}, "closed_on"),
        ({"reasons": []}, "reasons"),
    ],
    ids=["reason-without-date", "date-without-reason", "closed-before-opened", "future", "none"],
)
def test_bad_closing_input_is_refused_and_nothing_is_saved(
    client: HttpClient,
    caseworker_heimdal: User,
    person: Client,
    overrides: dict[str, Any],
    field: str,
) -> None:
    episode = make_episode(person, days_ago(60))
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        if name == "closing_reason":
            values[name] = closing(value).pk
        elif callable(value):  # a date, read when the test runs
            values[name] = value().isoformat()
        else:
            values[name] = value
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_edit", args=[episode.pk]), edit_data(episode, **values)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    episode.refresh_from_db()
    assert (episode.closed_on, episode.closing_reason, episode.version) == (None, None, 1)
    assert reason_codes(episode) == {"no_income"}
    assert episode.history.count() == 2  # only the rows written by make_episode


def test_reopening_an_episode_while_another_is_open_is_refused(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    old = make_episode(person, days_ago(300), closed_on=days_ago(200), closing_reason="moved")
    current = make_episode(person, days_ago(10))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_edit", args=[old.pk]),
        edit_data(old, closed_on="", closing_reason=""),
    )
    assert response.status_code == 200
    assert 'data-testid="episode-already-open"' in response.text
    assert reverse("clients:episode_edit", args=[current.pk]) in response.text
    old.refresh_from_db()
    assert (old.closed_on, old.version) == (days_ago(200), 1)


def test_a_stale_edit_is_refused_with_what_changed_and_nothing_is_overwritten(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, person: Client
) -> None:
    episode = make_episode(person, days_ago(60), reasons=("no_income",))
    url = reverse("clients:episode_edit", args=[episode.pk])
    base = edit_data(episode)
    client.force_login(coordinator_heimdal)
    first = client.post(url, {**base, "reasons": [reason("eviction_risk").pk]})
    assert first.status_code == 302
    client.force_login(caseworker_heimdal)
    stale = client.post(
        url,
        {**base, "closed_on": days_ago(2).isoformat(), "closing_reason": closing("moved").pk},
    )
    assert stale.status_code == 409
    assert 'data-testid="conflict"' in stale.text
    conflict = stale.text.split('data-testid="conflict"', 1)[1].split("</div>", 1)[0]
    # What the other person changed, as code labels.
    assert reason("eviction_risk").label_nb in conflict
    assert reason("no_income").label_nb in conflict
    # What this user typed is kept, with the new version to save over.
    form = stale.context["form"]
    assert form["closed_on"].value() == days_ago(2).isoformat()
    assert f'value="{days_ago(2).isoformat()}"' in stale.text
    assert form["version"].value() == "2"
    episode.refresh_from_db()
    assert (episode.closed_on, episode.closing_reason, episode.version) == (None, None, 2)
    assert reason_codes(episode) == {"eviction_risk"}
    assert not episode.history.filter(history_user=caseworker_heimdal).exists()
    # Saving again over the new version works.
    retry = client.post(
        url,
        {
            **base,
            "reasons": [reason("eviction_risk").pk],
            "closed_on": days_ago(2).isoformat(),
            "closing_reason": closing("moved").pk,
            "version": 2,
        },
    )
    assert retry.status_code == 302
    episode.refresh_from_db()
    assert (episode.closed_on, episode.version) == (days_ago(2), 3)


# Benefits ------------------------------------------------------------------------


def test_adding_a_benefit_period(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:benefit_new", args=[person.pk]),
        {"kind": benefit_kind("aap").pk, "start": days_ago(30).isoformat(), "end": ""},
    )
    assert response.status_code == 302
    benefit = BenefitPeriod.objects.get()
    assert (benefit.client, benefit.kind.code, benefit.start, benefit.end) == (
        person,
        "aap",
        days_ago(30),
        None,
    )
    assert benefit.history.get().history_user == caseworker_heimdal


def test_an_overlapping_benefit_of_the_same_kind_is_refused_naming_the_other_period(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    existing = make_benefit(person, "aap", days_ago(100), days_ago(40))
    client.force_login(caseworker_heimdal)
    url = reverse("clients:benefit_new", args=[person.pk])
    refused = client.post(
        url, {"kind": benefit_kind("aap").pk, "start": days_ago(50).isoformat(), "end": ""}
    )
    assert refused.status_code == 200
    message = " ".join(refused.context["form"].errors["start"])
    assert short(existing.start) in message
    assert short(days_ago(40)) in message
    assert BenefitPeriod.objects.count() == 1
    # The same dates for another benefit are fine, and so is the day after the period.
    other_kind = client.post(
        url, {"kind": benefit_kind("bostotte").pk, "start": days_ago(50).isoformat(), "end": ""}
    )
    assert other_kind.status_code == 302
    after = client.post(
        url, {"kind": benefit_kind("aap").pk, "start": days_ago(39).isoformat(), "end": ""}
    )
    assert after.status_code == 302
    assert BenefitPeriod.objects.count() == 3


def test_a_period_before_a_running_benefit_of_the_same_kind_may_not_reach_into_it(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    running = make_benefit(person, "dagpenger", days_ago(10))
    client.force_login(caseworker_heimdal)
    url = reverse("clients:benefit_new", args=[person.pk])
    data = {"kind": benefit_kind("dagpenger").pk, "start": days_ago(100).isoformat()}
    refused = client.post(url, {**data, "end": days_ago(10).isoformat()})
    assert refused.status_code == 200
    assert short(running.start) in " ".join(refused.context["form"].errors["start"])
    assert client.post(url, {**data, "end": days_ago(11).isoformat()}).status_code == 302


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (lambda: days_ago(10), lambda: days_ago(11), "end"),
        (lambda: BIRTH - datetime.timedelta(days=1), None, "start"),
        (lambda: days_ahead(3 * 365), None, "start"),
    ],
    ids=["end-before-start", "start-before-birth", "start-years-ahead"],
)
def test_an_impossible_benefit_period_is_refused(
    client: HttpClient,
    caseworker_heimdal: User,
    person: Client,
    start: Callable[[], datetime.date],
    end: Callable[[], datetime.date] | None,
    field: str,
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:benefit_new", args=[person.pk]),
        {
            "kind": benefit_kind("aap").pk,
            "start": start().isoformat(),
            "end": end().isoformat() if end else "",
        },
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not BenefitPeriod.objects.exists()


def test_a_benefit_decided_to_start_next_month_is_accepted(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    client.force_login(caseworker_heimdal)
    start = today() + datetime.timedelta(days=30)
    response = client.post(
        reverse("clients:benefit_new", args=[person.pk]),
        {"kind": benefit_kind("aap").pk, "start": start.isoformat(), "end": ""},
    )
    assert response.status_code == 302
    assert BenefitPeriod.objects.get().start == start


def test_a_bad_date_is_blamed_once_at_its_field(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    """The form's "invalid date" is enough; the model's rules add nothing to that field."""
    episode = make_episode(person, days_ago(60))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:episode_edit", args=[episode.pk]),
        edit_data(episode, closed_on="31.02.2026", closing_reason=closing("moved").pk),
    )
    assert response.status_code == 200
    assert len(response.context["form"].errors["closed_on"]) == 1


def test_ending_a_benefit(client: HttpClient, caseworker_heimdal: User, person: Client) -> None:
    benefit = make_benefit(person, "okonomisk_sosialhjelp_full", days_ago(90))
    url = reverse("clients:benefit_end", args=[benefit.pk])
    client.force_login(caseworker_heimdal)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["end"] == today()
    response = client.post(url, {"end": days_ago(5).isoformat()})
    assert response.status_code == 302
    benefit.refresh_from_db()
    assert benefit.end == days_ago(5)
    assert benefit.history.first().history_user == caseworker_heimdal  # type: ignore[union-attr]


def test_a_benefit_cannot_end_before_it_starts(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    benefit = make_benefit(person, "aap", days_ago(20))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:benefit_end", args=[benefit.pk]), {"end": days_ago(21).isoformat()}
    )
    assert response.status_code == 200
    assert "end" in response.context["form"].errors
    benefit.refresh_from_db()
    assert benefit.end is None
    assert benefit.history.count() == 1


def test_moving_an_end_into_a_later_period_of_the_same_kind_is_refused(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    earlier = make_benefit(person, "aap", days_ago(400), days_ago(300))
    later = make_benefit(person, "aap", days_ago(100))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:benefit_end", args=[earlier.pk]), {"end": days_ago(50).isoformat()}
    )
    assert response.status_code == 200
    assert short(later.start) in " ".join(response.context["form"].errors["end"])
    earlier.refresh_from_db()
    assert earlier.end == days_ago(300)


# Access --------------------------------------------------------------------------


def test_the_other_office_gets_404_everywhere_and_nothing_is_written(
    client: HttpClient, caseworker_sagene: User, person: Client
) -> None:
    episode = make_episode(person, days_ago(60))
    benefit = make_benefit(person, "aap", days_ago(60))
    pages: list[tuple[str, dict[str, Any]]] = [
        (
            reverse("clients:episode_new", args=[person.pk]),
            {"opened_on": today().isoformat(), "reasons": [reason("debt").pk]},
        ),
        (
            reverse("clients:episode_edit", args=[episode.pk]),
            edit_data(
                episode, closed_on=today().isoformat(), closing_reason=closing("into_work").pk
            ),
        ),
        (
            reverse("clients:benefit_new", args=[person.pk]),
            {"kind": benefit_kind("bostotte").pk, "start": today().isoformat(), "end": ""},
        ),
        (reverse("clients:benefit_end", args=[benefit.pk]), {"end": today().isoformat()}),
    ]
    client.force_login(caseworker_sagene)
    for url, data in pages:
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    assert list(CaseEpisode.objects.all()) == [episode]
    assert list(BenefitPeriod.objects.all()) == [benefit]
    episode.refresh_from_db()
    benefit.refresh_from_db()
    assert (episode.closed_on, episode.version, benefit.end) == (None, 1, None)
    assert episode.history.count() == 2
    assert benefit.history.count() == 1
