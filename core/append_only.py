"""Which tables are append-only: every history table and every model that says APPEND_ONLY."""

from django.apps import apps
from simple_history.models import HistoricalChanges


def append_only_tables() -> list[str]:
    """Every history table and every model that declares ``APPEND_ONLY = True`` (the access
    log among them, through AppendOnlyModel)."""
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) or getattr(model, "APPEND_ONLY", False)
    )
