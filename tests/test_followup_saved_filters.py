"""Saved caseload filters: saving, renaming and deleting them, and refusing what makes no sense."""

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as
from followup.models import Reminder, SavedFilter
from organisation.models import User
from tests.dates import today

CASELOAD = reverse("followup:caseload")


def shown(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def save(client: HttpClient, name: str, query: str = "view=office&due=overdue") -> Any:
    return client.post(reverse("followup:save_filter"), {"name": name, "query": query}, follow=True)


@pytest.fixture
def saved(caseworker_heimdal: User) -> SavedFilter:
    return SavedFilter.objects.create(
        owner=caseworker_heimdal, name="Forfalte", query="due=overdue"
    )


def test_a_filter_is_saved_and_offered(client: HttpClient, caseworker_heimdal: User) -> None:
    client.force_login(caseworker_heimdal)
    response = save(client, "  Hele kontoret, forfalt  ")
    assert "Filteret er lagret." in shown(response)
    saved = SavedFilter.objects.get()
    assert (saved.name, saved.query) == ("Hele kontoret, forfalt", "view=office&due=overdue")
    assert 'href="?view=office&amp;due=overdue"' in response.text


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_an_empty_name_is_refused_with_a_message(
    client: HttpClient, caseworker_heimdal: User, name: str
) -> None:
    client.force_login(caseworker_heimdal)
    response = save(client, name)
    assert "Gi filteret et navn." in shown(response)
    assert not SavedFilter.objects.exists()


def test_a_too_long_name_is_refused(client: HttpClient, caseworker_heimdal: User) -> None:
    client.force_login(caseworker_heimdal)
    response = save(client, "x" * 81)
    assert "Navnet kan ha høyst 80 tegn." in shown(response)
    assert not SavedFilter.objects.exists()


def test_a_filter_that_is_not_understood_is_not_saved(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    client.force_login(caseworker_heimdal)
    response = save(client, "Rart", "view=everything&programme=99999999999999999999")
    [message] = shown(response)
    assert message.startswith("Filteret kunne ikke lagres")
    assert not SavedFilter.objects.exists()


def test_saving_under_a_name_in_use_updates_that_filter(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter
) -> None:
    client.force_login(caseworker_heimdal)
    response = save(client, "forfalte", "view=office&due=overdue")
    assert "Filteret Forfalte viser nå disse brukerne." in shown(response)
    saved.refresh_from_db()
    assert (saved.name, saved.query) == ("Forfalte", "view=office&due=overdue")
    assert SavedFilter.objects.count() == 1


def test_a_filter_is_renamed(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter
) -> None:
    client.force_login(caseworker_heimdal)
    page = client.get(CASELOAD)
    assert reverse("followup:rename_filter", args=[saved.pk]) in page.text
    response = client.post(
        reverse("followup:rename_filter", args=[saved.pk]), {"name": " Mine forfalte "}, follow=True
    )
    assert "Filteret har fått nytt navn." in shown(response)
    saved.refresh_from_db()
    assert (saved.name, saved.query) == ("Mine forfalte", "due=overdue")


@pytest.mark.parametrize(
    ("name", "message"),
    [("  ", "Gi filteret et navn."), ("NYE", "Du har allerede et filter som heter NYE.")],
)
def test_a_rename_to_nothing_or_to_another_filters_name_is_refused(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter, name: str, message: str
) -> None:
    SavedFilter.objects.create(owner=caseworker_heimdal, name="Nye", query="due=new")
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:rename_filter", args=[saved.pk]), {"name": name}, follow=True
    )
    assert message in shown(response)
    saved.refresh_from_db()
    assert saved.name == "Forfalte"


def test_a_filter_is_deleted(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter
) -> None:
    client.force_login(caseworker_heimdal)
    assert reverse("followup:delete_filter", args=[saved.pk]) in client.get(CASELOAD).text
    response = client.post(reverse("followup:delete_filter", args=[saved.pk]), follow=True)
    assert "Filteret Forfalte er slettet." in shown(response)
    assert not SavedFilter.objects.exists()


@pytest.mark.parametrize("name", ["rename_filter", "delete_filter"])
def test_someone_elses_filter_is_404(
    client: HttpClient, caseworker_sagene: User, saved: SavedFilter, name: str
) -> None:
    client.force_login(caseworker_sagene)
    response = client.post(reverse(f"followup:{name}", args=[saved.pk]), {"name": "Mitt nå"})
    assert response.status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Forfalte"


@pytest.mark.parametrize("name", ["rename_filter", "delete_filter"])
def test_filters_change_by_post_only(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter, name: str
) -> None:
    client.force_login(caseworker_heimdal)
    assert client.get(reverse(f"followup:{name}", args=[saved.pk])).status_code in {404, 405}
    assert SavedFilter.objects.filter(name="Forfalte").exists()


# Back to the caseload as it was: its filters and page survive saving, renaming and deleting.

WHERE = "view=office&due=overdue&page=2"


@pytest.mark.parametrize("action", ["save_empty", "save", "rename", "rename_empty", "delete"])
def test_the_caseload_query_and_page_survive_every_filter_form(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter, action: str
) -> None:
    client.force_login(caseworker_heimdal)
    url, data = {
        "save_empty": (reverse("followup:save_filter"), {"name": "", "query": "due=overdue"}),
        "save": (reverse("followup:save_filter"), {"name": "Ny", "query": "due=overdue"}),
        "rename": (reverse("followup:rename_filter", args=[saved.pk]), {"name": "Nytt navn"}),
        "rename_empty": (reverse("followup:rename_filter", args=[saved.pk]), {"name": " "}),
        "delete": (reverse("followup:delete_filter", args=[saved.pk]), {}),
    }[action]
    response = client.post(url, {**data, "back": WHERE})
    assert (response.status_code, response["Location"]) == (302, f"{CASELOAD}?{WHERE}")


@pytest.mark.parametrize(
    "back",
    [
        "//evil.example/",
        "https://evil.example/?view=office",
        "next=https://evil.example/&view=office",
        "view=everything&page=-3&due=overdue",
        "\x00" * 10,
        "page=" + "9" * 40,
    ],
)
def test_the_way_back_is_only_ever_the_caseloads_own_query(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter, back: str
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(reverse("followup:delete_filter", args=[saved.pk]), {"back": back})
    location = response["Location"]
    assert "evil" not in location
    assert location in {CASELOAD, f"{CASELOAD}?view=office", f"{CASELOAD}?due=overdue"}


def test_the_caseload_gives_its_filter_forms_the_query_it_shows(
    client: HttpClient, caseworker_heimdal: User, saved: SavedFilter
) -> None:
    client.force_login(caseworker_heimdal)
    page = client.get(CASELOAD, {"view": "office", "due": "overdue", "junk": "x"}).text
    assert 'data-testid="reminder"' not in page
    # Three forms (save, rename, delete) return to the list as shown (page 1 is the default).
    assert page.count('name="back" value="view=office&amp;due=overdue"') == 3


def test_marking_a_reminder_done_keeps_the_caseload_as_it_was(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    with acting_as(caseworker_heimdal):
        reminder = Reminder.objects.create(owner=caseworker_heimdal, text="Ring", due_on=today())
    client.force_login(caseworker_heimdal)
    page = client.get(CASELOAD, {"view": "office", "due": "overdue"}).text
    # The reminder's form returns to the list as shown, as the save-filter form does.
    assert page.count('name="back" value="view=office&amp;due=overdue"') == 2
    response = client.post(reverse("followup:reminder_done", args=[reminder.pk]), {"back": WHERE})
    assert response["Location"] == f"{CASELOAD}?{WHERE}"
    reminder.refresh_from_db()
    assert reminder.done_at is not None
