"""Writing one table in CSV, XLSX, SPSS, Stata or Parquet, chunk by chunk, byte-reproducibly.

Every writer takes the rows as they stream in and holds at most a bounded part
of them (SPSS and Stata: see research.export.labelled), so memory stays flat.
Each leaves out anything that would differ between two runs on the same data
(creation times inside the files and their zip containers).
"""

import csv
import datetime
import json
import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from core.cells import neutralise
from research.export.labelled import SpssWriter, StataWriter
from research.export.variables import Variable

Cell = str | int | datetime.date | None
Row = Sequence[Cell]

# Every file claims the same creation time, so that two runs give the same bytes.
FIXED_TIME = datetime.datetime(2000, 1, 1, 0, 0, 0)
XLSX_MAX_ROWS = 1_048_576
PARQUET_ROW_GROUP = 65_536


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
    """One workbook per table, written row by row (XlsxWriter's constant-memory mode, where
    text is stored in the cells themselves); a table longer than a sheet continues on the
    next one."""

    def __init__(self, path: Path, variables: Sequence[Variable], title: str) -> None:
        import xlsxwriter

        self.path = path
        self._workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                # Text is text: never turned into a formula, a number or a link.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        # A fixed creation time also fixes the times inside the zip container.
        self._workbook.set_properties({"created": FIXED_TIME, "title": title})
        self._date = self._workbook.add_format({"num_format": "yyyy-mm-dd"})
        self._title = path.stem[:28]  # sheet names allow no ":" or "/"
        self._header = [neutralise(v.name) for v in variables]
        self._sheets = 0
        self._row = XLSX_MAX_ROWS

    def _next_sheet(self) -> None:
        self._sheets += 1
        name = self._title if self._sheets == 1 else f"{self._title}_{self._sheets}"
        self._sheet = self._workbook.add_worksheet(name)
        self._sheet.write_row(0, 0, self._header)
        self._row = 1

    def write(self, rows: Sequence[Row]) -> None:
        for row in rows:
            if self._row >= XLSX_MAX_ROWS:
                self._next_sheet()
            for column, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, str):
                    self._sheet.write_string(self._row, column, neutralise(cell))
                elif isinstance(cell, datetime.date):
                    self._sheet.write_datetime(self._row, column, cell, self._date)
                else:
                    self._sheet.write_number(self._row, column, cell)
            self._row += 1

    def close(self) -> None:
        if self._sheets == 0:
            self._next_sheet()
        self._workbook.close()


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
    header, rows = iter_table(path)
    return header, list(rows)


def iter_table(path: Path) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """The header of a written file and its rows one by one, read with its own reader. A CSV
    file is read as the rows are taken; the other readers read the whole file first."""
    fmt = path.suffix.lstrip(".")
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as file:
            header = next(csv.reader(file))

        def csv_rows() -> Iterator[tuple[Any, ...]]:
            # Opened again as the rows are taken, and closed however the taking ends.
            with path.open(encoding="utf-8", newline="") as file:
                reader = csv.reader(file)
                next(reader)
                yield from (tuple(row) for row in reader)

        return header, csv_rows()
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
        return names, iter(rows)
    if fmt in {"sav", "dta"}:
        import pyreadstat

        frame, _meta = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
        return list(frame.columns), (
            tuple(None if _is_missing(v) else v for v in row)
            for row in frame.itertuples(index=False, name=None)
        )
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(str(path))
        data = table.to_pydict()
        names = list(table.column_names)
        return names, zip(*(data[n] for n in names), strict=True)
    raise ValueError(f"Unknown format {fmt}")


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
