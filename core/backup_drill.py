"""The backup drill: pg_dump, pg_restore into a scratch database, and proof the copy is whole.

The dump is taken in a snapshot exported from a transaction of the drill's own, and the
source's rows are counted in that same snapshot: on a live system, where rows are added
while the drill runs, the counts compare what the dump holds, not what came after it.
"""

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ

from core import pgtools
from core.append_only import append_only_tables

USER_TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%%' ORDER BY 1, 2
"""
# What protects the data besides the rows: compared between source and copy as sets.
PROTECTIONS = {
    "triggers": """
        SELECT c.relname || ': ' || pg_get_triggerdef(t.oid) || ' [' || t.tgenabled::text || ']'
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal""",
    "rules": "SELECT tablename || ': ' || definition FROM pg_rules WHERE schemaname = 'public'",
    "permissions": """
        SELECT c.relname || ': owner ' || pg_get_userbyid(c.relowner)
               || ', ' || coalesce(c.relacl::text, 'default')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')""",
    "functions": """
        SELECT pg_get_functiondef(p.oid) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')""",
}
# Sequences are not compared with the source (their values are outside transactions, and
# move on while the drill runs): each must be past the highest id its column holds.
OWNED_SEQUENCES = """
SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
ORDER BY 1, 2
"""
GUARD = "husk_append_only"


@dataclass
class Report:
    database: str
    scratch: str
    rows: list[tuple[str, int, int | None]] = field(default_factory=list)
    protections: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    guard_failures: list[str] = field(default_factory=list)
    guarded: int = 0
    sequence_failures: list[str] = field(default_factory=list)
    sequences: int = 0
    dump_bytes: int = 0
    dump_seconds: float = 0.0
    restore_seconds: float = 0.0

    @property
    def row_differences(self) -> list[tuple[str, int, int | None]]:
        return [row for row in self.rows if row[1] != row[2]]

    @property
    def protection_differences(self) -> dict[str, tuple[set[str], set[str]]]:
        """What the source has and the copy lacks, and what the copy has in addition."""
        return {
            what: (source - restored, restored - source)
            for what, (source, restored) in self.protections.items()
            if source != restored
        }

    @property
    def ok(self) -> bool:
        return not (
            self.row_differences
            or self.protection_differences
            or self.guard_failures
            or self.sequence_failures
        )

    def lines(self) -> list[str]:
        out = [
            f"Backup drill of {self.database}: dump {self.dump_bytes / 1e6:.1f} MB "
            f"in {self.dump_seconds:.1f} s, restored into {self.scratch} "
            f"in {self.restore_seconds:.1f} s.",
            "",
            f"{'table':<58} {'source':>10} {'restored':>10}",
        ]
        for table, source, restored in self.rows:
            mark = "" if source == restored else "   <-- DIFFERENT"
            shown = "missing" if restored is None else str(restored)
            out.append(f"{table:<58} {source:>10} {shown:>10}{mark}")
        out.append("")
        for what, (in_source, in_copy) in self.protections.items():
            same = "same" if in_source == in_copy else "DIFFERENT"
            out.append(f"{what}: {len(in_source)} in the source, {len(in_copy)} restored: {same}")
        for what, (lacking, extra) in self.protection_differences.items():
            out += [f"  missing after restore ({what}): {item}" for item in sorted(lacking)]
            out += [f"  only in the restored copy ({what}): {item}" for item in sorted(extra)]
        out.append(
            f"append-only guards: {self.guarded} tables refuse UPDATE and DELETE after restore"
        )
        out += [f"  NOT GUARDED: {failure}" for failure in self.guard_failures]
        out.append(f"sequences: {self.sequences} checked, each past the highest id of its column")
        out += [f"  BEHIND: {failure}" for failure in self.sequence_failures]
        out.append("")
        total = sum(source for _table, source, _restored in self.rows)
        if self.ok:
            out.append(
                f"PASSED: {len(self.rows)} tables, {total} rows, every count and protection "
                "the same after restore."
            )
        else:
            out.append(
                f"FAILED: {len(self.row_differences)} tables with other row counts, "
                f"{len(self.protection_differences)} kinds of protection different, "
                f"{len(self.guard_failures)} append-only guard failures, "
                f"{len(self.sequence_failures)} sequences behind their ids."
            )
        return out


def count_rows(cursor: Any) -> dict[str, int]:
    cursor.execute(USER_TABLES)
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table)))
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def protections(cursor: Any) -> dict[str, set[str]]:
    found = {}
    for what, query in PROTECTIONS.items():
        cursor.execute(query)
        found[what] = {row[0] for row in cursor.fetchall()}
    return found


def check_guards(connection: Any) -> tuple[int, list[str]]:
    """Try to change every append-only table of the copy, in a transaction rolled back: each
    attempt must be refused by the database itself. The statements match no row; the guards
    are statement triggers, so they refuse them all the same."""
    failures = []
    tables = append_only_tables()
    with connection.cursor() as cursor:
        for table in tables:
            for statement in ("UPDATE {} SET id = id WHERE false", "DELETE FROM {} WHERE false"):
                cursor.execute("SAVEPOINT husk_drill")
                try:
                    cursor.execute(sql.SQL(statement).format(sql.Identifier(table)))
                except psycopg2.Error as error:
                    if "append-only" not in str(error):
                        failures.append(f"{table}: {str(error).strip()}")
                else:
                    failures.append(f"{table}: {statement.split()[0]} was allowed")
                cursor.execute("ROLLBACK TO SAVEPOINT husk_drill")
    connection.rollback()
    return len(tables) - len({failure.split(":")[0] for failure in failures}), failures


def check_sequences(cursor: Any) -> tuple[int, list[str]]:
    """A restored sequence behind its column would hand out ids already taken."""
    cursor.execute(OWNED_SEQUENCES)
    owned = cursor.fetchall()
    failures = []
    for table, column, sequence in owned:
        cursor.execute(
            sql.SQL("SELECT coalesce(max({}), 0) FROM {}").format(
                sql.Identifier(column), sql.Identifier(table)
            )
        )
        highest = cursor.fetchone()[0]
        # NULL until the sequence has handed out its first value.
        cursor.execute("SELECT coalesce(pg_sequence_last_value(%s::regclass), 0)", [sequence])
        handed_out = cursor.fetchone()[0]
        if handed_out < highest:
            failures.append(f"{sequence} at {handed_out}, {table}.{column} holds {highest}")
    return len(owned), failures


def compare(
    report: Report, source_counts: dict[str, int], source_protections: Any, copy: Any
) -> None:
    """Fill the report from the source's figures and a connection to the restored copy."""
    with copy.cursor() as cursor:
        restored_counts = count_rows(cursor)
        restored_protections = protections(cursor)
        report.sequences, report.sequence_failures = check_sequences(cursor)
    copy.rollback()
    report.rows = [(table, n, restored_counts.get(table)) for table, n in source_counts.items()]
    report.rows += [
        (f"{table} (only in the copy)", 0, n)
        for table, n in restored_counts.items()
        if table not in source_counts
    ]
    report.protections = {
        what: (source_protections[what], restored_protections[what]) for what in PROTECTIONS
    }
    report.guarded, report.guard_failures = check_guards(copy)


def drill(
    alias: str = "default",
    dump_to: Path | None = None,
    keep: bool = False,
    say: Callable[[str], None] = lambda _line: None,
) -> Report:
    """Dump the alias's database, restore it into `<name>_drill` on the same server, compare."""
    name = pgtools.database_name(alias)
    scratch = f"{name}_drill"
    report = Report(database=name, scratch=scratch)
    args, env = pgtools.command_args(alias)
    major = pgtools.server_major_version(alias)
    workdir = Path(tempfile.mkdtemp(prefix="husk-drill-"))
    dump = dump_to or workdir / f"{name}.dump"
    source = pgtools.connect(alias)
    source.set_session(isolation_level=ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
    try:
        with source.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            say(f"Dumping {name} (custom format) to {dump} …")
            began = time.perf_counter()
            pgtools.run(
                [
                    pgtools.program("pg_dump", major),
                    *args,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    name,
                ],
                env,
            )
            report.dump_seconds = time.perf_counter() - began
            report.dump_bytes = dump.stat().st_size
            # In the dump's own snapshot: the rows the dump holds.
            source_counts = count_rows(cursor)
            source_protections = protections(cursor)
    finally:
        source.rollback()
        source.close()
    _recreate(alias, name, scratch)
    try:
        say(f"Restoring into {scratch} …")
        began = time.perf_counter()
        pgtools.run(
            [
                pgtools.program("pg_restore", major),
                *args,
                "--exit-on-error",
                f"--dbname={scratch}",
                str(dump),
            ],
            env,
        )
        report.restore_seconds = time.perf_counter() - began
        copy = pgtools.connect(alias, scratch)
        try:
            compare(report, source_counts, source_protections, copy)
        finally:
            copy.close()
    finally:
        if not keep:
            _drop(alias, scratch)
        if dump_to is None:
            dump.unlink(missing_ok=True)
        workdir.rmdir()
    return report


def _admin(alias: str) -> Any:
    """Autocommit on the server's maintenance database: CREATE and DROP DATABASE."""
    connection = pgtools.connect(alias, "postgres")
    connection.autocommit = True
    return connection


def _recreate(alias: str, source: str, scratch: str) -> None:
    """A fresh scratch database with the source's encoding and collation; one left by an
    interrupted drill is the drill's own. From template0: template1 may hold other objects."""
    _drop(alias, scratch)
    connection = _admin(alias)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                "WHERE datname = %s",
                [source],
            )
            encoding, collate, ctype = cursor.fetchone()
            cursor.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}"
                ).format(
                    sql.Identifier(scratch),
                    sql.Literal(encoding),
                    sql.Literal(collate),
                    sql.Literal(ctype),
                )
            )
    finally:
        connection.close()


def _drop(alias: str, scratch: str) -> None:
    connection = _admin(alias)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
    finally:
        connection.close()
