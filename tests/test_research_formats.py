"""The file writers: each format reads back the rows it was given, labels intact, in
bounded memory; SPSS and Stata files written in parts join into one valid file."""

import datetime
import tracemalloc
from pathlib import Path

import pandas
import pyreadstat
import pytest

from research.export import labelled
from research.export.variables import Variable
from research.export.writers import open_writer, read_table

VARIABLES = [
    Variable("person", "Pseudonym", "string"),
    Variable("date", "Dato", "date"),
    Variable(
        "channel", "Kanal", "category", labels={1: "Telefon", 2: "Hjemmebesøk", 9997: "Annet"}
    ),
    Variable("minutes", "Varighet", "integer", "minutter"),
    Variable("interpreter", "Tolk brukt", "flag", labels={0: "Nei", 1: "Ja"}),
]


def rows(count: int) -> list[list[object]]:
    start = datetime.date(2020, 1, 1)
    return [
        [
            f"P{chr(65 + i % 16) * 16}",
            start + datetime.timedelta(days=i % 900) if i % 11 else None,
            (1, 2, 9997)[i % 3],
            i % 240 if i % 13 else None,
            i % 2,
        ]
        for i in range(count)
    ]


def write(fmt: str, directory: Path, data: list[list[object]], chunk: int = 1000) -> Path:
    writer = open_writer(fmt, directory, "contacts", VARIABLES, "Oppfølgingskontakter")
    for start in range(0, len(data), chunk):
        writer.write(data[start : start + chunk])
    writer.close()
    return writer.path


def normalised(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pandas.Timestamp | datetime.datetime):
        return value.date()
    return value


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labelled, "PART_ROWS", 7)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_a_file_written_in_parts_is_one_valid_file(
    small_parts: None, fmt: str, tmp_path: Path
) -> None:
    data = rows(100)  # fifteen parts of seven rows
    path = write(fmt, tmp_path, data, chunk=9)
    assert not list(tmp_path.glob("*.part*"))
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = reader(str(path))
    assert meta.number_rows == 100
    assert [
        [normalised(v) for v in r]
        for r in frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    ] == [[normalised(v) for v in r] for r in data]
    assert meta.column_names_to_labels["channel"] == "Kanal"
    assert meta.variable_value_labels["channel"] == {1: "Telefon", 2: "Hjemmebesøk", 9997: "Annet"}
    # A second, independent reader agrees.
    if fmt == "dta":
        with pandas.io.stata.StataReader(path) as stata:
            independent = stata.read(convert_categoricals=False)
            assert stata.variable_labels()["interpreter"] == "Tolk brukt"
        assert len(independent) == 100
        assert independent["minutes"].sum() == sum(r[3] or 0 for r in data)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_parts_do_not_change_the_data(
    monkeypatch: pytest.MonkeyPatch, fmt: str, tmp_path: Path
) -> None:
    data = rows(60)
    (tmp_path / "whole").mkdir()
    whole = write(fmt, tmp_path / "whole", data)
    monkeypatch.setattr(labelled, "PART_ROWS", 8)
    (tmp_path / "parts").mkdir()
    parted = write(fmt, tmp_path / "parts", data)
    assert whole.read_bytes() == parted.read_bytes()


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_a_part_without_any_date_joins_with_parts_that_have_dates(
    small_parts: None, fmt: str, tmp_path: Path
) -> None:
    data = rows(30)
    for row in data[:7]:  # the whole first part has no date
        row[1] = None
    _header, back = read_table(write(fmt, tmp_path, data))
    assert [normalised(r[1]) for r in back] == [r[1] for r in data]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta", "parquet"])
def test_every_format_reads_back_what_was_written(fmt: str, tmp_path: Path) -> None:
    data = rows(50)
    header, back = read_table(write(fmt, tmp_path, data))
    assert header == [v.name for v in VARIABLES]
    assert len(back) == 50
    assert back[1][0] == "PBBBBBBBBBBBBBBBB"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta", "parquet"])
def test_an_empty_table_is_still_a_valid_file(fmt: str, tmp_path: Path) -> None:
    header, back = read_table(write(fmt, tmp_path, []))
    assert header == [v.name for v in VARIABLES]
    assert back == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta", "parquet"])
def test_memory_does_not_grow_with_the_number_of_rows(fmt: str, tmp_path: Path) -> None:
    def peak(count: int) -> int:
        directory = tmp_path / str(count)
        directory.mkdir()
        writer = open_writer(fmt, directory, "contacts", VARIABLES, "t")
        chunk = rows(1000)
        tracemalloc.start()
        for _ in range(count // 1000):
            writer.write(chunk)
        writer.close()
        _current, highest = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return highest

    smaller, larger = peak(60_000), peak(180_000)
    assert larger < smaller * 1.3 + 2_000_000, (smaller, larger)
