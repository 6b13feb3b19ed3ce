"""Database triggers that make history tables and the access log append-only."""

from typing import Any

from django.apps import apps
from django.db import connections
from simple_history.models import HistoricalChanges

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


def append_only_tables() -> list[str]:
    """Every history table and every model that declares ``APPEND_ONLY = True`` (the access
    log among them, through AppendOnlyModel)."""
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) or getattr(model, "APPEND_ONLY", False)
    )


def install_append_only_guards(using: str = "default", **_: Any) -> None:
    """post_migrate handler: idempotent, so it runs after every migrate."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in append_only_tables():
            if table in existing:
                cursor.execute(TRIGGER_SQL.format(table=connection.ops.quote_name(table)))
