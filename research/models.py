"""Research projects, their approvals and consents, study samples, and export requests."""

import datetime
import hashlib
import json
import secrets
from typing import Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import TrackedQuerySet, tracked_history
from audit.models import AppendOnlyModel
from clients.models import Client
from clients.records import ClientRecord, ClientRecordQuerySet
from followup.models import Programme
from organisation.models import Office, User


class Table(models.TextChoices):
    """The tables an export can hold (research-export.md), in archive order."""

    PERSONS = "persons", _("Persons")
    EPISODES = "episodes", _("Case episodes")
    BENEFITS = "benefits", _("Benefit periods")
    ASSESSMENTS = "assessments", _("Assessments per life area")
    CONTACTS = "contacts", _("Follow-up contacts")
    INTERVENTIONS = "interventions", _("Interventions")
    PROGRAMMES = "programmes", _("Programme enrolments")
    FAMILIES = "families", _("Family membership")
    PLAN_GOALS = "plan_goals", _("Family-plan goals")
    PLAN_REVIEWS = "plan_reviews", _("Reviews: the family's own ratings")
    YOUTH_SCHOOL = "youth_school", _("Children and youth: school")
    SAMPLES = "samples", _("Study samples")
    PANEL = "panel", _("Person × month panel")


def table_labels(tables: list[str]) -> list[str]:
    """The tables' names in words, for pages (never the codes)."""
    return [str(Table(table).label) for table in tables]


class Format(models.TextChoices):
    CSV = "csv", _("CSV (UTF-8)")
    XLSX = "xlsx", _("Excel (XLSX)")
    SAV = "sav", _("SPSS (.sav)")
    DTA = "dta", _("Stata (.dta)")
    PARQUET = "parquet", _("Parquet")


def new_project_secret() -> bytes:
    return secrets.token_bytes(32)


class ProjectQuerySet(TrackedQuerySet):
    def for_member(self, user: User) -> Self:
        """The projects a researcher belongs to: the only ones they can reach at all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(members=user)

    def covering_offices(self, offices: "models.QuerySet[Office]") -> Self:
        return self.filter(offices__in=offices).distinct()


class ResearchProject(models.Model):
    """An approved research project and what it may receive."""

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("The clients' consent")
        EXEMPTION = "exemption", _("Exemption from the duty of confidentiality")

    class DateMode(models.TextChoices):
        SHIFTED = "shifted", _("Dates shifted by a fixed offset per person")
        RELATIVE = "relative", _("Days since the person's first case episode, and the year")

    code = models.SlugField(
        _("short name"),
        max_length=50,
        unique=True,
        help_text=_("Used on the command line, e.g. «fellesprosjektet»."),
    )
    title = models.CharField(_("title"), max_length=300)
    institution = models.CharField(_("institution"), max_length=200)
    responsible_researcher = models.CharField(_("responsible researcher"), max_length=200)
    rek_reference = models.CharField(_("REK reference"), max_length=50, blank=True)
    sikt_reference = models.CharField(_("Sikt reference"), max_length=50, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=10, choices=LegalBasis.choices)
    offices = models.ManyToManyField(
        Office, related_name="research_projects", verbose_name=_("offices")
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    tables = ArrayField(
        models.CharField(max_length=20, choices=Table.choices),
        verbose_name=_("tables allowed"),
    )
    expires_on = models.DateField(_("expires"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="research_projects",
        blank=True,
        verbose_name=_("members"),
        help_text=_("Researcher accounts that may request and download exports."),
    )
    k = models.PositiveSmallIntegerField(
        _("k (smallest group)"),
        default=5,
        help_text=_("Every combination of background variables occurs at least k times."),
    )
    date_mode = models.CharField(
        _("dates"), max_length=10, choices=DateMode.choices, default=DateMode.SHIFTED
    )
    include_office = models.BooleanField(
        _("office in the persons table"),
        default=False,
        help_text=_("Only where the approval allows the office to be known."),
    )
    # The key of the project's pseudonyms and date shifts. Never shown, never exported.
    secret = models.BinaryField(default=new_project_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()
    history = tracked_history(m2m_fields=[offices, members], excluded_fields=["secret"])

    class Meta:
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(k__gte=5), name="project_k_at_least_5"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="project_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("research:project", args=[self.pk])

    def scope_digest(self) -> str:
        """What an approval approves: a change to any of it needs a new approval."""
        scope = {
            "title": self.title,
            "institution": self.institution,
            "responsible_researcher": self.responsible_researcher,
            "references": [self.rek_reference, self.sikt_reference],
            "legal_basis": self.legal_basis,
            "offices": sorted(office.pk for office in self.offices.all()),
            "period": [self.period_start.isoformat(), self.period_end.isoformat()],
            "tables": sorted(self.tables),
            "expires_on": self.expires_on.isoformat(),
            "k": self.k,
            "date_mode": self.date_mode,
            "include_office": self.include_office,
        }
        return hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()

    def approval_state(self) -> "ApprovalState":
        """Which covered offices have approved the current scope (offices prefetched or not)."""
        digest = self.scope_digest()
        approvals = [a for a in self.approvals.all() if a.scope_digest == digest]
        office_ids = {office.pk for office in self.offices.all()}
        by_administrator = any(a.office_id is None for a in approvals)
        approved_offices = {a.office_id for a in approvals if a.office_id is not None}
        return ApprovalState(
            covered=office_ids,
            approved=office_ids if by_administrator else approved_offices & office_ids,
            by_administrator=by_administrator,
        )

    def is_expired(self, today: datetime.date | None = None) -> bool:
        return (today or timezone.localdate()) > self.expires_on

    def table_labels(self) -> list[str]:
        return table_labels(self.tables)

    def may_export(self, today: datetime.date | None = None) -> bool:
        """An unapproved or expired project exports nothing."""
        return not self.is_expired(today) and self.approval_state().complete


class ApprovalState:
    def __init__(self, *, covered: set[int], approved: set[int], by_administrator: bool) -> None:
        self.covered = covered
        self.approved = approved
        self.by_administrator = by_administrator

    @property
    def complete(self) -> bool:
        return bool(self.covered) and self.covered <= self.approved

    @property
    def waiting_for(self) -> set[int]:
        return self.covered - self.approved


class ProjectApproval(AppendOnlyModel):
    """A manager's approval for their office, or an administrator's for the whole project."""

    project = models.ForeignKey(ResearchProject, on_delete=models.PROTECT, related_name="approvals")
    # None: an administrator's approval, which covers every office of the project.
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("approved"), default=timezone.now)
    scope_digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.office_id or 'all'} by {self.by_id}"


class Consent(ClientRecord):
    """A client's consent to one research project, and its withdrawal."""

    project = models.ForeignKey(ResearchProject, on_delete=models.PROTECT, related_name="consents")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="research_consents")
    given_on = models.DateField(_("consent given"))
    withdrawn_on = models.DateField(_("consent withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClientRecordQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "client"],
                condition=models.Q(withdrawn_on__isnull=True),
                name="consent_one_standing_per_project",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]
        indexes = [
            # The export's population: valid consents of one project.
            models.Index(fields=["project", "client"], name="consent_project_client"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.project_id}"

    def is_valid_on(self, date: datetime.date) -> bool:
        return self.given_on <= date and (self.withdrawn_on is None or self.withdrawn_on > date)


class Sample(AppendOnlyModel):
    """A reproducible random sample of eligible clients, drawn for follow-up (phase 2)."""

    project = models.ForeignKey(ResearchProject, on_delete=models.PROTECT, related_name="samples")
    number = models.PositiveIntegerField(_("sample"))
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("study"),
    )
    # What made a client eligible: offices, period, benefit, programme, background.
    criteria = models.JSONField(_("criteria"))
    size = models.PositiveIntegerField(_("size asked for"))
    seed = models.BigIntegerField(_("random seed"))
    eligible = models.PositiveIntegerField(_("eligible clients"))
    drawn = models.PositiveIntegerField(_("clients drawn"))
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    clients = models.ManyToManyField(Client, related_name="+", through="SampleMember")

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="sample_number_per_project"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} #{self.number}"

    def shown(self, count: int) -> str:
        """A count as people may see it: fewer than k (but some) is shown as "<k"."""
        return f"<{self.project.k}" if 0 < count < self.project.k else str(count)

    @property
    def eligible_shown(self) -> str:
        return self.shown(self.eligible)

    @property
    def drawn_shown(self) -> str:
        return self.shown(self.drawn)


class SampleMember(AppendOnlyModel):
    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="members")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "client"], name="sample_member_once"),
        ]


class ExportQuerySet(models.QuerySet["Export"]):
    def for_member(self, user: User) -> Self:
        return self.filter(project__in=ResearchProject.objects.for_member(user))


class Export(models.Model):
    """One requested export: its parameters, its progress on the worker, and its archive."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    project = models.ForeignKey(ResearchProject, on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    tables = ArrayField(models.CharField(max_length=20, choices=Table.choices))
    formats = ArrayField(models.CharField(max_length=10, choices=Format.choices))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("step"), max_length=40, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("downloadable until"), null=True, blank=True)
    archive = models.CharField(max_length=200, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    # Counts, files and their hashes, generalisation and suppression (no personal data).
    summary = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The project page: its exports, newest first.
            models.Index(fields=["project", "-requested_at"], name="export_project_requested"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} #{self.pk}"

    @property
    def stage_label(self) -> str:
        """The step the worker is at, in words (a table's name, or what comes around them)."""
        if self.stage in Table.values:
            return str(Table(self.stage).label)
        return str(_("Packing the archive")) if self.stage == "archive" else ""

    @property
    def table_labels(self) -> list[str]:
        return table_labels(self.tables)

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED}

    def is_downloadable(self, now: datetime.datetime | None = None) -> bool:
        return (
            self.status == self.Status.DONE
            and self.expires_at is not None
            and (now or timezone.now()) < self.expires_at
        )


class ExportEvent(AppendOnlyModel):
    """The export log: every request, completion and download (who, when, what, hashes)."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        DOWNLOADED = "downloaded", _("Downloaded")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")

    export = models.ForeignKey(
        Export, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    project = models.ForeignKey(ResearchProject, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    # Parameters, or the archive's and files' SHA-256.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["project", "-at"], name="export_event_project_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.project_id}"
