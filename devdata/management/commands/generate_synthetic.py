"""Build the synthetic datasets of docs/performance.md (small for tests, national for bench)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devdata.synthetic import PROFILES, generate


class Command(BaseCommand):
    help = "Add a synthetic dataset (no real people) of the given profile to the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=sorted(PROFILES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Do not ask before adding to a database that already holds clients.",
        )

    def handle(self, *args: Any, profile: str, seed: int, yes: bool, **options: Any) -> None:
        from clients.models import Client

        if not yes and Client.objects.exists():
            raise CommandError(
                "The database already holds clients; "
                "add --yes to add the synthetic ones beside them."
            )
        generate(PROFILES[profile], seed=seed, say=self.stdout.write)
