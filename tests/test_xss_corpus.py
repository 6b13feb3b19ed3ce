"""Free text is shown as text: an XSS corpus in names, notes, goals and reviews renders escaped,
under a Content Security Policy with no 'unsafe-inline' (scripts by nonce) on every page."""

import datetime
from html.parser import HTMLParser

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.models import CodeList
from families.models import Family, FamilyMember
from followup.models import Contact
from organisation.models import Office, User
from tests.dates import days_ago
from tests.factories import ClientFactory, ContactFactory, code

pytestmark = pytest.mark.usefixtures("codes")

# Each would run script, load a resource or break out of its element if it were not escaped.
CORPUS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</textarea><svg onload=alert(3)>",
    "javascript:alert(4)",
    "'; alert(5); //",
    "{{ 7*7 }}{% now 'Y' %}",
    '<a href="javascript:alert(6)">klikk</a>',
    "\u202egnp.exe<b onmouseover=alert(7)>",
]
PAYLOAD = " ".join(CORPUS)


class Injected(HTMLParser):
    """Every element or attribute a payload could have put on the page, and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.text: list[str] = []
        self.nonces: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and "nonce" not in attributes and "src" not in attributes:
            self.found.append("<script> without a nonce")
        if tag == "script" and attributes.get("nonce"):
            self.nonces.add(str(attributes["nonce"]))
        if tag in ("img", "svg") and ({"onerror", "onload"} & attributes.keys()):
            self.found.append(f"<{tag}> with an event handler")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().startswith(
                "javascript:"
            ):
                self.found.append(f"{name}=javascript: on <{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def hostile_records(
    heimdal: Office, caseworker_heimdal: User, coordinator_heimdal: User
) -> tuple[Client, Family]:
    with acting_as(system_actor("tests")):
        person = ClientFactory(
            office=heimdal,
            first_name="<script>alert(1)</script>",
            last_name='"><img src=x onerror=alert(2)>',
            caseworker=caseworker_heimdal,
        )
        ContactFactory(
            client=person,
            date=days_ago(3),
            note=PAYLOAD,
            agreed_actions=PAYLOAD,
            recorded_by=caseworker_heimdal,
        )
        family = Family.objects.create(
            office=heimdal,
            name="Familien </textarea><svg onload=alert(3)>",
            coordinator=coordinator_heimdal,
            created_on=datetime.date(2024, 1, 1),
        )
        FamilyMember.objects.create(
            family=family, client=person, role="parent", joined_on=datetime.date(2024, 1, 1)
        )
        FamilyMember.objects.create(
            family=family,
            first_name="<b onmouseover=alert(7)>Ayan",
            last_name="Osman",
            birth_date=datetime.date(2015, 3, 1),
            role="child",
            joined_on=datetime.date(2024, 1, 1),
        )
    return person, family


def check_page(client: HttpClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy, url
    assert "unsafe-inline" not in policy, url
    page = Injected()
    page.feed(response.text)
    assert page.found == [], (url, page.found)
    # A page with scripts names them by this response's nonce (Django adds it to the
    # policy only where a template used it).
    assert all(f"'nonce-{nonce}'" in policy for nonce in page.nonces), url
    return " ".join(page.text)


def test_hostile_free_text_is_shown_as_text_on_every_page_that_shows_it(
    client: HttpClient,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    hostile_records: tuple[Client, Family],
) -> None:
    person, family = hostile_records
    client.force_login(coordinator_heimdal)
    # The goal and the review through their forms, as a coordinator writes them.
    goal_added = client.post(
        reverse("families:goal_add", args=[family.pk]),
        {"life_area": code(CodeList.LIFE_AREA, "housing").pk, "text": PAYLOAD[:500]},
    )
    assert goal_added.status_code == 302
    reviewed = client.post(
        reverse("families:review_new", args=[family.pk]),
        {
            "reviewed_on": days_ago(1).isoformat(),
            "works": PAYLOAD,
            "does_not_work": PAYLOAD,
            "next_steps": PAYLOAD,
            "rating_housing": 4,
        },
    )
    assert reviewed.status_code == 302
    family_pages = [
        reverse("families:home"),
        reverse("families:detail", args=[family.pk]),
        reverse("families:plan", args=[family.pk]),
        reverse("families:plan_print", args=[family.pk]),
        reverse("families:plan_revisions", args=[family.pk]),
        reverse("families:reviews", args=[family.pk]),
        reverse("families:history", args=[family.pk]),
    ]
    shown = {url: check_page(client, url) for url in family_pages}
    client.force_login(caseworker_heimdal)
    # A correction, so that the client's history shows the note before → after and the reason.
    contact = Contact.objects.get(client=person)
    corrected = client.post(
        reverse("followup:contact_correct", args=[contact.pk]),
        {
            "date": contact.date.isoformat(),
            "channel": contact.channel_id,
            "duration_minutes": contact.duration_minutes,
            "note": "Rettet: " + PAYLOAD,
            "agreed_actions": contact.agreed_actions,
            "next_contact_on": "",
            "version": contact.version,
            "reason": "<script>alert(8)</script>",
        },
    )
    assert corrected.status_code == 302
    client_pages = [
        reverse("followup:caseload"),
        reverse("clients:detail", args=[person.pk]),
        reverse("clients:history", args=[person.pk]),
        reverse("clients:search") + "?q=script",
    ]
    shown |= {url: check_page(client, url) for url in client_pages}
    # The payloads are on the pages, as text: the checks above looked at them.
    everything = " ".join(shown.values())
    for payload in CORPUS:
        assert payload in everything, payload
    assert "alert(1)" in shown[reverse("followup:caseload")]
    assert "svg onload=alert(3)" in shown[reverse("families:home")]
    assert "onerror=alert(2)" in shown[reverse("clients:detail", args=[person.pk])]
    history = shown[reverse("clients:history", args=[person.pk])]
    assert "Rettet: <script>alert(1)</script>" in history
    assert "<script>alert(8)</script>" in history
    assert "{{ 7*7 }}" in shown[reverse("families:plan", args=[family.pk])]
    # Template syntax in a goal is text, not a template: the tag was not run.
    assert "{% now 'Y' %}" in shown[reverse("families:plan", args=[family.pk])]


def test_the_checker_finds_what_it_looks_for() -> None:
    """The parser is not blind: unescaped payloads are reported."""
    page = Injected()
    page.feed(
        "<p>" + CORPUS[0] + CORPUS[1] + CORPUS[2] + CORPUS[6] + '<script nonce="n" src="/s.js">'
    )
    assert page.found == [
        "<script> without a nonce",
        "<img> with an event handler",
        "onerror= on <img>",
        "<svg> with an event handler",
        "onload= on <svg>",
        "href=javascript: on <a>",
    ]
