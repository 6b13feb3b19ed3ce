"""A researcher requests an anonymised export in a real browser, watches it run on the
worker, and downloads it; a manager approves and a caseworker records consent."""

import re
import zipfile

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clients.models import Client
from research.models import ResearchProject
from tests.browser.test_login_journey import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=20, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_researcher_requests_an_export_sees_progress_and_downloads_it(
    page: Page, demo: None, task_worker: object
) -> None:
    project = ResearchProject.objects.get(code="fellesprosjektet")
    log_in(page, "forsker")
    expect(page.get_by_role("heading", level=1)).to_have_text("Forskningsprosjekter")
    assert_accessible(page)
    page.get_by_role("link", name=project.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(project.title)
    expect(page.get_by_text("Godkjent")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("SPSS (.sav)").check()
    page.get_by_role("button", name="Bestill uttrekk").click()
    expect(page.get_by_text("Uttrekket er bestilt")).to_be_visible()
    row = page.get_by_test_id("export-row").first
    # The row polls the server while the worker runs the export, then offers the archive.
    expect(row.get_by_test_id("export-status")).to_contain_text(
        re.compile("Venter i kø|Lages|Klar til nedlasting")
    )
    expect(row.get_by_test_id("download")).to_be_visible(timeout=90_000)
    expect(row.get_by_test_id("export-status")).to_contain_text("Klar til nedlasting")

    with page.expect_download() as download_info:
        row.get_by_test_id("download").click()
    download = download_info.value
    assert download.suggested_filename == f"fellesprosjektet-{project.exports.get().pk}.zip"
    with zipfile.ZipFile(download.path()) as archive:
        names = set(archive.namelist())
        readme = archive.read("README.md").decode()
    assert {"README.md", "codebook.csv", "persons.csv", "persons.sav", "panel.csv"} <= names
    assert "k = 5" in readme
    for person in Client.objects.all():
        assert person.last_name not in readme
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_the_researcher_reaches_no_person_level_page(page: Page, demo: None) -> None:
    person = Client.objects.first()
    assert person is not None
    log_in(page, "forsker")
    response = page.goto(person.get_absolute_url())
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text(person.last_name)).to_have_count(0)


def test_manager_sees_approvals_and_caseworker_records_consent(page: Page, demo: None) -> None:
    log_in(page, "leder.heimdal")
    page.get_by_role("link", name="Forskning").click()
    expect(page.get_by_test_id("approval-row")).to_contain_text("Fellesprosjektet")
    assert_accessible(page)
    page.get_by_role("button", name="Logg ut").click()

    person = (
        Client.objects.filter(office__name="NAV Heimdal")
        .exclude(research_consents__isnull=False)
        .first()
    )
    assert person is not None
    log_in(page, "veileder.heimdal")
    page.goto(person.get_absolute_url())
    page.get_by_role("link", name="Samtykker til forskning").click()
    page.get_by_label("Forskningsprosjekt").select_option(
        label=ResearchProject.objects.get(code="fellesprosjektet").title
    )
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Samtykket er registrert.")).to_be_visible()
    expect(page.get_by_test_id("consent-row")).to_have_count(1)
    expect(
        page.get_by_text("Ingen andre forskningsprosjekter ved brukerens kontor")
    ).to_be_visible()
    assert_accessible(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]
