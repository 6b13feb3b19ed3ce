"""The export log's details in words: each key of an event's detail with its label."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from research.models import ExportEvent, Format, Table


def _labels(choices: type[Table] | type[Format], values: Any) -> str:
    known = dict(choices.choices)
    return ", ".join(str(known.get(value, value)) for value in values or [])


def event_details(event: ExportEvent) -> list[tuple[str, str]]:
    """(label, value) for each detail the event records, in a fixed order; a key this
    version does not know is shown as it is, so nothing recorded is ever hidden."""
    detail: dict[str, Any] = dict(event.detail or {})
    shown: list[tuple[str, str]] = []
    if "tables" in detail:
        shown.append((_("Tables"), _labels(Table, detail.pop("tables"))))
    if "formats" in detail:
        shown.append((_("Formats"), _labels(Format, detail.pop("formats"))))
    if "reason" in detail:
        shown.append((_("Reason"), str(detail.pop("reason"))))
    if "error" in detail:
        shown.append((_("Error"), str(detail.pop("error"))))
    if "files" in detail:
        count = len(detail.pop("files") or [])
        shown.append((_("Files"), ngettext("%(n)s file", "%(n)s files", count) % {"n": count}))
    if "archive_sha256" in detail:
        shown.append((_("Checksum (SHA-256)"), str(detail.pop("archive_sha256"))))
    shown += [(str(key), str(value)) for key, value in detail.items()]
    return shown
