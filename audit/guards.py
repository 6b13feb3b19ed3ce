"""Database triggers that make history tables and the access log append-only."""

from typing import Any

from django.db import connections

from core.append_only import append_only_tables

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION husk_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'HUSK: % on % refused: history and access log are append-only',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

TRIGGER_SQL = """
DROP TRIGGER IF EXISTS husk_append_only ON {table};
CREATE TRIGGER husk_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION husk_refuse_change();
"""


def install_append_only_guards(using: str = "default", **_: Any) -> None:
    """post_migrate handler: idempotent, so it runs after every migrate."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in append_only_tables():
            if table in existing:
                cursor.execute(TRIGGER_SQL.format(table=connection.ops.quote_name(table)))
