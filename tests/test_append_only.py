"""History and the access log can be added to, never changed or deleted."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AccessLog, AppendOnlyError
from clients.models import Client
from core.append_only import append_only_tables
from organisation.models import User


@pytest.fixture
def log_entry(caseworker_heimdal: User, client_heimdal: Client) -> AccessLog:
    return AccessLog.objects.create(
        user=caseworker_heimdal,
        roles="caseworker",
        action="view",
        view_name="clients:detail",
        client_ids=[client_heimdal.pk],
        allowed=True,
    )


def test_the_orm_refuses_to_change_the_access_log(log_entry: AccessLog) -> None:
    log_entry.allowed = False
    with pytest.raises(AppendOnlyError):
        log_entry.save()
    with pytest.raises(AppendOnlyError):
        log_entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=log_entry.pk).update(allowed=False)
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()


@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_history_or_the_log(
    log_entry: AccessLog, client_heimdal: Client, statement: str
) -> None:
    for table in append_only_tables():
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.format(table=connection.ops.quote_name(table)) + " WHERE true")


def test_every_history_table_is_guarded(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'husk_append_only'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert set(append_only_tables()) <= guarded
    assert {"clients_historicalclient", "audit_accesslog"} <= guarded
