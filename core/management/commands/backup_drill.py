"""manage.py backup_drill: dump, restore into a scratch database, compare; non-zero on any gap."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup_drill import drill


class Command(BaseCommand):
    help = (
        "Back up the database with pg_dump (custom format), restore it with pg_restore into "
        "a scratch database <name>_drill on the same server, and compare the row count of "
        "every table and the append-only protections. Exits non-zero on any difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="Database alias to drill.")
        parser.add_argument(
            "--dump", type=Path, help="Keep the dump at this path (by default it is deleted)."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the scratch database for inspection."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = drill(
                options["database"],
                dump_to=options["dump"],
                keep=options["keep"],
                say=self.stdout.write,
            )
        except (RuntimeError, FileNotFoundError) as error:
            raise CommandError(f"Backup drill FAILED: {error}") from None
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("Backup drill FAILED: the restored copy differs (see above).")
        self.stdout.write(self.style.SUCCESS("Backup drill passed."))
