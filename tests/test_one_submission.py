"""Every form that creates saves once: a second POST of its one-time token saves nothing more
and lands where the first one led (audit.submissions)."""

import datetime
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.http import HttpResponseRedirect
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from audit.models import FormSubmission
from audit.submissions import FIELD, PRUNE_BATCH, _led_to, prune
from codelists.models import CodeList
from families import plans
from families.models import Family, FamilyMember, PlanGoal
from followup.models import Contact, Programme
from organisation.models import Office, User
from organisation.roles import Role
from research.models import ResearchProject
from tests.dates import today
from tests.factories import ClientFactory, code, staff
from tests.fuzzing import parse_page, row_counts, tracked_tables
from tests.research_data import make_population, make_project

pytestmark = pytest.mark.usefixtures("codes")
ALREADY_SENT = "Skjemaet var allerede sendt"


@dataclass
class World:
    """One office's people and records, enough for every form that creates."""

    caseworker: User
    coordinator: User
    person: Any
    family: Family
    child: FamilyMember
    goal: PlanGoal
    programme: Programme
    other_office: Office
    researcher: User
    manager: User
    project: ResearchProject
    consent_project: ResearchProject


@pytest.fixture
def world(
    heimdal: Office,
    sagene: Office,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    researcher: User,
    manager_heimdal: User,
) -> World:
    person = ClientFactory(
        office=heimdal, caseworker=caseworker_heimdal, birth_date=datetime.date(1985, 3, 1)
    )
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal,
            name="Familien Karimi",
            coordinator=coordinator_heimdal,
            created_on=datetime.date(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family, role="parent", joined_on=datetime.date(2023, 1, 1), client=person
        )
        child = FamilyMember.objects.create(
            family=family,
            first_name="Sina",
            last_name="Karimi",
            role="child",
            birth_date=datetime.date(2012, 1, 1),
            joined_on=datetime.date(2023, 1, 1),
        )
        programme = Programme.objects.create(
            office=heimdal, name="71 familier", start=datetime.date(2020, 1, 1)
        )
        plan = plans.plan_for(family=family, by=coordinator_heimdal)
        plans.goal_add(
            plan, life_area=code(CodeList.LIFE_AREA, "housing"), text="Bolig", owner=None
        )
        goal = PlanGoal.objects.get(plan=plan)
    approvers = {"members": [researcher], "approvers": [manager_heimdal]}
    return World(
        caseworker_heimdal,
        coordinator_heimdal,
        person,
        family,
        child,
        goal,
        programme,
        sagene,
        researcher,
        manager_heimdal,
        make_project([heimdal], **approvers),
        make_project(
            [heimdal],
            **approvers,
            code_name="samtykke",
            legal_basis=ResearchProject.LegalBasis.CONSENT,
        ),
    )


@dataclass(frozen=True)
class Case:
    """A page with a form that creates, who uses it, and what they fill in."""

    name: str
    user: str  # a person of the World
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    # The form on the page that carries a token, if the page has more than one.
    action: Callable[[World], str] | None = None
    # What the form needs besides the World (e.g. clients to draw a sample from).
    setup: Callable[[World], Any] | None = None


def _contact(w: World) -> dict[str, Any]:
    return {
        "date": today().isoformat(),
        "channel": code(CodeList.CONTACT_CHANNEL, "phone").pk,
        "duration_minutes": 30,
    }


CASES = [
    Case(
        "contact",
        "caseworker",
        lambda w: reverse("followup:contact_new", args=[w.person.pk]),
        _contact,
    ),
    Case(
        "intervention",
        "caseworker",
        lambda w: reverse("followup:intervention_new", args=[w.person.pk]),
        lambda w: {"type": code(CodeList.INTERVENTION_TYPE, "work_training").pk},
    ),
    Case(
        "enrolment",
        "caseworker",
        lambda w: reverse("followup:enrolment_new", args=[w.person.pk]),
        lambda w: {"programme": w.programme.pk, "index_date": ""},
    ),
    Case(
        "reminder",
        "caseworker",
        lambda w: w.person.get_absolute_url(),
        lambda w: {"text": "Ring NAV", "due_on": today().isoformat()},
        action=lambda w: reverse("followup:reminder_new", args=[w.person.pk]),
    ),
    Case(
        "client",
        "caseworker",
        lambda w: reverse("clients:register"),
        lambda w: {
            "first_name": "Sara",
            "last_name": "Østbø",
            "national_id": "",
            "birth_date": "1990-05-05",
            "gender": "F",
            "confirm_new": "1",
            "duf_number": "",
            "arrival_year": "",
        },
    ),
    Case(
        "episode",
        "caseworker",
        lambda w: reverse("clients:episode_new", args=[w.person.pk]),
        lambda w: {"reasons": [code(CodeList.CONTACT_REASON, "no_income").pk]},
    ),
    Case(
        "benefit",
        "caseworker",
        lambda w: reverse("clients:benefit_new", args=[w.person.pk]),
    ),
    Case(
        "assessment",
        "caseworker",
        lambda w: reverse("clients:assessment_new", args=[w.person.pk]),
        lambda w: {"status_housing": "", "need_housing": ""},
    ),
    Case("family", "coordinator", lambda w: reverse("families:new")),
    Case(
        "family member",
        "coordinator",
        lambda w: reverse("families:member_add", args=[w.family.pk]),
        lambda w: {
            "first_name": "Lina",
            "last_name": "Karimi",
            "birth_date": "2016-02-02",
            "role": "child",
            "joined_on": today().isoformat(),
        },
    ),
    Case(
        "service",
        "coordinator",
        lambda w: reverse("families:service_add", args=[w.family.pk]),
        lambda w: {"since": today().isoformat()},
    ),
    Case(
        "family contact",
        "coordinator",
        lambda w: reverse("families:contact_new", args=[w.family.pk]),
        lambda w: {**_contact(w), "participants": [m.pk for m in w.family.memberships.all()]},
    ),
    Case(
        "review",
        "coordinator",
        lambda w: reverse("families:review_new", args=[w.family.pk]),
        lambda w: {"reviewed_on": today().isoformat(), "rating_housing": "3", "next_review_on": ""},
    ),
    Case(
        "goal",
        "coordinator",
        lambda w: reverse("families:plan", args=[w.family.pk]),
        lambda w: {"text": "Skole"},
        action=lambda w: reverse("families:goal_add", args=[w.family.pk]),
    ),
    Case(
        "action",
        "coordinator",
        lambda w: reverse("families:plan", args=[w.family.pk]),
        lambda w: {"text": "Søke bolig"},
        action=lambda w: reverse("families:action_add", args=[w.goal.pk]),
    ),
    Case(
        "split",
        "coordinator",
        lambda w: reverse("families:split", args=[w.family.pk]),
        lambda w: {
            "name": "Familien Karimi (barn)",
            "on": today().isoformat(),
            "members": [w.child.pk],
        },
    ),
    Case(
        "school entry",
        "coordinator",
        lambda w: reverse("families:child", args=[w.child.pk]),
        lambda w: {"school": "1", "programme": ""},
        action=lambda w: "school",
    ),
    Case(
        "leisure activity",
        "coordinator",
        lambda w: reverse("families:child", args=[w.child.pk]),
        lambda w: {"leisure": "1", "activity": "Fotball", "since": today().isoformat()},
        action=lambda w: "leisure",
    ),
    Case(
        "research consent",
        "caseworker",
        lambda w: reverse("research:client_consents", args=[w.person.pk]),
        lambda w: {"project": w.consent_project.pk, "given_on": today().isoformat()},
        action=lambda w: "",
    ),
    Case(
        "research export",
        "researcher",
        lambda w: w.project.get_absolute_url(),
        lambda w: {"tables": ["persons"], "formats": ["csv"]},
    ),
    Case(
        "research sample",
        "manager",
        lambda w: reverse("research:sample_new", args=[w.project.pk]),
        lambda w: {"size": 5, "start": w.project.period_start.isoformat(), "seed": 42},
        setup=lambda w: make_population(w.person.office, w.caseworker, size=10),
    ),
]


def _form_with_token(html: str, url: str, action: str | None) -> Any:
    forms = [f for f in parse_page(url, html).forms if FIELD in f.names]
    if action in {"school", "leisure"}:
        forms = [f for f in forms if action in f.names]
    elif action == "":
        forms = [f for f in forms if not urlsplit(f.action).path or f.action.endswith(url)]
    elif action is not None:
        forms = [f for f in forms if f.action.endswith(action)]
    assert len(forms) == 1, f"{url}: {len(forms)} forms with a token for {action}"
    return forms[0]


def _errors(response: Any) -> str:
    found = re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</', response.text, re.S)
    return f"{response.status_code}: {found}"


def send(client: HttpClient, form: Any, data: dict[str, Any]) -> Any:
    return client.post(form.action, data)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_create_form_sent_twice_saves_once_and_the_second_lands_where_the_first_led(
    client: HttpClient, world: World, case: Case
) -> None:
    if case.setup is not None:
        case.setup(world)
    client.force_login(getattr(world, case.user))
    url = case.url(world)
    page = client.get(url)
    assert page.status_code == 200
    form = _form_with_token(page.text, url, case.action(world) if case.action else None)
    data: dict[str, Any] = {**form.filled(), **case.data(world)}
    tables = tracked_tables()
    before = row_counts(tables)

    first = send(client, form, data)
    assert first.status_code == 302, _errors(first)
    after_first = row_counts(tables)
    assert after_first != before, "the first sending saved nothing"
    list(get_messages(first.wsgi_request))  # the first's message is read

    again = send(client, form, data)
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert row_counts(tables) == after_first
    landed = client.get(again["Location"])
    assert ALREADY_SENT in landed.text


def _contact_page(client: HttpClient, world: World) -> tuple[str, str]:
    """The contact form's address and the token it was drawn with."""
    client.force_login(world.caseworker)
    url = reverse("followup:contact_new", args=[world.person.pk])
    token = re.search(rf'name="{FIELD}" value="([0-9a-f-]+)"', client.get(url).text)
    assert token is not None
    return url, token.group(1)


def test_a_form_refused_for_its_errors_can_be_sent_again_with_the_same_token(
    client: HttpClient, world: World
) -> None:
    url, token = _contact_page(client, world)
    future = (today() + datetime.timedelta(days=3)).isoformat()
    refused = client.post(url, {**_contact(world), "date": future, FIELD: token})
    assert refused.status_code == 200
    assert not FormSubmission.objects.exists()
    saved = client.post(url, {**_contact(world), FIELD: token})
    assert saved.status_code == 302
    assert Contact.objects.count() == 1
    assert FormSubmission.objects.get().led_to == saved["Location"]


def test_a_refusal_said_in_a_message_gives_the_token_back(client: HttpClient, world: World) -> None:
    """The reminder form redirects to the client page also when it refuses."""
    client.force_login(world.caseworker)
    url = reverse("followup:reminder_new", args=[world.person.pk])
    token = str(uuid.uuid4())
    assert client.post(url, {"text": "", "due_on": "", FIELD: token}).status_code == 302
    assert not FormSubmission.objects.exists()
    client.post(url, {"text": "Ring NAV", "due_on": today().isoformat(), FIELD: token})
    assert world.caseworker.reminders.count() == 1


def test_another_users_token_saves_nothing_and_leads_nowhere_of_theirs(
    client: HttpClient, world: World, caseworker_heimdal: User, heimdal: Office
) -> None:
    url, token = _contact_page(client, world)
    first = client.post(url, {**_contact(world), FIELD: token})
    colleague = staff("veileder2.heimdal", Role.CASEWORKER, heimdal)
    client.force_login(colleague)
    again = client.post(url, {**_contact(world), FIELD: token})
    assert (again.status_code, again["Location"]) == (302, url)
    assert again["Location"] != first["Location"]
    assert Contact.objects.count() == 1


def test_a_post_without_a_token_is_not_checked(client: HttpClient, world: World) -> None:
    """Forms that do not create (and scripts of the tests) post without one."""
    url, _token = _contact_page(client, world)
    client.post(url, _contact(world))
    assert not FormSubmission.objects.exists()
    assert Contact.objects.count() == 1


def test_old_tokens_are_pruned_in_bounded_batches(
    client: HttpClient, world: World, settings: Any
) -> None:
    old = timezone.now() - datetime.timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT + 60)
    FormSubmission.objects.bulk_create(
        FormSubmission(token=uuid.uuid4(), user=world.caseworker, at=old, path="/x/")
        for _ in range(PRUNE_BATCH + 5)
    )
    url, token = _contact_page(client, world)
    client.post(url, {**_contact(world), FIELD: token})
    # The newest row stays, the oldest batch is gone; the rest goes with the next sending.
    assert FormSubmission.objects.filter(at__lt=old + datetime.timedelta(seconds=1)).count() == 5
    assert FormSubmission.objects.filter(token=token).exists()
    prune()
    assert FormSubmission.objects.count() == 1


def test_a_redirect_off_the_site_is_never_kept_as_where_a_form_led(rf: Any, world: World) -> None:
    request = rf.post("/followup/")
    request.user = world.caseworker
    assert _led_to(request, HttpResponseRedirect("https://evil.example/")) is None
    assert _led_to(request, HttpResponseRedirect("//evil.example/")) is None
    assert _led_to(request, HttpResponseRedirect("/clients/1/")) == "/clients/1/"


# Two posts of one token at the same moment: two database connections, the unique index decides.


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_token_at_once_save_one_contact(world: World) -> None:
    http = HttpClient()
    url, token = _contact_page(http, world)
    data = {**_contact(world), FIELD: token}
    start = threading.Barrier(2)
    responses: list[Any] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            own = HttpClient()
            own.force_login(world.caseworker)
            start.wait(timeout=10)
            responses.append(own.post(url, data))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(r.status_code for r in responses) == [302, 302]
    assert len({r["Location"] for r in responses}) == 1
    assert Contact.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_a_post_waits_for_the_one_holding_its_token(world: World, first_commits: bool) -> None:
    """While another connection holds the token uncommitted, the post waits; if that one
    commits it saves nothing and goes where that one led, if it rolls back it saves."""
    http = HttpClient()
    url, token = _contact_page(http, world)
    holding, release = threading.Event(), threading.Event()
    led_to = world.person.get_absolute_url()

    def hold() -> None:
        try:
            with transaction.atomic():
                FormSubmission.objects.create(
                    token=token, user=world.caseworker, path=url, led_to=led_to
                )
                holding.set()
                release.wait(timeout=10)
                transaction.set_rollback(not first_commits)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(timeout=10)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    response = http.post(url, {**_contact(world), FIELD: token})
    waited = time.monotonic() - started
    holder.join(timeout=10)
    assert waited >= 0.4  # it waited for the other transaction
    assert response.status_code == 302
    if first_commits:
        assert response["Location"] == led_to
        assert not Contact.objects.exists()
    else:
        assert Contact.objects.count() == 1
