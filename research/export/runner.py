"""Running one export: population, k-anonymous persons, every table, codebook and README.

Reads run on a connection of their own inside one REPEATABLE READ, READ ONLY
transaction, so every table sees the same snapshot of the data, and rows are
fetched from server-side cursors in chunks, so memory stays flat however many
rows there are. Progress is reported through a callback between chunks.
"""

import datetime
import hashlib
import pickle
import tempfile
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from codelists.models import Code, CodeList
from core.db_router import read_alias
from families.models import FamilyMember, GoalStatus, SchoolStatus
from followup.models import Programme, Status, StudyArm
from research.export import anonymity
from research.export.anonymity import RawPerson
from research.export.keys import ProjectKey
from research.export.population import Scope, persons_sql, with_population
from research.export.tables import SPECS, Column, ColumnKind, TableSpec
from research.export.variables import OTHER, Categories, Variable, no_yes
from research.export.writers import Cell, TableWriter, iter_table, open_writer
from research.models import ResearchProject, Sample, Table

CHUNK = 5_000
# Benefits that count as activity in the panel (KVP and the introduction programme).
ACTIVITY_KINDS = frozenset({"kvalifiseringsstonad", "introduksjonsstonad"})
# (step, percent done or None for "still at it")
Progress = Callable[[str, int | None], None]


class ExportCheckFailed(RuntimeError):
    """A check on the final files failed: the export is not delivered."""


@dataclass
class ExportResult:
    directory: Path
    tables: list[str]
    formats: list[str]
    as_of: datetime.date
    persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # file name → SHA-256
    variables: dict[str, list[Variable]] = field(default_factory=dict)
    anonymity: dict[str, Any] = field(default_factory=dict)
    merged: dict[str, list[str]] = field(default_factory=dict)  # "table.column" → labels
    hidden: list[str] = field(default_factory=list)  # "table.column": fewer than k persons
    client_ids: list[int] = field(default_factory=list)  # for the access log, never exported


@contextmanager
def snapshot(alias: str | None = None) -> Iterator[BaseDatabaseWrapper]:
    """A connection whose reads all see one snapshot.

    By default on `read_alias()`: the read replica when the caller runs inside
    `reading_from_replica()` (the export task does) and one is configured, else
    the primary. Inside a caller's transaction (a test, or a command run in one)
    the export reads within it, so it sees exactly what the caller sees.
    """
    current = connections[alias or read_alias()]
    if current.in_atomic_block:
        yield current
        return
    reader = connections.create_connection(current.alias)
    try:
        reader.ensure_connection()
        reader.connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        reader.set_autocommit(False)
        yield reader
    finally:
        reader.close()


def _stream(
    connection: BaseDatabaseWrapper, sql: str, params: dict[str, Any]
) -> Iterator[list[tuple[Any, ...]]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows


def _fetch(
    connection: BaseDatabaseWrapper, sql: str, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def build_categories(project: ResearchProject) -> dict[str, Categories]:
    """Every numbering an export uses, in a fixed order (so numbers repeat across exports)."""
    registry: dict[str, Categories] = {}
    codes = Code.objects.order_by("list_name", "sort_order", "code")
    by_list: dict[str, list[tuple[Hashable, str]]] = {}
    for code in codes:
        by_list.setdefault(code.list_name, []).append((code.pk, code.label))
    for code_list in CodeList:
        registry[f"code:{code_list.value}"] = Categories.of(by_list.get(code_list.value, []))
    registry["status"] = Categories.of(Status.choices)
    registry["goal_status"] = Categories.of(GoalStatus.choices)
    registry["member_role"] = Categories.of(FamilyMember.Role.choices)
    registry["school_level"] = Categories.of(SchoolStatus.Level.choices)
    registry["school_status"] = Categories.of(SchoolStatus.Status.choices)
    offices = project.offices.all()
    registry["programme"] = Categories.of(
        (p.pk, p.name) for p in Programme.objects.filter(office__in=offices).order_by("name", "pk")
    )
    registry["arm"] = Categories.of(
        (arm.pk, f"{arm.programme.name}: {arm.name}")
        for arm in StudyArm.objects.filter(programme__office__in=offices)
        .select_related("programme")
        .order_by("programme__name", "position", "pk")
    )
    registry["sample"] = Categories.of(
        (
            s.pk,
            _("Sample %(number)s (drawn %(month)s)")
            % {"number": s.number, "month": f"{s.drawn_at:%Y-%m}"},
        )
        for s in Sample.objects.filter(project=project).order_by("number")
    )
    return registry


def _key_variable(spec_key: str) -> Variable:
    if spec_key == "family":
        return Variable("family", _("The family's pseudonym (this project only)"), "string")
    return Variable("person", _("The person's pseudonym (this project only)"), "string")


Emit = Callable[[Any, int, datetime.date | None], Sequence[Cell]]
# How a column of one kind becomes its variables and the way a raw value becomes their
# cells. The arguments: the column, its categories (None where it has none), whether dates
# are relative, and the project's key. An emit's arguments: the raw value, the person's
# shift of dates in days, and their reference date (where dates are relative).
ColumnKindOf = Callable[[Column, Categories | None, bool, ProjectKey], tuple[list[Variable], Emit]]


def _column(
    column: Column, categories: Categories | None, relative: bool, key: ProjectKey
) -> tuple[list[Variable], Emit]:
    """The variables one column becomes, and how a raw value becomes their cells."""
    if (column.relative_only and not relative) or (categories is not None and categories.hidden):
        return [], _no_cells
    return COLUMN_KINDS[column.kind](column, categories, relative, key)


def _no_cells(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
    return ()


def _family_column(
    column: Column, categories: Categories | None, relative: bool, key: ProjectKey
) -> tuple[list[Variable], Emit]:
    """A family, as the family's pseudonym."""

    def emit(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
        return (key.pseudonym("family", v),)

    return [Variable(column.name, str(column.label), "string")], emit


def _integer_column(
    column: Column, categories: Categories | None, relative: bool, key: ProjectKey
) -> tuple[list[Variable], Emit]:
    variable = Variable(column.name, str(column.label), "integer", str(column.unit))
    return [variable], _as_it_is


def _as_it_is(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
    return (v,)


def _flag_column(
    column: Column, categories: Categories | None, relative: bool, key: ProjectKey
) -> tuple[list[Variable], Emit]:
    return [Variable(column.name, str(column.label), "flag", labels=no_yes())], _as_flag


def _as_flag(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
    return (None if v is None else int(v),)


def _category_column(
    column: Column, categories: Categories | None, relative: bool, key: ProjectKey
) -> tuple[list[Variable], Emit]:
    """A category, as its number in the numbering of the column's categories."""
    assert categories is not None
    variable = Variable(column.name, str(column.label), "category", labels=dict(categories.labels))

    def emit(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
        return (categories.value(v),)

    return [variable], emit


def _codes_column(
    column: Column, categories: Categories | None, relative: bool, key: ProjectKey
) -> tuple[list[Variable], Emit]:
    """Several codes, as a flag per code kept, and one for the rest where codes were merged."""
    assert categories is not None
    label = str(column.label)
    kept = categories.kept()
    variables = [
        Variable(f"{column.name}_{n}", f"{label}: {categories.labels[n]}", "flag", labels=no_yes())
        for _key, n in kept
    ]
    keys = [key for key, _n in kept]
    known = set(keys)
    if categories.merged:
        variables.append(
            Variable(
                f"{column.name}_other",
                f"{label}: {categories.labels[OTHER]}",
                "flag",
                labels=no_yes(),
            )
        )

    def emit(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
        present = set(v)
        flags = [int(key in present) for key in keys]
        return [*flags, int(bool(present - known))] if categories.merged else flags

    return variables, emit


def _date_column(
    column: Column, categories: Categories | None, relative: bool, key: ProjectKey
) -> tuple[list[Variable], Emit]:
    """A date: shifted per person, or days since the reference date plus the year."""
    label = str(column.label)
    if not relative:
        return [Variable(column.name, label, "date")], _shifted
    variables = [
        Variable(
            f"{column.name}_day",
            _("%(label)s: days since the first case episode") % {"label": label},
            "integer",
            _("days"),
        ),
        Variable(f"{column.name}_year", _("%(label)s: year") % {"label": label}, "integer"),
    ]
    return variables, _days_and_year


def _shifted(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
    return (None if v is None else v + datetime.timedelta(days=s),)


def _days_and_year(v: Any, s: int, r: datetime.date | None) -> Sequence[Cell]:
    if v is None:
        return (None, None)
    return ((v - r).days if r is not None else None, v.year)


COLUMN_KINDS: dict[ColumnKind, ColumnKindOf] = {
    "family": _family_column,
    "integer": _integer_column,
    "flag": _flag_column,
    "category": _category_column,
    "codes": _codes_column,
    "date": _date_column,
}


class Exporter:
    """One run of one export into a directory of data files."""

    def __init__(
        self,
        *,
        project: ResearchProject,
        tables: Sequence[str],
        formats: Sequence[str],
        directory: Path,
        as_of: datetime.date,
        progress: Progress | None = None,
    ) -> None:
        self.project = project
        self.scope = Scope(project=project, as_of=as_of)
        self.tables = [t.value for t in Table if t.value in set(tables)]
        self.formats = list(formats)
        self.directory = directory
        self.progress = progress or (lambda stage, percent: None)
        self.result = ExportResult(
            directory=directory, tables=self.tables, formats=self.formats, as_of=as_of
        )
        self.relative = project.date_mode == ResearchProject.DateMode.RELATIVE
        # One run, one key and one population: built once here, not again for every table.
        self.key = ProjectKey(bytes(project.secret))
        self.population = with_population(self.scope)

    def run(self) -> ExportResult:
        self.directory.mkdir(parents=True, exist_ok=True)
        with snapshot() as connection:
            self.progress("persons", 2)
            removed = self._persons(connection)
            params = self._params(removed)
            categories = build_categories(self.project)
            others = [t for t in self.tables if t != Table.PERSONS]
            for number, table in enumerate(others):
                self.progress(table, 15 + 80 * number // max(len(others), 1))
                self._table(connection, SPECS[table], params, categories)
        self.progress("archive", 96)
        return self.result

    def _params(self, removed: list[int]) -> dict[str, Any]:
        kinds = list(Code.objects.of(CodeList.BENEFIT_KIND))
        return {
            **self.scope.params(removed),
            "assistance_kinds": [c.pk for c in kinds if c.attribute("social_assistance")],
            "activity_kinds": [c.pk for c in kinds if c.code in ACTIVITY_KINDS],
        }

    def source_queries(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Each table's rows as the database gives them, before pseudonyms, generalisation
        and checks: what the benchmark copies with COPY to compare the export with."""
        params = self._params([])
        queries = [(str(Table.PERSONS), persons_sql(self.scope), self.scope.params([]))]
        for table in self.tables:
            if table != Table.PERSONS:
                queries.append((table, self.population + SPECS[table].select_sql(), params))
        return queries

    def _persons(self, connection: BaseDatabaseWrapper) -> list[int]:
        """Make the persons table k-anonymous; return who had to be left out of every table."""
        people = [
            RawPerson(
                key=row[0],
                gender=row[1],
                birth_date=row[2],
                region=row[3],
                refugee=row[4],
                arrival_year=row[5],
                office=row[6],
            )
            for row in _fetch(connection, persons_sql(self.scope), self.scope.params([]))
        ]
        offices = [(o.pk, o.name) for o in self.project.offices.order_by("name")]
        identifiers = anonymity.quasi_identifiers(
            age_on_date=self.project.period_end,
            as_of=self.scope.as_of,
            offices=offices,
            include_office=self.project.include_office,
        )
        result = anonymity.k_anonymise(people, identifiers, k=self.project.k)
        del people  # not held while the table is written (a few hundred bytes a person)
        numbering = result.categories()
        rows = sorted(
            (
                self.key.pseudonym("client", person_key),
                *(
                    numbering[qi.name].numbers.get(value, OTHER)
                    for qi, value in zip(identifiers, values, strict=True)
                ),
            )
            for person_key, values in result.rows
        )
        self.result.persons = len(rows)
        self.result.client_ids = sorted(person_key for person_key, _values in result.rows)
        self.result.anonymity = {
            "k": self.project.k,
            "levels": {qi.name: str(qi.levels[result.levels[qi.name]].name) for qi in identifiers},
            "suppressed": dict(result.suppressed),
            "removed": len(result.removed),
        }
        if Table.PERSONS in self.tables:
            variables = [_key_variable("person")] + [
                Variable(qi.name, str(qi.label), "category", labels=dict(numbering[qi.name].labels))
                for qi in identifiers
            ]
            self._write(Table.PERSONS, variables, [rows])
            self._check_k_anonymity(variables)
        return result.removed

    def _check_k_anonymity(self, variables: list[Variable]) -> None:
        """Read every persons file back with its own reader: each combination occurs ≥ k times."""
        for fmt in self.formats:
            header, rows = iter_table(self.directory / f"{Table.PERSONS}.{fmt}")
            if header != [v.name for v in variables]:
                raise ExportCheckFailed(f"persons.{fmt} has unexpected columns")
            # Counted as the file is read: the combinations, not the rows, are held.
            smallest = anonymity.smallest_group(row[1:] for row in rows)
            if 0 < smallest < self.project.k:
                raise ExportCheckFailed(f"persons.{fmt}: a combination occurs {smallest} times")

    def _table(
        self,
        connection: BaseDatabaseWrapper,
        spec: TableSpec,
        params: dict[str, Any],
        registry: dict[str, Categories],
    ) -> None:
        variables = [_key_variable(spec.key)]
        emitters: list[Emit] = []
        for column in spec.columns:
            categories = None
            if column.categories:
                categories = self._categories(connection, spec, column, params, registry)
            column_variables, emit = _column(column, categories, self.relative, self.key)
            variables.extend(column_variables)
            emitters.append(emit)

        def cells(block: list[tuple[Any, ...]], pseudonym: str, shift: int) -> list[list[Cell]]:
            out = []
            for row in block:
                row_cells: list[Cell] = [pseudonym]
                for emit, value in zip(emitters, row[3:], strict=True):
                    row_cells.extend(emit(value, shift, row[2]))
                out.append(row_cells)
            return out

        rows = self._ticking(
            spec.table, _stream(connection, self.population + spec.select_sql(), params)
        )
        with tempfile.TemporaryFile(dir=self.directory) as spool:
            blocks = _spool_by_pseudonym(rows, self.key, cells, spool)
            self._write(spec.table, variables, _in_pseudonym_order(blocks, spool))

    def _ticking(
        self, stage: str, chunks: Iterator[list[tuple[Any, ...]]]
    ) -> Iterator[list[tuple[Any, ...]]]:
        for chunk in chunks:
            self.progress(stage, None)
            yield chunk

    def _categories(
        self,
        connection: BaseDatabaseWrapper,
        spec: TableSpec,
        column: Column,
        params: dict[str, Any],
        registry: dict[str, Categories],
    ) -> Categories:
        """The column's numbering, with codes used by fewer than k persons merged."""
        categories = registry[column.categories].copy()
        counts = dict(_fetch(connection, self.population + spec.counts_sql(column), params))

        def persons_in(keys: list[Hashable]) -> int:
            union = self.population + spec.union_count_sql(column)
            return int(_fetch(connection, union, {**params, "codes": keys})[0][0])

        categories.merge_rare(counts, self.project.k, persons_in)
        name = f"{spec.table}.{column.name}"
        if categories.hidden:
            self.result.hidden.append(name)
        elif categories.merged:
            self.result.merged[name] = sorted(categories.merged)
        return categories

    def _write(self, table: str, variables: list[Variable], chunks: Any) -> None:
        title = str(Table(table).label)
        writers: list[TableWriter] = [
            open_writer(fmt, self.directory, table, variables, title) for fmt in self.formats
        ]
        count = 0
        for chunk in chunks:
            for writer in writers:
                writer.write(chunk)
            count += len(chunk)
            self.progress(table, None)
        for writer in writers:
            writer.close()
        self.result.rows[table] = count
        self.result.variables[table] = variables
        for writer in writers:
            self.result.files[writer.path.name] = sha256_of(writer.path)


Block = tuple[str, int, int]  # (pseudonym, offset in the spool, length)


def _spool_by_pseudonym(
    chunks: Iterator[list[tuple[Any, ...]]],
    key: ProjectKey,
    cells: Callable[[list[tuple[Any, ...]], str, int], list[list[Cell]]],
    spool: IO[bytes],
) -> list[Block]:
    """Write each person's rows to the spool; return where, to be read in pseudonym order.

    The database sends one person's rows together; only the list of people, not
    their rows, is held in memory while they are put in order.
    """
    blocks: list[Block] = []
    current: tuple[str, str] | None = None
    block: list[tuple[Any, ...]] = []

    def flush() -> None:
        if current is None:
            return
        kind, ident = current
        pseudonym = key.pseudonym(kind, ident)
        data = pickle.dumps(cells(block, pseudonym, key.shift_days(kind, ident)))
        blocks.append((pseudonym, spool.tell(), len(data)))
        spool.write(data)

    for chunk in chunks:
        for row in chunk:
            owner = (row[0], row[1])
            if owner != current:
                flush()
                current, block = owner, []
            block.append(row)
    flush()
    blocks.sort()
    return blocks


def _in_pseudonym_order(blocks: list[Block], spool: IO[bytes]) -> Iterator[list[list[Cell]]]:
    chunk: list[list[Cell]] = []
    for _pseudonym, offset, length in blocks:
        spool.seek(offset)
        # Our own bytes, written a moment ago to a private temporary file.
        chunk.extend(pickle.loads(spool.read(length)))  # noqa: S301
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
