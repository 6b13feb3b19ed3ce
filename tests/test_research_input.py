"""Out-of-range and malformed numbers, ids and dates on the research and dashboard pages:
refused at the field with a message in bokmål, nothing saved, never a server error."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from organisation.models import Office, User
from research.models import ExportEvent, ResearchProject, Sample
from tests.dates import today
from tests.research_data import make_population, make_project

pytestmark = pytest.mark.usefixtures("codes")

BAD_NUMBERS = [str(2**70), "-1", "-" + str(2**70), "abc", "1\x00", "²", "9" * 5000, "1.5"]


@pytest.fixture
def project(heimdal: Office, researcher: User, manager_heimdal: User) -> ResearchProject:
    return make_project([heimdal], members=[researcher], approvers=[manager_heimdal])


@pytest.mark.parametrize("seed", BAD_NUMBERS)
def test_a_seed_out_of_range_is_refused_at_the_field(
    client: HttpClient,
    manager_heimdal: User,
    project: ResearchProject,
    heimdal: Office,
    caseworker_heimdal: User,
    seed: str,
) -> None:
    make_population(heimdal, caseworker_heimdal, size=6)
    client.force_login(manager_heimdal)
    form = {"size": 5, "start": project.period_start.isoformat(), "end": today().isoformat()}
    response = client.post(
        reverse("research:sample_new", args=[project.pk]), {**form, "seed": seed}
    )
    assert response.status_code == 200
    assert (
        "Oppgi startverdien for trekningen som et heltall fra 0 til 9 223 372 036 854 775 807"
        in response.text
    )
    assert not Sample.objects.exists()
    # The largest seed that can be kept is drawn with.
    largest = {**form, "seed": str(2**63 - 1)}
    assert (
        client.post(reverse("research:sample_new", args=[project.pk]), largest).status_code == 302
    )
    assert Sample.objects.get().seed == 2**63 - 1


@pytest.mark.parametrize("size", [*BAD_NUMBERS, "0", "100001"])
def test_a_sample_size_out_of_range_is_refused_at_the_field(
    client: HttpClient, manager_heimdal: User, project: ResearchProject, size: str
) -> None:
    client.force_login(manager_heimdal)
    form = {"size": size, "start": project.period_start.isoformat(), "end": today().isoformat()}
    response = client.post(reverse("research:sample_new", args=[project.pk]), form)
    assert response.status_code == 200
    assert "Oppgi antallet brukere som et heltall fra 1 til 100 000." in response.text
    assert not Sample.objects.exists()


@pytest.mark.parametrize("day", ["99999-01-01", "2025-02-30", "abc", "\x00", "-1"])
def test_a_malformed_sample_date_is_refused(
    client: HttpClient, manager_heimdal: User, project: ResearchProject, day: str
) -> None:
    client.force_login(manager_heimdal)
    form = {"size": 5, "start": day, "end": today().isoformat()}
    response = client.post(reverse("research:sample_new", args=[project.pk]), form)
    assert response.status_code == 200
    assert "invalid-feedback" in response.text
    assert not Sample.objects.exists()


@pytest.mark.parametrize("value", [*BAD_NUMBERS, "0"])
def test_the_export_log_refuses_a_bad_project_or_page(
    client: HttpClient, log_reader: User, project: ResearchProject, researcher: User, value: str
) -> None:
    ExportEvent.objects.create(project=project, kind="requested", user=researcher, detail={})
    client.force_login(log_reader)
    url = reverse("research:export_log")
    assert "Velg et av forskningsprosjektene i listen." in client.get(url, {"project": "abc"}).text
    assert "Oppgi siden som et heltall fra 1 til 1 000 000." in client.get(url, {"page": "0"}).text
    by_project = client.get(url, {"project": value})
    assert by_project.status_code == 200
    assert 'data-testid="field-error"' in by_project.text
    assert 'data-testid="export-event"' not in by_project.text
    by_page = client.get(url, {"page": value})
    assert by_page.status_code == 200
    assert 'data-testid="field-error"' in by_page.text
    # A page past the last is the last page.
    assert 'data-testid="export-event"' in client.get(url, {"page": "999999"}).text


@pytest.mark.parametrize("field", ["office", "programme", "start", "end"])
@pytest.mark.parametrize("value", [*BAD_NUMBERS, "0001-01", "2025-13", "9999-12"])
def test_the_dashboard_refuses_bad_choices_at_the_field(
    client: HttpClient, manager_heimdal: User, field: str, value: str
) -> None:
    client.force_login(manager_heimdal)
    response = client.get(
        reverse("dashboards:home"), {"start": "2025-01", "end": "2025-06", field: value}
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.text or 'role="alert"' in response.text
    assert 'data-testid="table-key-figures"' not in response.text
    download = reverse("dashboards:download", args=["key-figures", "csv"])
    assert (
        client.get(download, {"start": "2025-01", "end": "2025-06", field: value}).status_code
        == 404
    )


@pytest.mark.parametrize("pk", [str(2**70), str(2**63)])
def test_huge_ids_in_research_addresses_are_not_found(
    client: HttpClient, manager_heimdal: User, researcher: User, pk: str
) -> None:
    client.force_login(researcher)
    for name in ("project", "export_status", "export_download"):
        assert (
            client.get(
                f"{reverse(f'research:{name}', args=[1])}".replace("/1/", f"/{pk}/")
            ).status_code
            == 404
        )
    client.force_login(manager_heimdal)
    assert (
        client.get(reverse("research:sample_new", args=[1]).replace("/1/", f"/{pk}/")).status_code
        == 404
    )
