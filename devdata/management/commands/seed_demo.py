"""manage.py seed_demo: load the synthetic demo data (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from devdata.demo import DEMO_PASSWORD, DEMO_USERS, seed_organisation
from devdata.demo.clients import CLIENTS_PER_OFFICE


class Command(BaseCommand):
    help = "Create the demo offices and users (synthetic people only). Safe to run twice."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--clients-per-office",
            type=int,
            default=CLIENTS_PER_OFFICE,
            help="How many synthetic clients each demo office gets (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed_organisation(clients_per_office=options["clients_per_office"])
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for demo in DEMO_USERS:
            where = f" – {demo.office.capitalize()}" if demo.office else ""
            self.stdout.write(f"  {demo.username:<22} {demo.role.label}{where}")
