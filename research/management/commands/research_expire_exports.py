"""manage.py research_expire_exports: delete the archives of exports whose time is up.

Workers do this before every export; run it from cron where exports are rare.
"""

from typing import Any

from django.core.management.base import BaseCommand

from audit.history import acting_as, system_actor
from research import services


class Command(BaseCommand):
    help = "Delete the archives of research exports that can no longer be downloaded."

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(system_actor("research_export")):
            count = services.exports_expire_due()
        self.stdout.write(f"{count} expired export archive(s) deleted.")
