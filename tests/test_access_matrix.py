"""Role × office × endpoint × method: who gets what, proved for every view."""

import datetime
import re

import pytest
from django.apps import apps
from django.test import Client as HttpClient
from django.urls import reverse
from simple_history.models import HistoricalChanges

from audit.history import acting_as, system_actor
from clients.models import Assessment, BenefitPeriod, CaseEpisode, Client, ClientMerge
from codelists.models import CodeList
from followup.models import Enrolment, Intervention, Programme
from organisation.models import Office, User
from organisation.roles import Role
from research.models import Consent, Export, ResearchProject
from tests.factories import ClientFactory, ContactFactory, code, staff

METHODS = ["get", "post", "put", "patch", "delete"]

USERS = [
    "caseworker_heimdal",
    "coordinator_heimdal",
    "manager_heimdal",
    "caseworker_sagene",
    "coordinator_sagene",
    "manager_sagene",
    "researcher",
    "administrator",
    "outsider",
]

# Expected GET status of each page per user; None means "redirect to login".
PERSON_PAGE_ACCESS = {
    "caseworker_heimdal": 200,
    "coordinator_heimdal": 200,
    "caseworker_sagene": 200,
    "coordinator_sagene": 200,
}
PAGES: dict[str, dict[str, int]] = {
    "followup:caseload": PERSON_PAGE_ACCESS,
    "clients:search": PERSON_PAGE_ACCESS,
    "clients:register": PERSON_PAGE_ACCESS,
    "families:new": PERSON_PAGE_ACCESS,
    "clients:list": {
        "caseworker_heimdal": 200,
        "coordinator_heimdal": 200,
        "caseworker_sagene": 200,
        "coordinator_sagene": 200,
    },
    "families:home": {
        "caseworker_heimdal": 200,
        "coordinator_heimdal": 200,
        "caseworker_sagene": 200,
        "coordinator_sagene": 200,
    },
    "dashboards:home": {"manager_heimdal": 200, "manager_sagene": 200, "administrator": 200},
    # Break-the-glass starts here, for those who read clients; its follow-up is the managers'.
    "clients:emergency_access": PERSON_PAGE_ACCESS,
    "dashboards:emergency_access": {"manager_heimdal": 200, "manager_sagene": 200},
    "research:home": {"researcher": 200},
    "research:approvals": {"manager_heimdal": 200, "manager_sagene": 200, "administrator": 200},
    "research:sampled_clients": PERSON_PAGE_ACCESS,
    # The access log's pages belong to a role none of these users has: all are refused.
    "organisation:access_log": {},
    "research:export_log": {},
    "organisation:home": {"administrator": 200},
    # The benchmark's yardstick: any signed-in user.
    "reference": dict.fromkeys(USERS, 200),
    "admin:index": {"administrator": 200},
}
# Refusal on person-level pages is a 404; elsewhere a 403.
PERSON_LEVEL_PAGES = {
    "clients:emergency_access",
    "research:sampled_clients",
    "families:new",
    "clients:list",
    "families:home",
    "followup:caseload",
    "clients:search",
    "clients:register",
}


@pytest.fixture
def everyone(request: pytest.FixtureRequest) -> dict[str, User]:
    return {name: request.getfixturevalue(name) for name in USERS}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("username", USERS)
def test_page_access_by_role(
    everyone: dict[str, User], client: HttpClient, page: str, username: str
) -> None:
    client.force_login(everyone[username])
    expected = PAGES[page].get(username, 404 if page in PERSON_LEVEL_PAGES else 403)
    assert client.get(reverse(page)).status_code == expected


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_is_sent_to_login(db: None, client: HttpClient, page: str) -> None:
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


OWN_OFFICE = {"caseworker_heimdal", "coordinator_heimdal"}


def per_request_tokens_removed(html: str) -> str:
    """The page without its CSP nonce and CSRF token, which differ on every response."""
    return re.sub(r'(nonce|value)="[^"]*"', "", html)


# Every page about one client of Heimdal, and the methods it answers for its own office.
CLIENT_ENDPOINTS = {
    "clients:detail": {"get"},
    "clients:edit": {"get", "post"},
    "clients:history": {"get"},
    "clients:merge": {"get", "post"},
    "clients:transfer": {"get", "post"},
    "clients:assessment_new": {"get", "post"},
    "clients:episode_new": {"get", "post"},
    "clients:benefit_new": {"get", "post"},
    "followup:intervention_new": {"get", "post"},
    "followup:enrolment_new": {"get", "post"},
    "followup:contact_new": {"get", "post"},
    "followup:reminder_new": {"post"},
    "research:client_consents": {"get", "post"},
}
# Also the access log's role, which no user of the matrix has: a 404 for all of them.
CLIENT_ENDPOINTS_REFUSED_TO_ALL = {"clients:access_report"}


@pytest.mark.usefixtures("codes")
@pytest.mark.parametrize("endpoint", sorted({*CLIENT_ENDPOINTS, *CLIENT_ENDPOINTS_REFUSED_TO_ALL}))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("username", USERS)
def test_pages_about_a_client_of_heimdal(
    everyone: dict[str, User],
    client: HttpClient,
    client_heimdal: Client,
    username: str,
    method: str,
    endpoint: str,
) -> None:
    client.force_login(everyone[username])
    writes_before = history_rows()
    response = getattr(client, method)(reverse(endpoint, args=[client_heimdal.pk]))
    if username in OWN_OFFICE and method in CLIENT_ENDPOINTS.get(endpoint, set()):
        assert response.status_code in {200, 302}
    else:
        # Other office, wrong role, or a method the page does not answer: all the same 404,
        # and nothing written.
        assert response.status_code == 404
        assert client_heimdal.last_name not in response.text
        assert history_rows() == writes_before


def heimdal_records(person: Client, author: User) -> dict[str, int]:
    """One record of every kind for a client of Heimdal, by URL name of its page."""
    with acting_as(author):
        contact = ContactFactory(client=person, note="Konfidensielt", recorded_by=author)
        episode = CaseEpisode.objects.create(client=person, opened_on=datetime.date(2024, 1, 1))
        benefit = BenefitPeriod.objects.create(
            client=person,
            kind=code(CodeList.BENEFIT_KIND, "aap"),
            start=datetime.date(2024, 1, 1),
        )
        assessment = Assessment.objects.create(
            client=person, assessed_on=datetime.date(2024, 2, 1), assessed_by=author
        )
        intervention = Intervention.objects.create(
            client=person,
            type=code(CodeList.INTERVENTION_TYPE, "kvp"),
            start=datetime.date(2024, 3, 1),
        )
        programme = Programme.objects.create(
            office=person.office, name="Mattementor", start=datetime.date(2024, 1, 1)
        )
        enrolment = Enrolment.objects.create(
            client=person, programme=programme, enrolled_on=datetime.date(2024, 4, 1)
        )
        other = ClientFactory(office=person.office)
        merge = ClientMerge.objects.create(kept=person, merged=other, by=author)
        project = ResearchProject.objects.create(
            code="matrise",
            title="Matrise",
            institution="NTNU",
            responsible_researcher="F",
            legal_basis=ResearchProject.LegalBasis.CONSENT,
            period_start=datetime.date(2020, 1, 1),
            period_end=datetime.date(2030, 1, 1),
            tables=["persons"],
            expires_on=datetime.date(2030, 1, 1),
        )
        project.offices.add(person.office)
        consent = Consent.objects.create(
            project=project, client=person, given_on=datetime.date(2024, 5, 1), recorded_by=author
        )
    return {
        "followup:contact_edit": contact.pk,
        "clients:episode_edit": episode.pk,
        "clients:benefit_end": benefit.pk,
        "clients:assessment_detail": assessment.pk,
        "followup:intervention_detail": intervention.pk,
        "followup:intervention_edit": intervention.pk,
        "followup:intervention_status": intervention.pk,
        "followup:enrolment_end": enrolment.pk,
        "clients:merge_undo": merge.pk,
        "research:consent_withdraw": consent.pk,
    }


RECORD_ENDPOINTS = sorted(
    [
        "followup:contact_edit",
        "clients:episode_edit",
        "clients:benefit_end",
        "clients:assessment_detail",
        "followup:intervention_detail",
        "followup:intervention_edit",
        "followup:intervention_status",
        "followup:enrolment_end",
        "clients:merge_undo",
        "research:consent_withdraw",
    ]
)


@pytest.mark.usefixtures("codes")
@pytest.mark.parametrize("endpoint", RECORD_ENDPOINTS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("username", sorted(set(USERS) - OWN_OFFICE))
def test_records_of_a_heimdal_client_are_404_for_everyone_else(
    everyone: dict[str, User],
    client: HttpClient,
    client_heimdal: Client,
    caseworker_heimdal: User,
    username: str,
    method: str,
    endpoint: str,
) -> None:
    records = heimdal_records(client_heimdal, caseworker_heimdal)
    client.force_login(everyone[username])
    writes_before = history_rows()
    response = getattr(client, method)(reverse(endpoint, args=[records[endpoint]]))
    assert response.status_code == 404
    assert "Konfidensielt" not in response.text
    assert client_heimdal.last_name not in response.text
    assert history_rows() == writes_before


@pytest.mark.usefixtures("codes")
@pytest.mark.parametrize("endpoint", RECORD_ENDPOINTS)
def test_records_of_a_heimdal_client_open_for_its_office(
    client: HttpClient, client_heimdal: Client, caseworker_heimdal: User, endpoint: str
) -> None:
    records = heimdal_records(client_heimdal, caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    posts = {"followup:intervention_status", "clients:merge_undo", "research:consent_withdraw"}
    method = "post" if endpoint in posts else "get"
    response = getattr(client, method)(reverse(endpoint, args=[records[endpoint]]))
    assert response.status_code in {200, 302, 409}


def history_rows() -> int:
    return sum(
        model.objects.count() for model in apps.get_models() if issubclass(model, HistoricalChanges)
    )


@pytest.mark.parametrize("method", METHODS)
def test_other_office_cannot_tell_existing_from_missing(
    caseworker_sagene: User, client: HttpClient, client_heimdal: Client, method: str
) -> None:
    client.force_login(caseworker_sagene)
    existing = getattr(client, method)(client_heimdal.get_absolute_url())
    missing = getattr(client, method)(reverse("clients:detail", args=[client_heimdal.pk + 10_000]))
    assert existing.status_code == missing.status_code == 404
    assert per_request_tokens_removed(existing.text) == per_request_tokens_removed(missing.text)


def test_client_list_shows_only_own_office(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, client_sagene: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.get(reverse("clients:list"), {"office": client_sagene.office_id})
    assert client_heimdal.last_name in response.text
    assert client_sagene.last_name not in response.text


def test_inactive_user_sees_nothing(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    caseworker_heimdal.is_active = False
    caseworker_heimdal.save()
    response = client.get(client_heimdal.get_absolute_url())
    assert response.status_code in {302, 404}
    assert client_heimdal.last_name not in response.text


# Research: a project's pages belong to its members; other roles never see them.
RESEARCH_ENDPOINTS = [
    "research:project",
    "research:export_status",
    "research:export_download",
    "research:export_new",
]


@pytest.mark.parametrize("endpoint", RESEARCH_ENDPOINTS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("username", USERS)
def test_research_project_pages_only_for_members(
    everyone: dict[str, User],
    client: HttpClient,
    heimdal: Office,
    username: str,
    method: str,
    endpoint: str,
) -> None:
    project, export = research_project_of_another_researcher(heimdal)
    client.force_login(everyone[username])
    target = project.pk if endpoint in {"research:project", "research:export_new"} else export.pk
    response = getattr(client, method)(reverse(endpoint, args=[target]))
    # A researcher who is not a member is told nothing (a method the page never answers is
    # refused before any lookup); other roles are refused outright.
    answers = "post" if endpoint == "research:export_new" else "get"
    expected = (404 if method == answers else 405) if username == "researcher" else 403
    assert response.status_code == expected
    assert project.title not in response.text
    assert not Export.objects.exclude(pk=export.pk).exists()


def research_project_of_another_researcher(office: Office) -> tuple[ResearchProject, Export]:
    member = staff("forsker.medlem", Role.RESEARCHER)
    with acting_as(system_actor("tests")):
        project = ResearchProject.objects.create(
            code="hemmelig",
            title="Hemmelig prosjekt",
            institution="NTNU",
            responsible_researcher="F",
            legal_basis=ResearchProject.LegalBasis.EXEMPTION,
            period_start=datetime.date(2020, 1, 1),
            period_end=datetime.date(2030, 1, 1),
            tables=["persons"],
            expires_on=datetime.date(2030, 1, 1),
        )
        project.offices.add(office)
        project.members.add(member)
    export = Export.objects.create(
        project=project, requested_by=member, tables=["persons"], formats=["csv"]
    )
    return project, export


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("username", USERS)
def test_dashboard_downloads_only_for_managers_and_administrators(
    everyone: dict[str, User], client: HttpClient, username: str, method: str, fmt: str
) -> None:
    client.force_login(everyone[username])
    response = getattr(client, method)(reverse("dashboards:download", args=["key-figures", fmt]))
    if username in {"manager_heimdal", "manager_sagene", "administrator"}:
        assert response.status_code == (200 if method == "get" else 405)
    else:
        assert response.status_code == 403
