"""People are named, not usernamed, and history reads as bokmål: labels, values, dates, reasons."""

import datetime
import html
import io
import re
from collections import defaultdict

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from simple_history.models import HistoricalChanges

from audit.corrections import record_correct
from audit.history import acting_as, system_actor
from audit.timeline import plain_value, readable_dates
from clients.models import Client
from devdata.demo import DEMO_USERS
from families.models import Family
from organisation.models import User
from tests.factories import ContactFactory

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def test_a_person_is_named_by_full_name(caseworker_heimdal: User) -> None:
    assert str(caseworker_heimdal) == caseworker_heimdal.get_full_name()
    assert caseworker_heimdal.username not in str(caseworker_heimdal)


def test_a_person_without_a_name_falls_back_to_the_username(db: None) -> None:
    assert str(User(username="uten.navn")) == "uten.navn"


def test_a_system_actor_is_named_by_what_it_did(db: None) -> None:
    assert str(system_actor("seed_demo")) == "System (demodata)"
    assert "system:" not in str(system_actor("import"))


def test_caseworker_choices_show_names_not_usernames(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("clients:register")).content.decode()
    assert f">{caseworker_heimdal.get_full_name()}</option>" in page
    assert caseworker_heimdal.username not in page


def test_coordinator_choices_show_names_not_usernames(
    client: HttpClient, coordinator_heimdal: User
) -> None:
    client.force_login(coordinator_heimdal)
    page = client.get(reverse("families:new")).content.decode()
    assert f">{coordinator_heimdal.get_full_name()}</option>" in page


def history_page(client: HttpClient, person: Client) -> str:
    response = client.get(reverse("clients:history", args=[person.pk]))
    assert response.status_code == 200
    return response.text


@pytest.mark.usefixtures("codes")
def test_a_field_never_translated_is_named_by_the_model_it_points_at(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    ContactFactory(client=client_heimdal, recorded_by=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    page = history_page(client, client_heimdal)
    assert "<strong>Bruker</strong>: Kari Testesen" in page
    assert "<strong>Client</strong>" not in page


def test_a_user_as_a_value_is_named_and_dates_read_dd_mm_yyyy(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with acting_as(caseworker_heimdal):
        client_heimdal.caseworker = caseworker_heimdal
        client_heimdal.birth_date = datetime.date(1990, 2, 3)
        client_heimdal.save()
    client.force_login(caseworker_heimdal)
    page = history_page(client, client_heimdal)
    assert f"– → {caseworker_heimdal.get_full_name()}" in page
    assert "→ 03.02.1990" in page
    assert caseworker_heimdal.username not in page
    assert not ISO_DATE.search(page.split("<tbody>")[1])


def test_the_reason_for_a_change_is_shown(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with acting_as(caseworker_heimdal):
        client_heimdal.phone = "12345678"
        client_heimdal._change_reason = "Feil nummer ble registrert"  # type: ignore[attr-defined]
        client_heimdal.save()
    client.force_login(caseworker_heimdal)
    page = history_page(client, client_heimdal)
    assert "Begrunnelse: Feil nummer ble registrert" in page


def test_a_save_that_changed_nothing_readable_is_left_out(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with acting_as(caseworker_heimdal):
        client_heimdal.save()
    client.force_login(caseworker_heimdal)
    response = client.get(reverse("clients:history", args=[client_heimdal.pk]))
    assert [entry.kind for entry in response.context["entries"]] == ["+"]


@pytest.mark.usefixtures("codes")
def test_a_record_marked_as_entered_in_error_says_so_with_the_reason(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    contact = ContactFactory(client=client_heimdal, recorded_by=caseworker_heimdal)
    with acting_as(caseworker_heimdal):
        contact.entered_in_error = True
        record_correct(
            record=contact, reason="Registrert på feil bruker", expected_version=contact.version
        )
    client.force_login(caseworker_heimdal)
    page = history_page(client, client_heimdal)
    assert page.count('data-testid="history-mark"') == 1
    assert "Merket som registrert ved en feil" in page
    assert "Begrunnelse: Registrert på feil bruker" in page
    assert "<strong>Registrert ved en feil</strong>" not in page


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-12-01", "01.12.2026"),
        ("2026-12-01T10:30:00+00:00", "01.12.2026 11:30"),
        (["2026-12-01", "2027-01-02"], "01.12.2026, 02.01.2027"),
        ({"from": "2026-12-01"}, "from: 01.12.2026"),
        ("2026-13-45", "2026-13-45"),
        (datetime.date(2026, 12, 1), "01.12.2026"),
        (True, "Ja"),
        ([], "–"),
    ],
)
def test_values_of_any_stored_type_read_as_a_person_says_them(value: object, shown: str) -> None:
    assert plain_value(value) == shown


def test_an_iso_date_in_a_label_reads_dd_mm_yyyy() -> None:
    assert readable_dates("Familien Haddad: 2026-09-03") == "Familien Haddad: 03.09.2026"


# The walk through the demo data -------------------------------------------------------------

HISTORY_ROW = re.compile(r'<tr data-testid="history-entry">(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
FIELD = re.compile(r"<strong>(.*?)</strong>:")
TAG = re.compile(r"<[^>]+>")


def msgid(name: object) -> str:
    """The English text a (lazily translated) name was written as."""
    with translation.override("en"):
        return str(name)


def english_names() -> dict[str, set[str]]:
    """Each English model or field name a history page could show, and where it comes from.

    Names that bokmål spells the same (the catalogue says so: "status") are left out."""
    catalog = translation.trans_real.translation("nb")._catalog
    names: dict[str, set[str]] = defaultdict(set)
    for history in apps.get_models():
        if not issubclass(history, HistoricalChanges) or not hasattr(history, "instance_type"):
            continue
        model = history.instance_type
        texts = [(model._meta.verbose_name, model._meta.label)]
        for f in model._meta.concrete_fields:
            texts.append((f.verbose_name, f"{model._meta.label}.{f.name}"))
            if f.is_relation and f.related_model is not None:
                texts.append((f.related_model._meta.verbose_name, f"{model._meta.label}.{f.name}"))
        for text, origin in texts:
            english = msgid(text)
            if catalog.get(english) != english:
                names[capfirst(english)].add(origin)
    return names


def history_rows(page: str) -> list[list[str]]:
    """The cells of each row of the history table: when, who, what, changes."""
    return [CELL.findall(row) for row in HISTORY_ROW.findall(page)]


def readable_text(cell: str) -> str:
    return html.unescape(TAG.sub(" ", cell))


def problems_of(
    page: str, url: str, english: dict[str, set[str]], usernames: set[str]
) -> list[str]:
    found = []
    username = re.compile(
        r"(?<![\w.:])(" + "|".join(map(re.escape, sorted(usernames))) + r")(?![\w.])"
    )
    for when, who, what, changes in history_rows(page):
        labels = [html.unescape(label) for label in FIELD.findall(changes)]
        labels.append(html.unescape(what).split(":")[0].strip())
        found += [
            f"{url}: English name {label!r} ({', '.join(sorted(english[label]))})"
            for label in labels
            if label in english
        ]
        for cell in (when, who, what, changes):
            text = readable_text(cell)
            found += [
                f"{url}: username {m!r} in {text.strip()[:80]!r}" for m in username.findall(text)
            ]
            found += [
                f"{url}: ISO date {m!r} in {text.strip()[:80]!r}" for m in ISO_DATE.findall(text)
            ]
    return found


@pytest.mark.django_db
def test_every_history_page_of_the_demo_data_reads_as_bokmal(client: HttpClient) -> None:
    call_command("seed_demo", clients_per_office=10, stdout=io.StringIO())
    english = english_names()
    usernames = set(User.objects.values_list("username", flat=True))
    # The demo users who may see history (the person-level roles), in turn per office.
    readers: dict[int, list[User]] = defaultdict(list)
    for demo in DEMO_USERS:
        user = User.objects.get(username=demo.username)
        for office_id in user.person_level_office_ids:
            readers[office_id].append(user)
    assert readers, "no demo user may see history"
    pages = [
        *(
            (reverse("clients:history", args=[pk]), office)
            for pk, office in Client.objects.values_list("pk", "office_id")
        ),
        *(
            (reverse("families:history", args=[pk]), office)
            for pk, office in Family.objects.values_list("pk", "office_id")
        ),
    ]
    assert any("families" in url for url, _ in pages), "the demo data has no family"
    problems: list[str] = []
    rows = 0
    for n, (url, office) in enumerate(pages):
        reader = readers[office][n % len(readers[office])]
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200, (url, reader.username)
        page = response.text
        rows += len(history_rows(page))
        problems += problems_of(page, url, english, usernames)
    assert rows > len(pages)
    # The check sees English where there is English: the same page in English is caught.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    in_english = client.get(url).text
    assert any("English name" in p for p in problems_of(in_english, url, english, usernames))
    # One line per kind of problem, with the first page it was seen on.
    first: dict[str, str] = {}
    for problem in problems:
        first.setdefault(problem.split(": ", 1)[1], problem)
    assert not first, "\n".join(sorted(first.values()))
