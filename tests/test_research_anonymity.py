"""k-anonymity of the persons table, for random populations (hypothesis).

The pure algorithm is checked on thousands of random populations; the whole
export, database to final files, on fewer, and the guarantee is read from the
written files, as the export itself reads them.
"""

import csv
import dataclasses
import datetime
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.history import acting_as, system_actor
from clients.models import CaseEpisode, Client
from codelists.models import CodeList
from organisation.models import Office, User
from research.export.anonymity import RawPerson, k_anonymise, quasi_identifiers, smallest_group
from research.export.runner import Exporter
from research.export.writers import read_table
from research.models import Format, ResearchProject
from tests.dates import today
from tests.factories import code
from tests.research_data import data_start, make_project

PERIOD_END = datetime.date(2026, 12, 31)
REGIONS = [
    "norway",
    "nordic",
    "asia",
    "africa",
    "europe_other",
    "latin_america",
    "oceania",
    "unknown",
]


def identifiers(include_office: bool = True):  # type: ignore[no-untyped-def]
    return quasi_identifiers(
        age_on_date=PERIOD_END,
        as_of=PERIOD_END,
        offices=[(1, "NAV Stor"), (2, "NAV Liten")],
        include_office=include_office,
    )


person = st.builds(
    RawPerson,
    key=st.integers(),
    gender=st.sampled_from(["F", "M", "X", "U"]),
    birth_date=st.dates(datetime.date(1940, 1, 1), datetime.date(2008, 12, 31)),
    region=st.sampled_from(REGIONS),
    refugee=st.booleans(),
    arrival_year=st.none() | st.integers(1970, 2026),
    office=st.sampled_from([1, 2]),
)


def refugee_family(size: int, arrival: int) -> list[RawPerson]:
    """One large family, all from Eritrea, arriving the same year, in a tiny municipality."""
    return [
        RawPerson(
            key=10_000 + i,
            gender="F" if i % 2 else "M",
            birth_date=datetime.date(1975 + i, 3, 1),
            region="africa",
            refugee=True,
            arrival_year=arrival,
            office=2,
        )
        for i in range(size)
    ]


def assert_k_anonymous(result, k: int) -> None:  # type: ignore[no-untyped-def]
    combinations = Counter(values for _key, values in result.rows)
    assert all(count >= k for count in combinations.values()), combinations


@settings(max_examples=300, deadline=None)
@given(people=st.lists(person, max_size=120), k=st.integers(5, 12))
def test_every_combination_occurs_at_least_k_times(people: list[RawPerson], k: int) -> None:
    people = [dataclasses.replace(p, key=i) for i, p in enumerate(people)]
    result = k_anonymise(people, identifiers(), k=k)
    assert_k_anonymous(result, k)
    # Nobody is lost silently: each person is either in the table or counted as left out.
    assert sorted([key for key, _ in result.rows] + result.removed) == list(range(len(people)))


@settings(max_examples=150, deadline=None)
@given(
    town=st.lists(person, min_size=0, max_size=400),
    family_size=st.integers(2, 12),
    arrival=st.integers(1990, 2025),
)
def test_a_tiny_municipality_with_one_large_refugee_family(
    town: list[RawPerson], family_size: int, arrival: int
) -> None:
    people = [dataclasses.replace(p, key=i, office=1) for i, p in enumerate(town)]
    people += refugee_family(family_size, arrival)
    result = k_anonymise(people, identifiers(), k=5)
    assert_k_anonymous(result, 5)


def test_the_family_is_generalised_and_suppressed_not_published() -> None:
    people = refugee_family(7, 2019)
    result = k_anonymise(people, identifiers(), k=5)
    assert_k_anonymous(result, 5)
    # Seven people born 1975–1981, three men and four women: the genders cannot both
    # stay, so at least one value per person is hidden or the group is left out.
    assert result.suppressed or result.removed


def test_fewer_than_k_people_are_all_left_out() -> None:
    result = k_anonymise(refugee_family(4, 2019), identifiers(), k=5)
    assert result.rows == []
    assert len(result.removed) == 4


def test_a_large_uniform_population_keeps_its_detail() -> None:
    people = [
        RawPerson(i, "F", datetime.date(1980, 1, 1), "norway", False, None, 1) for i in range(50)
    ]
    result = k_anonymise(people, identifiers(), k=5)
    assert result.levels == {qi.name: 0 for qi in identifiers()}
    assert result.suppressed == {}
    assert result.removed == []


def test_smallest_group_reads_the_rarest_combination() -> None:
    assert smallest_group([("a", 1), ("a", 1), ("b", 2)]) == 1
    assert smallest_group([]) == 0


# The whole export: random populations in the database, checked on the final files.

population_row = st.tuples(
    st.sampled_from(["F", "M"]),
    st.integers(1950, 2004),
    st.sampled_from(["NOR", "SYR", "ERI", "SOM", "POL"]),
    st.none() | st.integers(2000, 2024),
)


@pytest.mark.usefixtures("codes")
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(population_row, min_size=1, max_size=40), family_size=st.integers(3, 9))
def test_the_final_persons_files_are_k_anonymous(
    rows: list[tuple[str, int, str, int | None]],
    family_size: int,
    heimdal: Office,
    researcher: User,
    manager_heimdal: User,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with acting_as(system_actor("tests")):
        project = ResearchProject.objects.filter(code="hyp").first() or make_project(
            [heimdal],
            members=[researcher],
            approvers=[manager_heimdal],
            code_name="hyp",
            include_office=True,
        )
        made = []
        family = [("M" if i % 2 else "F", 1980 + i, "ERI", 2018) for i in range(family_size)]
        for gender, year, country, arrival in rows + family:
            client = Client.objects.create(
                office=heimdal,
                first_name="Hyp",
                last_name="Otese",
                birth_date=datetime.date(year, 6, 1),
                gender=gender,
                country_of_birth=code(CodeList.COUNTRY, country),
                refugee_background=country != "NOR",
                arrival_year=arrival if country != "NOR" else None,
            )
            CaseEpisode.objects.create(client=client, opened_on=data_start())
            made.append(client)
    directory = tmp_path_factory.mktemp("export")
    result = Exporter(
        project=project,
        tables=["persons"],
        formats=list(Format.values),
        directory=directory,
        as_of=today(),
    ).run()
    for fmt in Format.values:
        header, file_rows = read_table(directory / f"persons.{fmt}")
        assert header[0] == "person"
        assert "office" in header
        assert smallest_group([row[1:] for row in file_rows]) >= 5 or not file_rows
        assert len(file_rows) == result.persons
    with (directory / "persons.csv").open() as file:
        assert (
            len(list(csv.DictReader(file))) + result.anonymity["removed"]
            == Client.objects.filter(office=heimdal).count()
        )
    # Each example starts from an empty office.
    with acting_as(system_actor("tests")):
        for client in made:
            client.episodes.all().delete()
            client.delete()
