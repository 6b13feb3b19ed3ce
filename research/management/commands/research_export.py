"""manage.py research_export <project> --format csv,sav --out <dir>: the export, scripted.

The same code as an export requested on the web, run in this process instead
of on a worker: the data files are the same, byte for byte. The archive goes
to --out. The run is logged like any other.
"""

import getpass
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.history import acting_as, system_actor
from research import services
from research.models import Format, ResearchProject, Table


def _choices(value: str, allowed: list[str], what: str) -> list[str]:
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    unknown = sorted(set(chosen) - set(allowed))
    if unknown or not chosen:
        raise CommandError(
            f"Unknown {what}: {', '.join(unknown) or '(none)'}; choose from {', '.join(allowed)}."
        )
    return chosen


class Command(BaseCommand):
    help = "Make an anonymised research export of an approved project into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="The project's short name (or its number).")
        parser.add_argument(
            "--format", default="csv", help="Comma-separated: " + ",".join(Format.values)
        )
        parser.add_argument(
            "--tables",
            default="",
            help="Comma-separated (default: every table the project may receive).",
        )
        parser.add_argument("--out", required=True, type=Path, help="Directory for the archive.")

    def handle(self, *args: Any, **options: Any) -> None:
        lookup = (
            {"pk": int(options["project"])}
            if options["project"].isdigit()
            else {"code": options["project"]}
        )
        project = ResearchProject.objects.filter(**lookup).first()
        if project is None:
            raise CommandError(f"No research project {options['project']!r}.")
        formats = _choices(options["format"], list(Format.values), "format")
        tables = (
            _choices(options["tables"], list(project.tables), "table")
            if options["tables"]
            else [t for t in Table.values if t in project.tables]
        )
        try:
            services.check_may_export(project=project)
        except services.ExportRefused as refusal:
            raise CommandError(refusal.messages[0]) from None

        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        actor = system_actor("research_export")
        with acting_as(actor), tempfile.TemporaryDirectory(prefix="husk-export-") as work:
            result, archive, made_at = services.export_build(
                project=project,
                tables=tables,
                formats=formats,
                work=Path(work),
                progress=lambda stage, percent: (
                    self.stderr.write(f"{stage} …") if percent is not None else None
                ),
            )
            target = out / f"{project.code}-{made_at:%Y%m%d-%H%M%S}.zip"
            shutil.copyfile(archive, target)
            services.export_completed(
                project=project,
                user=actor,
                result=result,
                detail={
                    "command": "research_export",
                    "os_user": getpass.getuser(),
                    "tables": tables,
                    "formats": formats,
                },
            )
        self.stdout.write(f"{target} ({result.persons} persons)")
