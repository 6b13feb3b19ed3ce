"""The export log's details in words: each key of an event's detail with its label."""

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from research.models import ExportEvent, Format, Table


def _labels(choices: type[Table] | type[Format], values: Any) -> str:
    known = dict(choices.choices)
    return ", ".join(str(known.get(value, value)) for value in values or [])


def _files(files: Any) -> str:
    count = len(files or [])
    return ngettext("%(n)s file", "%(n)s files", count) % {"n": count}


# The details an event may record, in the order shown: key, label, and the value in words.
DETAILS: tuple[tuple[str, Promise, Callable[[Any], str]], ...] = (
    ("tables", _("Tables"), lambda tables: _labels(Table, tables)),
    ("formats", _("Formats"), lambda formats: _labels(Format, formats)),
    ("reason", _("Reason"), str),
    ("error", _("Error"), str),
    ("files", _("Files"), _files),
    ("archive_sha256", _("Checksum (SHA-256)"), str),
)


def event_details(event: ExportEvent) -> list[tuple[str, str]]:
    """(label, value) for each detail the event records, in a fixed order; a key this
    version does not know is shown as it is, so nothing recorded is ever hidden."""
    detail: dict[str, Any] = dict(event.detail or {})
    shown = [(str(label), words(detail.pop(key))) for key, label, words in DETAILS if key in detail]
    return shown + [(str(key), str(value)) for key, value in detail.items()]
