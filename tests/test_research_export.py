"""The research export end to end: what it holds, what it never holds, and how it reads."""

import csv
import datetime
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pyreadstat
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from audit.history import acting_as, system_actor
from clients.models import Client
from clients.national_id import parse_national_id
from organisation.models import Office, User
from research import services
from research.export.archive import build_archive
from research.export.keys import ProjectKey
from research.export.runner import Exporter, ExportResult
from research.export.writers import read_table
from research.models import Format, ResearchProject, Table
from tests.dates import today
from tests.research_data import (
    CANARY,
    Population,
    consent_all,
    data_start,
    make_family,
    make_population,
    make_project,
)

pytestmark = pytest.mark.usefixtures("codes")
ALL_FORMATS = list(Format.values)


@pytest.fixture
def population(heimdal: Office, caseworker_heimdal: User) -> Population:
    population = make_population(heimdal, caseworker_heimdal, size=30)
    make_family(heimdal, population.clients[0])
    return population


@pytest.fixture
def project(heimdal: Office, researcher: User, manager_heimdal: User) -> ResearchProject:
    return make_project([heimdal], members=[researcher], approvers=[manager_heimdal])


def export(
    project: ResearchProject, directory: Path, formats: list[str] = ALL_FORMATS
) -> ExportResult:
    return Exporter(
        project=project, tables=project.tables, formats=formats, directory=directory, as_of=today()
    ).run()


def every_cell(directory: Path) -> list[str]:
    """The text of every cell of every data file, read with each format's own reader."""
    cells = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lstrip(".") in ALL_FORMATS:
            header, rows = read_table(path)
            cells += header
            cells += [str(cell) for row in rows for cell in row if cell is not None]
    cells += (directory / "codebook.csv").read_text(encoding="utf-8").split(",")
    return cells


def kept(population: Population, result: ExportResult) -> list[Client]:
    """The clients k-anonymity kept (a population this small loses a few)."""
    return [client for client in population.clients if client.pk in result.client_ids]


def looks_like_national_id(text: str) -> bool:
    for candidate in re.findall(r"(?<!\d)\d{11}(?!\d)", text):
        try:
            parse_national_id(candidate, allow_synthetic=True)
        except ValidationError:
            continue
        return True
    return False


def test_no_identifier_name_phone_or_note_in_any_cell(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    result = export(project, tmp_path / "files")
    build_archive(project, result, tmp_path / "export.zip", made_at=timezone.now())
    cells = every_cell(tmp_path / "files")
    assert len(cells) > 10_000  # the scan really read the files
    hits = [
        cell
        for cell in cells
        if looks_like_national_id(cell)
        or CANARY in cell
        or any(name in cell for name in population.names)
        or any(phone in cell for phone in population.phones)
        or re.search(r"(?<!\d)[49]\d{7}(?!\d)", cell)
    ]
    assert hits == []
    readme = (tmp_path / "files" / "README.md").read_text(encoding="utf-8")
    assert CANARY not in readme
    assert not any(name in readme for name in population.names)


def test_the_scan_would_find_a_leak(population: Population) -> None:
    leaked = [population.national_ids[0], f"note: {CANARY}", population.phones[0]]
    assert looks_like_national_id(leaked[0])
    assert CANARY in leaked[1]
    assert re.search(r"(?<!\d)[49]\d{7}(?!\d)", leaked[2])


def test_every_table_and_format_is_in_the_archive_with_readme_and_codebook(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    result = export(project, tmp_path / "files")
    archive = build_archive(project, result, tmp_path / "export.zip", made_at=timezone.now())
    names = set(zipfile.ZipFile(archive).namelist())
    expected = {f"{table}.{fmt}" for table in Table.values for fmt in ALL_FORMATS}
    assert names == expected | {"README.md", "codebook.csv"}
    readme = zipfile.ZipFile(archive).read("README.md").decode()
    for name, digest in result.files.items():
        assert f"`{name}`: `{digest}`" in readme
    assert "k = 5" in readme
    assert f"{result.persons}" in readme


def test_same_parameters_on_same_data_give_byte_identical_files(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    first = export(project, tmp_path / "one")
    second = export(project, tmp_path / "two")
    assert first.files == second.files
    for name in first.files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_files_open_in_their_own_readers_with_labels(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    result = export(project, tmp_path)
    frame, meta = pyreadstat.read_sav(str(tmp_path / "contacts.sav"))
    assert len(frame) == result.rows["contacts"] == 3 * result.persons
    assert meta.column_names_to_labels["channel"] == "Kanal"
    assert "Møte på NAV-kontoret" in meta.variable_value_labels["channel"].values()
    assert meta.variable_value_labels["interpreter"] == {0.0: "Nei", 1.0: "Ja"}
    frame, meta = pyreadstat.read_dta(str(tmp_path / "persons.dta"))
    assert len(frame) == result.persons
    assert meta.column_names_to_labels["gender"] == "Kjønn"
    assert set(meta.variable_value_labels["refugee_background"].values()) >= {"Nei", "Ja"}
    episodes = pq.read_table(str(tmp_path / "episodes.parquet"))
    assert episodes.num_rows == result.persons
    assert b"value_labels" in episodes.schema.metadata
    workbook = load_workbook(tmp_path / "interventions.xlsx", read_only=True)
    header = next(workbook.active.iter_rows(values_only=True))
    assert header == ("person", "type", "start", "end", "status", "outcome")


def test_dates_are_shifted_per_person_and_intervals_kept(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    result = export(project, tmp_path, formats=["csv"])
    key = ProjectKey(bytes(project.secret))
    client = kept(population, result)[4]
    pseudonym = key.pseudonym("client", client.pk)
    with (tmp_path / "contacts.csv").open() as file:
        dates = [
            datetime.date.fromisoformat(r["date"])
            for r in csv.DictReader(file)
            if r["person"] == pseudonym
        ]
    real = sorted(c.date for c in client.contacts.all())
    shift = datetime.timedelta(days=key.shift_days("client", client.pk))
    assert shift.days != 0
    assert dates == [d + shift for d in real]


def test_relative_dates_count_days_since_the_first_episode(
    population: Population, heimdal: Office, researcher: User, manager_heimdal: User, tmp_path: Path
) -> None:
    project = make_project(
        [heimdal],
        members=[researcher],
        approvers=[manager_heimdal],
        code_name="relativ",
        date_mode=ResearchProject.DateMode.RELATIVE,
    )
    result = export(project, tmp_path, formats=["csv"])
    client = kept(population, result)[2]
    pseudonym = ProjectKey(bytes(project.secret)).pseudonym("client", client.pk)
    with (tmp_path / "contacts.csv").open() as file:
        rows = [r for r in csv.DictReader(file) if r["person"] == pseudonym]
    first_episode = client.episodes.get().opened_on
    assert [int(r["date_day"]) for r in rows] == [
        (c.date - first_episode).days for c in client.contacts.order_by("date")
    ]
    assert {r["date_year"] for r in rows} <= {
        str(y) for y in range(data_start().year, today().year + 1)
    }
    assert "date" not in rows[0]


def test_pseudonyms_are_stable_within_a_project_and_differ_between_projects(
    population: Population,
    project: ResearchProject,
    heimdal: Office,
    researcher: User,
    manager_heimdal: User,
    tmp_path: Path,
) -> None:
    other = make_project(
        [heimdal], members=[researcher], approvers=[manager_heimdal], code_name="annen"
    )
    export(project, tmp_path / "a", formats=["csv"])
    export(project, tmp_path / "b", formats=["csv"])
    export(other, tmp_path / "c", formats=["csv"])

    def pseudonyms(directory: Path) -> set[str]:
        with (directory / "persons.csv").open() as file:
            return {row["person"] for row in csv.DictReader(file)}

    assert pseudonyms(tmp_path / "a") == pseudonyms(tmp_path / "b")
    assert len(pseudonyms(tmp_path / "a")) > 20
    assert not pseudonyms(tmp_path / "a") & pseudonyms(tmp_path / "c")


def test_the_persons_and_the_other_tables_name_the_same_people(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    """Persons are made k-anonymous on their own, the other tables stream: the same people."""
    export(project, tmp_path, formats=["csv"])
    with (tmp_path / "persons.csv").open() as file:
        persons = {row["person"] for row in csv.DictReader(file)}
    with (tmp_path / "episodes.csv").open() as file:
        episodes = {row["person"] for row in csv.DictReader(file)}
    assert persons == episodes


def test_withdrawn_consent_excludes_the_person(
    population: Population,
    heimdal: Office,
    researcher: User,
    manager_heimdal: User,
    caseworker_heimdal: User,
    tmp_path: Path,
) -> None:
    project = make_project(
        [heimdal],
        members=[researcher],
        approvers=[manager_heimdal],
        code_name="samtykke",
        legal_basis=ResearchProject.LegalBasis.CONSENT,
    )
    consents = consent_all(project, population.clients[:20], caseworker_heimdal)
    with acting_as(system_actor("tests")):
        services.consent_withdraw(consent=consents[0], withdrawn_on=today())
    result = export(project, tmp_path, formats=["csv"])
    assert result.persons + result.anonymity["removed"] == 19
    withdrawn = ProjectKey(bytes(project.secret)).pseudonym("client", population.clients[0].pk)
    for path in tmp_path.glob("*.csv"):
        assert withdrawn not in path.read_text()
    assert population.clients[0].pk not in result.client_ids


def test_an_unapproved_or_expired_project_exports_nothing(
    population: Population,
    heimdal: Office,
    sagene: Office,
    researcher: User,
    manager_heimdal: User,
) -> None:
    # Sagene's manager has not approved: half an approval is none.
    unapproved = make_project(
        [heimdal, sagene], members=[researcher], approvers=[manager_heimdal], code_name="halv"
    )
    with pytest.raises(services.ExportRefused):
        services.export_request(
            project=unapproved, by=researcher, tables=["persons"], formats=["csv"]
        )
    expired = make_project(
        [heimdal], members=[researcher], approvers=[manager_heimdal], code_name="gammel"
    )
    with acting_as(system_actor("tests")):
        ResearchProject.objects.filter(pk=expired.pk)  # the scope changes with the expiry date …
        expired.expires_on = today() - datetime.timedelta(days=1)
        expired.save()
    with pytest.raises(services.ExportRefused):
        services.check_may_export(project=expired)
    assert not expired.approval_state().complete  # … so the old approval no longer holds either


def test_a_changed_scope_needs_a_new_approval(
    project: ResearchProject, sagene: Office, manager_heimdal: User, manager_sagene: User
) -> None:
    assert project.may_export()
    with acting_as(system_actor("tests")):
        project.offices.add(sagene)
    assert not project.may_export()
    services.project_approve(project=project, by=manager_heimdal)
    assert not project.may_export()
    services.project_approve(project=project, by=manager_sagene)
    assert project.may_export()


def test_spreadsheet_formulas_are_neutralised(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    """The programme is named '=HYPERLINK(…)': as a label it must never be a live formula."""
    result = export(project, tmp_path, formats=["csv", "xlsx"])
    build_archive(project, result, tmp_path / "x.zip", made_at=timezone.now())
    codebook = (tmp_path / "codebook.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in codebook or "= '=HYPERLINK" in codebook or "1 = =HYPERLINK" in codebook
    with (tmp_path / "codebook.csv").open(encoding="utf-8") as file:
        for row in csv.reader(file):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    workbook = load_workbook(tmp_path / "programmes.xlsx")
    for row in workbook.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def add_topic(clients: list[Client], topic: str) -> None:
    from codelists.models import CodeList
    from tests.factories import code

    with acting_as(system_actor("tests")):
        for client in clients:
            client.contacts.first().topics.add(code(CodeList.LIFE_AREA, topic))


def contact_rows(directory: Path) -> list[dict[str, str]]:
    with (directory / "contacts.csv").open() as file:
        return list(csv.DictReader(file))


def test_rare_codes_are_merged_into_other(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    add_topic(population.clients[:3], "substance_use")  # three persons: fewer than k …
    add_topic(population.clients[3:5], "leisure")  # … and two more: "other" has five
    result = export(project, tmp_path, formats=["csv"])
    assert result.merged["contacts.topic"] == ["Fritid", "Rusmiddelbruk"]
    rows = contact_rows(tmp_path)
    assert "topic_other" in rows[0]
    kept = {c.pk for c in population.clients[:5]} & set(result.client_ids)
    assert sum(int(r["topic_other"]) for r in rows) == len(kept)
    work = next(n for n, label in result.variables["contacts"][4].labels.items() if label == "Ja")
    assert work == 1  # the indicators are 0/1 with labels


def test_other_is_never_fewer_than_k_persons(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    add_topic(population.clients[:3], "substance_use")  # "other" alone would be three persons
    result = export(project, tmp_path, formats=["csv"])
    # So the next rarest code joins it: here the only other topic, work.
    assert result.merged["contacts.topic"] == ["Arbeid", "Rusmiddelbruk"]
    rows = contact_rows(tmp_path)
    assert "topic_1" not in rows[0]  # work has no column of its own any more
    assert all(r["topic_other"] == "1" for r in rows)
    # Codes nobody used keep their (empty) columns, so re-exports have the same columns.
    assert {r[n] for r in rows for n in r if n.startswith("topic_") and n != "topic_other"} == {"0"}


def test_a_variable_fewer_than_k_persons_have_is_left_out(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    from codelists.models import CodeList
    from tests.factories import code

    with acting_as(system_actor("tests")):
        for client in population.clients[:2]:
            episode = client.episodes.get()
            episode.closed_on = episode.opened_on + datetime.timedelta(days=30)
            episode.closing_reason = code(CodeList.CLOSING_REASON, "moved")
            episode.save()
    result = export(project, tmp_path, formats=["csv"])
    build_archive(project, result, tmp_path / "x.zip", made_at=timezone.now())
    assert "episodes.closing_reason" in result.hidden
    with (tmp_path / "episodes.csv").open() as file:
        assert "closing_reason" not in next(csv.reader(file))
    assert "episodes.closing_reason" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_family_tables_key_children_and_families_by_pseudonym(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    result = export(project, tmp_path, formats=["csv"])
    assert result.rows["families"] == 2
    assert result.rows["youth_school"] == 1
    assert result.rows["plan_goals"] == 1
    assert result.rows["plan_reviews"] == 1
    with (tmp_path / "families.csv").open() as file:
        members = list(csv.DictReader(file))
    assert {m["family"] for m in members} == {members[0]["family"]}
    assert members[0]["family"].startswith("F")
    with (tmp_path / "youth_school.csv").open() as file:
        (school,) = list(csv.DictReader(file))
    assert school["person"] in {m["person"] for m in members}


def test_the_panel_counts_months_on_assistance_and_contacts(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    result = export(project, tmp_path, formats=["csv"])
    client = kept(population, result)[0]
    pseudonym = ProjectKey(bytes(project.secret)).pseudonym("client", client.pk)
    with (tmp_path / "panel.csv").open() as file:
        rows = [r for r in csv.DictReader(file) if r["person"] == pseudonym]
    opened = client.episodes.get().opened_on
    whole_months = (today().year - opened.year) * 12 + today().month - opened.month
    if today().day < opened.day:
        whole_months -= 1
    # Months are counted from the first episode (0, 1, 2 …), never as calendar months.
    assert [int(r["month"]) for r in rows] == list(range(whole_months + 1))
    assert sum(int(r["contacts"]) for r in rows) == 3
    # 200 days of social assistance from the first day of the episode: 7 months.
    assert sum(int(r["social_assistance"]) for r in rows) == 7
    # Work training ended with full-time work: in work from that month on.
    assert rows[-1]["work_or_education"] == "1"
    assert rows[0]["work_or_education"] == "0"


def test_the_project_secret_never_reaches_the_database(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    """Query texts are visible to other sessions and may be logged: the key stays here."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secret = bytes(project.secret)
    with CaptureQueriesContext(connection) as queries:
        export(project, tmp_path, formats=["csv"])
    assert len(queries) > 10
    for query in queries:
        assert secret.hex() not in query["sql"]
        assert repr(secret)[2:-1] not in query["sql"]
        assert "\\x" + secret.hex() not in query["sql"]


def test_the_panel_has_no_calendar_month_in_shifted_mode(
    population: Population, project: ResearchProject, tmp_path: Path
) -> None:
    result = export(project, tmp_path, formats=["csv"])
    assert [v.name for v in result.variables["panel"]] == [
        "person",
        "month",
        "social_assistance",
        "activity",
        "work_or_education",
        "contacts",
    ]
