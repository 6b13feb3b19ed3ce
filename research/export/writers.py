"""Writing one table in CSV, XLSX, SPSS, Stata or Parquet, chunk by chunk, byte-reproducibly.

CSV, XLSX and Parquet are written as the rows stream in, so memory stays flat.
SPSS and Stata files are written by pyreadstat from whole columns, so they
hold one table's columns in memory (compact numeric arrays) until the end.
Every writer leaves out anything that would differ between two runs on the
same data (creation times inside the files and their zip containers).
"""

import csv
import datetime
import json
import math
import re
import zipfile
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from research.export.variables import Variable

Cell = str | int | datetime.date | None
Row = Sequence[Cell]

# Spreadsheets run cells starting with these (research-export.md, rule 7).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every file claims the same creation time, so that two runs give the same bytes.
FIXED_TIME = datetime.datetime(2000, 1, 1, 0, 0, 0)
XLSX_MAX_ROWS = 1_048_576
PARQUET_ROW_GROUP = 65_536


def neutralise(value: str) -> str:
    """A text cell a spreadsheet would run as a formula is made plain text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class TableWriter(Protocol):
    path: Path

    def write(self, rows: Sequence[Row]) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    def __init__(self, path: Path, variables: Sequence[Variable]) -> None:
        self.path = path
        self._file = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow([neutralise(v.name) for v in variables])

    def write(self, rows: Sequence[Row]) -> None:
        self._csv.writerows([_csv_cell(cell) for cell in row] for row in rows)

    def close(self) -> None:
        self._file.close()


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, str):
        return neutralise(cell)
    return str(cell)


class XlsxWriter:
    """One workbook per table; a table longer than a sheet continues on the next sheet."""

    def __init__(self, path: Path, variables: Sequence[Variable], title: str) -> None:
        from openpyxl import Workbook

        self.path = path
        self._workbook = Workbook(write_only=True)
        self._workbook.properties.created = FIXED_TIME
        self._title = path.stem[:28]  # sheet names allow no ":" or "/"
        self._header = [neutralise(v.name) for v in variables]
        self._sheets = 0
        self._rows_in_sheet = XLSX_MAX_ROWS

    def _next_sheet(self) -> None:
        self._sheets += 1
        name = self._title if self._sheets == 1 else f"{self._title}_{self._sheets}"
        self._sheet = self._workbook.create_sheet(name)
        self._sheet.append(self._header)
        self._rows_in_sheet = 1

    def write(self, rows: Sequence[Row]) -> None:
        for row in rows:
            if self._rows_in_sheet >= XLSX_MAX_ROWS:
                self._next_sheet()
            self._sheet.append([neutralise(c) if isinstance(c, str) else c for c in row])
            self._rows_in_sheet += 1

    def close(self) -> None:
        if self._sheets == 0:
            self._next_sheet()
        self._workbook.save(self.path)
        _normalise_xlsx(self.path)


def _normalise_xlsx(path: Path) -> None:
    """Fix the save time openpyxl writes, and the zip entries' own times."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


class _Columns:
    """One table's columns in memory, numbers as compact float arrays (NaN for missing)."""

    def __init__(self, variables: Sequence[Variable]) -> None:
        self.variables = list(variables)
        self.columns: list[Any] = [
            [] if v.kind in {"string", "date"} else array("d") for v in self.variables
        ]

    def add(self, rows: Sequence[Row]) -> None:
        for row in rows:
            for column, cell in zip(self.columns, row, strict=True):
                if isinstance(column, array):
                    column.append(math.nan if cell is None else float(cell))  # type: ignore[arg-type]
                else:
                    column.append(cell)

    def frame(self) -> Any:
        import numpy
        import pandas

        data = {}
        for variable, column in zip(self.variables, self.columns, strict=True):
            if variable.kind == "string" or variable.kind == "date":
                data[variable.name] = pandas.Series(column, dtype=object)
            else:
                data[variable.name] = numpy.frombuffer(column, dtype=numpy.float64)
        return pandas.DataFrame(data, columns=[v.name for v in self.variables])


def _labels(
    variables: Sequence[Variable],
) -> tuple[dict[str, str | None], dict[str, dict[int | float, str]]]:
    column_labels: dict[str, str | None] = {v.name: v.label for v in variables}
    value_labels: dict[str, dict[int | float, str]] = {
        v.name: {float(number): text for number, text in v.labels.items()}
        for v in variables
        if v.labels
    }
    return column_labels, value_labels


class SpssWriter:
    def __init__(self, path: Path, variables: Sequence[Variable], title: str) -> None:
        self.path = path
        self._title = title
        self._columns = _Columns(variables)

    def write(self, rows: Sequence[Row]) -> None:
        self._columns.add(rows)

    def close(self) -> None:
        import pyreadstat

        column_labels, value_labels = _labels(self._columns.variables)
        measures = {
            v.name: "nominal" if v.kind in {"category", "flag", "string"} else "scale"
            for v in self._columns.variables
        }
        pyreadstat.write_sav(
            self._columns.frame(),
            str(self.path),
            file_label=self._title[:64],
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_measure=measures,
        )
        _patch_sav_time(self.path)


class StataWriter:
    def __init__(self, path: Path, variables: Sequence[Variable], title: str) -> None:
        self.path = path
        self._title = title
        self._columns = _Columns(variables)

    def write(self, rows: Sequence[Row]) -> None:
        self._columns.add(rows)

    def close(self) -> None:
        import pyreadstat

        column_labels, value_labels = _labels(self._columns.variables)
        pyreadstat.write_dta(
            self._columns.frame(),
            str(self.path),
            file_label=self._title[:80],
            # Stata labels only hold 80 characters.
            column_labels={name: (label or "")[:80] for name, label in column_labels.items()},
            variable_value_labels=value_labels,
            version=14,
        )
        _patch_dta_time(self.path)


def _patch_sav_time(path: Path) -> None:
    """The SPSS header holds the creation date ("dd Mon yy") and time at bytes 92–108."""
    data = bytearray(path.read_bytes())
    data[92:109] = FIXED_TIME.strftime("%d %b %y%H:%M:%S").encode("ascii")
    path.write_bytes(bytes(data))


def _patch_dta_time(path: Path) -> None:
    data = path.read_bytes()
    marker = b"<timestamp>\x11"
    start = data.index(marker) + len(marker)
    stamp = FIXED_TIME.strftime("%d %b %Y %H:%M").encode("ascii")
    path.write_bytes(data[:start] + stamp + data[start + 17 :])


class ParquetWriter:
    def __init__(self, path: Path, variables: Sequence[Variable], title: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        self._pa = pa
        types = {"string": pa.string(), "date": pa.date32()}
        self._schema = pa.schema(
            [pa.field(v.name, types.get(v.kind, pa.int32())) for v in variables],
            metadata={
                "title": title,
                "variable_labels": json.dumps({v.name: v.label for v in variables}),
                "value_labels": json.dumps(
                    {
                        v.name: {str(n): t for n, t in v.labels.items()}
                        for v in variables
                        if v.labels
                    }
                ),
            },
        )
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._pending: list[Row] = []
        self._groups = 0

    def write(self, rows: Sequence[Row]) -> None:
        self._pending.extend(rows)
        while len(self._pending) >= PARQUET_ROW_GROUP:
            self._flush(self._pending[:PARQUET_ROW_GROUP])
            self._pending = self._pending[PARQUET_ROW_GROUP:]

    def _flush(self, rows: Sequence[Row]) -> None:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in self._schema]
        arrays = [
            self._pa.array(list(column), type=field.type)
            for column, field in zip(columns, self._schema, strict=True)
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self._groups += 1

    def close(self) -> None:
        if self._pending or not self._groups:
            self._flush(self._pending)
        self._writer.close()


WRITERS: dict[str, Callable[[Path, Sequence[Variable], str], TableWriter]] = {
    "csv": lambda path, variables, title: CsvWriter(path, variables),
    "xlsx": XlsxWriter,
    "sav": SpssWriter,
    "dta": StataWriter,
    "parquet": ParquetWriter,
}


def open_writer(
    fmt: str, directory: Path, name: str, variables: Sequence[Variable], title: str
) -> TableWriter:
    writer: TableWriter = WRITERS[fmt](directory / f"{name}.{fmt}", variables, title)
    return writer


def read_table(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Read a written file back with its own reader (for the checks on the final files)."""
    fmt = path.suffix.lstrip(".")
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.reader(file)
            header = next(reader)
            return header, [tuple(row) for row in reader]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        names: list[str] = []
        rows: list[tuple[Any, ...]] = []
        for sheet in workbook.worksheets:
            values = list(sheet.iter_rows(values_only=True))
            names = [str(v) for v in values[0]]
            rows.extend(tuple(r) for r in values[1:])
        workbook.close()
        return names, rows
    if fmt in {"sav", "dta"}:
        import pyreadstat

        frame, _meta = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
        return list(frame.columns), [
            tuple(None if _is_missing(v) else v for v in row)
            for row in frame.itertuples(index=False, name=None)
        ]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(str(path))
        data = table.to_pydict()
        names = list(table.column_names)
        return names, list(zip(*(data[n] for n in names), strict=True))
    raise ValueError(f"Unknown format {fmt}")


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
