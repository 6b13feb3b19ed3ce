"""SPSS (.sav) and Stata (.dta) files with labels, in bounded memory.

pyreadstat writes these formats from a whole data frame. To keep memory flat
however long a table is, rows are written in parts of PART_ROWS by pyreadstat,
and the parts are then joined into one file: every part has the same
dictionary (variables, labels, widths), so the joined file is the first part's
dictionary with the row count set to the total, followed by every part's rows.
Each join checks that the parts' dictionaries really are the same.
"""

import datetime
import math
import struct
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from research.export.variables import Variable

PART_ROWS = 50_000
# Two runs must give the same bytes: every file claims this creation time.
CREATED = "01 Jan 2000 00:00:00"

Row = Sequence[Any]


class JoinError(RuntimeError):
    """The parts of a file do not share one dictionary (a bug: nothing is delivered)."""


class _Columns:
    """Rows of one part, column by column; numbers as float arrays (NaN for missing).

    Dates are numbers too, as the format counts them, so that a date column has
    the same type in every part even where a part holds no date at all.
    """

    def __init__(
        self, variables: Sequence[Variable], date_number: Callable[[datetime.date], float]
    ) -> None:
        self.variables = list(variables)
        self.date_number = date_number
        self.clear()

    def clear(self) -> None:
        self.rows = 0
        self.columns: list[Any] = [[] if v.kind == "string" else array("d") for v in self.variables]

    def add(self, row: Row) -> None:
        for column, cell in zip(self.columns, row, strict=True):
            if not isinstance(column, array):
                column.append(cell)
            elif cell is None:
                column.append(math.nan)
            elif isinstance(cell, datetime.date):
                column.append(self.date_number(cell))
            else:
                column.append(float(cell))
        self.rows += 1

    def frame(self) -> Any:
        import numpy
        import pandas

        data = {
            variable.name: (
                numpy.frombuffer(column, dtype=numpy.float64)
                if isinstance(column, array)
                else pandas.Series(column, dtype=object)
            )
            for variable, column in zip(self.variables, self.columns, strict=True)
        }
        return pandas.DataFrame(data, columns=[v.name for v in self.variables])


def _labels(
    variables: Sequence[Variable], width: int
) -> tuple[dict[str, str | None], dict[str, dict[int | float, str]]]:
    column_labels: dict[str, str | None] = {v.name: v.label[:width] for v in variables}
    value_labels: dict[str, dict[int | float, str]] = {
        v.name: {float(number): text for number, text in v.labels.items()}
        for v in variables
        if v.labels
    }
    return column_labels, value_labels


class _PartedWriter:
    """Collect rows in parts, write each part with pyreadstat, join them on close."""

    # The display formats of dates, and of whole numbers (empty: the library's own).
    DATE_FORMAT = ""
    WHOLE_NUMBER_FORMAT = ""

    def __init__(self, path: Path, variables: Sequence[Variable], title: str) -> None:
        self.path = path
        self.title = title
        self.variables = list(variables)
        self._part = _Columns(variables, self.date_number)
        self._parts: list[Path] = []

    @staticmethod
    def date_number(date: datetime.date) -> float:
        raise NotImplementedError

    @property
    def formats(self) -> dict[str, str]:
        formats = {v.name: self.DATE_FORMAT for v in self.variables if v.kind == "date"}
        if self.WHOLE_NUMBER_FORMAT:
            formats |= {
                v.name: self.WHOLE_NUMBER_FORMAT
                for v in self.variables
                if v.kind in {"integer", "category", "flag"}
            }
        return formats

    def write(self, rows: Sequence[Row]) -> None:
        for row in rows:
            self._part.add(row)
            if self._part.rows >= PART_ROWS:
                self._flush()

    def _flush(self) -> None:
        part = self.path.with_name(f"{self.path.name}.part{len(self._parts)}")
        self._write_part(self._part.frame(), part)
        self._parts.append(part)
        self._part.clear()

    def close(self) -> None:
        if self._part.rows or not self._parts:
            self._flush()
        self._join(self._parts)
        for part in self._parts:
            part.unlink()

    def _write_part(self, frame: Any, part: Path) -> None:
        raise NotImplementedError

    def _fixed_time(self, data: bytes) -> bytes:
        raise NotImplementedError

    def _join(self, parts: list[Path]) -> None:
        raise NotImplementedError


class SpssWriter(_PartedWriter):
    """Uncompressed .sav: a header, the dictionary, then fixed-width cases to the end."""

    DATE_FORMAT = "DATE11"
    WHOLE_NUMBER_FORMAT = "F8.0"

    @staticmethod
    def date_number(date: datetime.date) -> float:
        """SPSS counts seconds since the start of the Gregorian calendar."""
        return float((date - datetime.date(1582, 10, 14)).days * 86_400)

    def _write_part(self, frame: Any, part: Path) -> None:
        import pyreadstat

        column_labels, value_labels = _labels(self.variables, 255)
        pyreadstat.write_sav(
            frame,
            str(part),
            file_label=self.title[:64],
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_measure={
                v.name: "nominal" if v.kind in {"category", "flag", "string"} else "scale"
                for v in self.variables
            },
            variable_format=self.formats,
        )

    def _fixed_time(self, data: bytes) -> bytes:
        # The header holds the creation date ("dd Mon yy") and time at bytes 92–108.
        stamp = (CREATED[:7] + CREATED[9:11] + CREATED[12:]).encode("ascii")
        return data[:92] + stamp + data[109:]

    # The case count is in the header (int32 at byte 80) and, as an int64, in the
    # extension record of subtype 16 (record type 7, subtype 16, 8-byte items, 2 items).
    EXTENDED_CASES = struct.pack("<4i", 7, 16, 8, 2)

    @classmethod
    def _split(cls, data: bytes) -> tuple[bytes, bytes, int]:
        """(dictionary with its case counts zeroed, cases, number of cases)."""
        (elements,) = struct.unpack_from("<i", data, 68)
        (cases,) = struct.unpack_from("<i", data, 80)
        start = len(data) - cases * elements * 8
        extended = data.index(cls.EXTENDED_CASES, 176, start) + len(cls.EXTENDED_CASES) + 8
        dictionary = bytearray(data[:start])
        dictionary[80:84] = bytes(4)
        dictionary[extended : extended + 8] = bytes(8)
        return bytes(dictionary), data[start:], cases

    def _join(self, parts: list[Path]) -> None:
        dictionary, _cases, _count = self._split(self._fixed_time(parts[0].read_bytes()))
        extended = dictionary.index(self.EXTENDED_CASES, 176) + len(self.EXTENDED_CASES) + 8
        total = 0
        with self.path.open("wb") as out:
            out.write(dictionary)
            for part in parts:
                part_dictionary, cases, count = self._split(self._fixed_time(part.read_bytes()))
                if part_dictionary != dictionary:
                    raise JoinError(f"{part.name} has another dictionary than the first part")
                out.write(cases)
                total += count
            out.seek(80)
            out.write(struct.pack("<i", total))
            out.seek(extended)
            out.write(struct.pack("<q", total))


class StataWriter(_PartedWriter):
    """Stata 14 (.dta format 118): tagged sections found through the file's <map>."""

    DATE_FORMAT = "%td"

    @staticmethod
    def date_number(date: datetime.date) -> float:
        """Stata counts days since 1 January 1960."""
        return float((date - datetime.date(1960, 1, 1)).days)

    def _write_part(self, frame: Any, part: Path) -> None:
        import pyreadstat

        column_labels, value_labels = _labels(self.variables, 80)  # Stata labels hold 80
        pyreadstat.write_dta(
            frame,
            str(part),
            file_label=self.title[:80],
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_format=self.formats,
            version=14,
        )

    def _fixed_time(self, data: bytes) -> bytes:
        marker = b"<timestamp>\x11"
        start = data.index(marker) + len(marker)
        return data[:start] + CREATED[:17].encode("ascii") + data[start + 17 :]

    @staticmethod
    def _map(data: bytes) -> tuple[int, list[int]]:
        start = data.index(b"<map>") + len(b"<map>")
        return start, list(struct.unpack_from("<14Q", data, start))

    def _join(self, parts: list[Path]) -> None:
        head = self._fixed_time(parts[0].read_bytes())
        map_at, offsets = self._map(head)
        # offsets[9] is <data>, offsets[10] <strls>; everything between the tags is rows.
        data_start, data_end = offsets[9] + len(b"<data>"), offsets[10] - len(b"</data>")
        n_at = head.index(b"<N>") + len(b"<N>")
        definitions = head[offsets[2] : offsets[9]]
        tail = head[data_end:]
        rows = 0
        extra = 0
        with self.path.open("wb") as out:
            out.write(head[:data_start])
            for part in parts:
                data = part.read_bytes()
                _at, part_offsets = self._map(data)
                if data[part_offsets[2] : part_offsets[9]] != definitions or (
                    data[part_offsets[10] - len(b"</data>") :] != tail
                ):
                    raise JoinError(f"{part.name} has other definitions than the first part")
                start, end = part_offsets[9] + len(b"<data>"), part_offsets[10] - len(b"</data>")
                out.write(data[start:end])
                rows += struct.unpack_from("<Q", data, data.index(b"<N>") + len(b"<N>"))[0]
                extra += end - start
            out.write(tail)
            extra -= data_end - data_start  # the first part's rows are already counted in place
            for index in range(10, 14):  # the sections after the rows move by the added rows
                offsets[index] += extra
            out.seek(map_at)
            out.write(struct.pack("<14Q", *offsets))
            out.seek(n_at)
            out.write(struct.pack("<Q", rows))
