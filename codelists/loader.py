"""Loading the seed code lists from codelists/data/*.csv; administrators' edits are kept."""

import csv
from pathlib import Path
from typing import Any

from django.db import transaction

from audit import bulk
from audit.history import system_actor
from codelists.models import Code, CodeList

DATA_DIR = Path(__file__).resolve().parent / "data"
BASE_COLUMNS = {"code", "label_nb", "label_en", "sort_order"}


def _extra(row: dict[str, str]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for key, value in row.items():
        if key in BASE_COLUMNS or value in (None, ""):
            continue
        if value in {"0", "1"}:
            extra[key] = value == "1"
        else:
            extra[key] = value
    return extra


def seed_codes() -> list[Code]:
    codes = []
    for code_list in CodeList:
        path = DATA_DIR / f"{code_list.value}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as file:
            for position, row in enumerate(csv.DictReader(file)):
                codes.append(
                    Code(
                        list_name=code_list.value,
                        code=row["code"].strip(),
                        label_nb=row["label_nb"].strip(),
                        label_en=(row.get("label_en") or row["label_nb"]).strip(),
                        sort_order=int(row.get("sort_order") or position),
                        # A renumbered or merged kommune stays valid in old records
                        # but is not offered for new ones.
                        active=not row.get("valid_to"),
                        extra=_extra(row),
                    )
                )
    return codes


@transaction.atomic
def load_missing_codes() -> int:
    """Add the seed codes that are not in the database yet; return how many were added."""
    existing = set(Code.objects.values_list("list_name", "code"))
    missing = [c for c in seed_codes() if (c.list_name, c.code) not in existing]
    if missing:
        bulk.bulk_create(Code, missing, actor=system_actor("load_codelists"))
    return len(missing)


def load_missing_codes_after_migrate(**_: Any) -> None:
    load_missing_codes()
