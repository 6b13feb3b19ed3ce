"""manage.py load_codelists: add seed codes that are missing (administrators' edits are kept)."""

from typing import Any

from django.core.management.base import BaseCommand

from codelists.loader import load_missing_codes


class Command(BaseCommand):
    help = "Add the seed codes from codelists/data/ that are not in the database yet."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Added {load_missing_codes()} codes.")
