"""Workflows of research: approval, consent, samples, and requesting and delivering exports."""

import datetime
import logging
import random
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access_log import log_read
from audit.models import AccessLog
from clients.models import BenefitPeriod, CaseEpisode, Client
from core.periods import overlapping
from followup.models import Enrolment, Programme
from organisation.models import Office, User
from organisation.selectors import manages, manages_every_office
from research.export.archive import build_archive
from research.export.runner import Exporter, ExportResult, Progress, sha256_of
from research.models import (
    Consent,
    Export,
    ExportEvent,
    Format,
    ProjectApproval,
    ResearchProject,
    Sample,
    SampleMember,
    Table,
)

logger = logging.getLogger(__name__)


class ExportRefused(ValidationError):
    """The project may not export now (unapproved, expired, or not this user's)."""


# Approval ---------------------------------------------------------------------


def offices_to_approve(*, project: ResearchProject, user: User) -> list[Office]:
    """The covered offices this user may approve for: all of them for an administrator."""
    # The offices are prefetched on the pages that list projects: filtered here, not queried.
    return [office for office in project.offices.all() if manages(user, office)]


def pending_approval(*, project: ResearchProject, offices: list[Office]) -> list[Office]:
    """The offices among these whose approval of the project's current scope is missing."""
    approved = project.approval_state().approved
    return [office for office in offices if office.pk not in approved]


@transaction.atomic
def project_approve(*, project: ResearchProject, by: User) -> list[ProjectApproval]:
    """Approve the project's current scope for the offices this user answers for."""
    offices = offices_to_approve(project=project, user=by)
    if not offices:
        raise ValidationError(_("You cannot approve this project: it covers none of your offices."))
    offices = pending_approval(project=project, offices=offices)
    if not offices:
        raise ValidationError(_("The project is approved already for the offices you answer for."))
    digest = project.scope_digest()
    if manages_every_office(by):
        return [
            ProjectApproval.objects.create(project=project, office=None, by=by, scope_digest=digest)
        ]
    return [
        ProjectApproval.objects.create(project=project, office=office, by=by, scope_digest=digest)
        for office in offices
    ]


# Consent ----------------------------------------------------------------------


@transaction.atomic
def consent_give(
    *, project: ResearchProject, client: Client, given_on: datetime.date, by: User
) -> Consent:
    if project.legal_basis != ResearchProject.LegalBasis.CONSENT:
        raise ValidationError(_("This project does not rest on consent."))
    if not project.offices.filter(pk=client.office_id).exists():
        raise ValidationError(_("The project does not cover the client's office."))
    if Consent.objects.filter(project=project, client=client, withdrawn_on__isnull=True).exists():
        raise ValidationError(_("The client has already consented to this project."))
    return Consent.objects.create(project=project, client=client, given_on=given_on, recorded_by=by)


@transaction.atomic
def consent_withdraw(*, consent: Consent, withdrawn_on: datetime.date) -> Consent:
    """From this day on the person is left out of every export of the project."""
    if withdrawn_on < consent.given_on:
        raise ValidationError(_("Consent cannot be withdrawn before it was given."))
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on"])
    return consent


# Samples ----------------------------------------------------------------------


def sample_eligible(*, project: ResearchProject, criteria: dict[str, Any]) -> "list[int]":
    """Ids of the clients a sample may draw from, in id order (so a seed repeats the draw)."""
    start = datetime.date.fromisoformat(criteria["start"])
    end = datetime.date.fromisoformat(criteria["end"])
    clients = Client.objects.filter(
        office__in=project.offices.filter(pk__in=criteria["offices"]), status=Client.Status.ACTIVE
    ).filter(
        pk__in=CaseEpisode.objects.filter(overlapping("opened_on", "closed_on", start, end)).values(
            "client"
        )
    )
    if criteria.get("benefit"):
        clients = clients.filter(
            pk__in=BenefitPeriod.objects.filter(
                overlapping("start", "end", start, end), kind__code=criteria["benefit"]
            ).values("client")
        )
    if criteria.get("programme"):
        clients = clients.filter(
            pk__in=Enrolment.objects.filter(programme_id=criteria["programme"]).values("client")
        )
    if criteria.get("refugee_background") is not None:
        clients = clients.filter(refugee_background=criteria["refugee_background"])
    if project.legal_basis == ResearchProject.LegalBasis.CONSENT:
        today = timezone.localdate()
        clients = clients.filter(
            pk__in=Consent.objects.filter(project=project, given_on__lte=today)
            .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
            .values("client")
        )
    return list(clients.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def sample_draw(
    *,
    project: ResearchProject,
    by: User,
    offices: list[Office],
    criteria: dict[str, Any],
    size: int,
    programme: Programme | None = None,
    seed: int | None = None,
) -> Sample:
    """Draw a random sample of the clients of some of the project's offices.

    The offices, criteria and seed are recorded, so the draw can be repeated. Only
    an approved project that has not expired draws samples.
    """
    check_may_export(project=project)
    # One draw at a time per project, so that sample numbers are not taken twice.
    ResearchProject.objects.select_for_update().filter(pk=project.pk).get()
    criteria = {**criteria, "offices": sorted(office.pk for office in offices)}
    eligible = sample_eligible(project=project, criteria=criteria)
    seed = secrets.randbits(62) if seed is None else seed
    chosen = sorted(random.Random(seed).sample(eligible, min(size, len(eligible))))  # noqa: S311 - reproducible by design
    last = Sample.objects.filter(project=project).order_by("-number").first()
    sample = Sample.objects.create(
        project=project,
        number=last.number + 1 if last else 1,
        programme=programme,
        criteria=criteria,
        size=size,
        seed=seed,
        eligible=len(eligible),
        drawn=len(chosen),
        drawn_by=by,
    )
    SampleMember.objects.bulk_create(
        SampleMember(sample=sample, client_id=client_id) for client_id in chosen
    )
    return sample


# Exports ----------------------------------------------------------------------


def check_may_export(*, project: ResearchProject, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    if project.is_expired(today):
        raise ExportRefused(
            _("The project expired on %(date)s: it exports nothing.")
            % {"date": project.expires_on.strftime("%d.%m.%Y")}
        )
    if not project.approval_state().complete:
        raise ExportRefused(
            _("The project is not approved for every office it covers: it exports nothing.")
        )


def check_may_request(*, project: ResearchProject, user: User, tables: Sequence[str]) -> None:
    """What an export needs, checked when it is requested and again when the worker runs it."""
    if not project.members.filter(pk=user.pk).exists():
        raise ExportRefused(_("Only the project's members can request exports."))
    check_may_export(project=project)
    if not tables or set(tables) - set(project.tables):
        raise ExportRefused(_("Choose tables the project is allowed to receive."))


def export_request(
    *, project: ResearchProject, by: User, tables: Sequence[str], formats: Sequence[str]
) -> Export:
    """Queue an export for the worker; a refused request is logged too."""
    detail = {"tables": sorted(tables), "formats": sorted(formats)}
    try:
        check_may_request(project=project, user=by, tables=tables)
        if not formats or set(formats) - set(Format.values):
            raise ExportRefused(_("Choose at least one format."))
    except ExportRefused as refusal:
        ExportEvent.objects.create(
            project=project,
            kind=ExportEvent.Kind.REFUSED,
            user=by,
            detail={**detail, "reason": refusal.messages[0]},
        )
        raise
    with transaction.atomic():
        export = Export.objects.create(
            project=project,
            requested_by=by,
            tables=sorted(tables, key=Table.values.index),
            formats=sorted(formats, key=Format.values.index),
        )
        ExportEvent.objects.create(
            export=export, project=project, kind=ExportEvent.Kind.REQUESTED, user=by, detail=detail
        )

        def enqueue() -> None:
            from research.tasks import run_export

            result = run_export.enqueue(export.pk)
            Export.objects.filter(pk=export.pk).update(task_id=str(result.id))

        transaction.on_commit(enqueue)
    return export


def _update(export: Export, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(export, name, value)
    export.save(update_fields=list(fields))


def export_perform(*, export: Export) -> None:
    """Run a requested export (on a worker) and store its archive for download."""
    project = ResearchProject.objects.get(pk=export.project_id)
    _update(
        export, status=Export.Status.RUNNING, started_at=timezone.now(), progress=1, stage="persons"
    )
    last = [0.0]

    def progress(stage: str, percent: int | None) -> None:
        # At most one write a second: the page polls, the worker must not slow down for it.
        now = timezone.now().timestamp()
        if percent is None and now - last[0] < 1:
            return
        last[0] = now
        _update(export, stage=stage, **({"progress": percent} if percent is not None else {}))

    stored = ""
    try:
        # What was allowed at the request must still be allowed now: an approval may have
        # lapsed, a member left or a table been taken off the project while it was queued.
        check_may_request(project=project, user=export.requested_by, tables=export.tables)
        with tempfile.TemporaryDirectory(prefix="husk-export-") as work:
            result, archive, made_at = export_build(
                project=project,
                tables=export.tables,
                formats=export.formats,
                work=Path(work),
                progress=progress,
            )
            name = f"{project.code}/{project.code}-{export.pk}-{made_at:%Y%m%d-%H%M%S}.zip"
            with archive.open("rb") as file:
                stored = storages["exports"].save(name, File(file))
            digest = sha256_of(archive)
        _deliver(export, project, result, stored, digest)
    except Exception as error:
        logger.exception("Research export %s failed", export.pk)
        if stored:
            storages["exports"].delete(stored)  # never an archive without its log
        message = (
            error.messages[0]
            if isinstance(error, ValidationError)
            else _(
                "The export failed. Try again, or ask an administrator to look at the worker's log."
            )
        )
        _update(
            export,
            status=Export.Status.FAILED,
            finished_at=timezone.now(),
            error=str(message)[:300],
        )
        ExportEvent.objects.create(
            export=export,
            project=project,
            kind=ExportEvent.Kind.FAILED,
            user=export.requested_by,
            detail={"error": type(error).__name__},
        )


def export_build(
    *,
    project: ResearchProject,
    tables: Sequence[str],
    formats: Sequence[str],
    work: Path,
    progress: Progress | None = None,
) -> tuple[ExportResult, Path, datetime.datetime]:
    """Make the data files and their archive in a working directory; return when it was made.

    The worker and the research_export command both make an export this way, so that
    their files are the same byte for byte.
    """
    result = Exporter(
        project=project,
        tables=tables,
        formats=formats,
        directory=work / "files",
        as_of=timezone.localdate(),
        progress=progress,
    ).run()
    made_at = timezone.now()
    return result, build_archive(project, result, work / "export.zip", made_at=made_at), made_at


@transaction.atomic
def export_completed(
    *,
    project: ResearchProject,
    user: User,
    result: ExportResult,
    detail: dict[str, Any],
    export: Export | None = None,
) -> None:
    """Log a made export: in the export log, and, for a client's "who has seen my case"
    report, in the access log with whose data went into it."""
    ExportEvent.objects.create(
        export=export,
        project=project,
        kind=ExportEvent.Kind.COMPLETED,
        user=user,
        detail={**detail, "files": result.files},
    )
    log_read(
        user=user,
        action=AccessLog.Action.EXPORT,
        view_name="research:export",
        subject=export,
        client_ids=result.client_ids,
    )


@transaction.atomic
def _deliver(
    export: Export, project: ResearchProject, result: ExportResult, stored: str, digest: str
) -> None:
    now = timezone.now()
    summary = {
        "persons": result.persons,
        "rows": result.rows,
        "files": result.files,
        "anonymity": result.anonymity,
        "merged": result.merged,
        "hidden": result.hidden,
        "as_of": result.as_of.isoformat(),
    }
    _update(
        export,
        status=Export.Status.DONE,
        progress=100,
        stage="done",
        finished_at=now,
        expires_at=now + datetime.timedelta(hours=settings.RESEARCH_EXPORT_TTL_HOURS),
        archive=stored,
        archive_sha256=digest,
        summary=summary,
    )
    export_completed(
        project=project,
        user=export.requested_by,
        result=result,
        detail={"archive_sha256": digest},
        export=export,
    )


def export_downloaded(*, export: Export, by: User) -> None:
    """Log a download in the export log, with the hash of the archive handed out."""
    ExportEvent.objects.create(
        export=export,
        project_id=export.project_id,
        kind=ExportEvent.Kind.DOWNLOADED,
        user=by,
        detail={"archive_sha256": export.archive_sha256},
    )


def export_expire(*, export: Export) -> None:
    """Delete an archive whose time is up; the export's record and log stay."""
    if export.archive:
        storages["exports"].delete(export.archive)
    _update(export, status=Export.Status.EXPIRED, archive="")
    ExportEvent.objects.create(
        export=export,
        project_id=export.project_id,
        kind=ExportEvent.Kind.EXPIRED,
        user=export.requested_by,
    )


def exports_expire_due(now: datetime.datetime | None = None) -> int:
    due = Export.objects.filter(status=Export.Status.DONE, expires_at__lte=now or timezone.now())
    count = 0
    for export in due.select_related("requested_by"):
        export_expire(export=export)
        count += 1
    return count
