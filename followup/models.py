"""Follow-up of clients: contacts, interventions, programmes, reminders and saved filters."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.corrections import Correctable, InForceManager, rules_in_force
from audit.history import TrackedQuerySet, tracked_history
from audit.models import AppendOnlyModel
from clients.models import Client, not_before_birth, raise_errors
from clients.records import ClientRecord, ClientRecordQuerySet
from codelists.models import CodeList, code_field, codes_field
from organisation.models import Office

# "programme" alone is the upper-secondary one (utdanningsprogram) in families.
PROGRAMME = pgettext_lazy("initiative", "programme")
NEXT_CONTACT_AT_MOST = datetime.timedelta(days=366)


def _short(day: Any) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else "–"


class Contact(Correctable, ClientRecord):
    """A follow-up contact (oppfølgingskontakt): the most frequent record in HUSK."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("client")
    )
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    channel = code_field(CodeList.CONTACT_CHANNEL, _("channel"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("staff present")
    )
    other_services = codes_field(
        CodeList.PARTICIPANT_SERVICE, _("other services present"), blank=True
    )
    interpreter_used = models.BooleanField(_("interpreter used"), default=False)
    topics = codes_field(CodeList.LIFE_AREA, _("topics"), blank=True)
    agreed_actions = models.TextField(_("agreed actions"), blank=True, max_length=4000)
    note = models.TextField(_("note"), blank=True, max_length=10000)
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # Pages, counts and related managers (client.contacts) see the contacts in force;
    # history, corrections and the merge see every row.
    objects = InForceManager.from_queryset(ClientRecordQuerySet)()
    all_objects = ClientRecordQuerySet.as_manager()
    # Named by its date: a client has many contacts (audit.timeline).
    history = tracked_history(
        m2m_fields=[staff, other_services, topics], label=_("Contact on %(date)s")
    )
    # What a correction may change (topics and services are edited on the contact form).
    correctable_fields = (
        "date",
        "channel",
        "duration_minutes",
        "interpreter_used",
        "note",
        "agreed_actions",
        "next_contact_on",
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__lte=24 * 60),
                name="contact_duration_at_most_a_day",
            ),
            models.CheckConstraint(
                condition=models.Q(next_contact_on__isnull=True)
                | models.Q(next_contact_on__gte=models.F("date")),
                name="contact_next_after_this",
            ),
        ]
        indexes = [
            # Client timeline and the caseload's "last contact" / "next due" per client.
            models.Index(fields=["client", "-date", "-id"], name="contact_client_latest"),
        ]

    def __str__(self) -> str:
        # Its own fields only: history labels many contacts at once (audit.timeline).
        return str(_("Contact on %(date)s") % {"date": _short(self.date)})

    @rules_in_force
    def clean(self) -> None:
        """A contact lies in the past and in the client's lifetime (forms, services, admin)."""
        errors: dict[str, Any] = {}
        client = self.client if self.client_id else None
        if self.date is not None:
            if self.date > timezone.localdate():
                errors["date"] = _(
                    "A contact cannot be logged in the future. Set the next contact date instead."
                )
            elif before_birth := not_before_birth(client, self.date):
                errors["date"] = before_birth
            elif self.next_contact_on is not None and self.next_contact_on < self.date:
                errors["next_contact_on"] = _("The next contact must be after this one.")
            elif (
                self.next_contact_on is not None
                and self.next_contact_on > self.date + NEXT_CONTACT_AT_MOST
            ):
                # A date years ahead is a typing error (2036 for 2026), and would hide the
                # client from the caseload's overdue list for as long.
                errors["next_contact_on"] = _(
                    "The next contact can be at most a year after this one."
                )
        if self.duration_minutes is not None and not 1 <= self.duration_minutes <= 24 * 60:
            errors["duration_minutes"] = _("The duration must be between 1 minute and 24 hours.")
        raise_errors(errors)


class Status(models.TextChoices):
    """The lifecycle shared by interventions and family-plan actions."""

    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses that end an intervention: they need an end date and lock the record.
FINAL_STATUSES = (Status.COMPLETED, Status.CANCELLED)

# Allowed moves; completed and cancelled are final, so the record is locked.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PLANNED: frozenset({Status.IN_PROGRESS, Status.CANCELLED, Status.COMPLETED}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class Intervention(Correctable, ClientRecord):
    """An intervention (tiltak) with a coded type and outcome."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="interventions", verbose_name=_("client")
    )
    type = code_field(CodeList.INTERVENTION_TYPE, _("type"))
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    outcome = code_field(CodeList.INTERVENTION_OUTCOME, _("outcome"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = InForceManager.from_queryset(ClientRecordQuerySet)()
    all_objects = ClientRecordQuerySet.as_manager()
    history = tracked_history(label=_("Intervention from %(start)s"))
    # A finished intervention is locked for edits, but it can be corrected with a reason:
    # its content, and its status too (completed by mistake, say), outside the lifecycle.
    correctable_fields = ("type", "provider", "start", "status", "end", "outcome")

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="intervention_end_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=FINAL_STATUSES) | models.Q(end__isnull=False),
                name="intervention_finished_has_end",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-start"], name="intervention_client_start"),
            # Dashboards: interventions by type and outcome.
            models.Index(fields=["type", "status"], name="intervention_type_status"),
        ]

    def __str__(self) -> str:
        return str(_("Intervention from %(start)s") % {"start": _short(self.start)})

    @property
    def is_locked(self) -> bool:
        return self.status in FINAL_STATUSES

    @rules_in_force
    def clean(self) -> None:
        """The dates and outcome an intervention may have in its status (forms, services, admin).

        The end of a planned or running intervention is its planned end and may lie
        ahead; the end of a finished one is when it ended, so not in the future.
        """
        errors: dict[str, Any] = {}
        today = timezone.localdate()
        client = self.client if self.client_id else None
        if self.start is not None:
            if not_before_birth(client, self.start):
                errors["start"] = _("The start is before the client's date of birth.")
            elif self.status != Status.PLANNED and self.start > today:
                errors["start"] = _(
                    "An intervention that has started cannot have a start date in the future."
                )
        if self.end is not None:
            if self.start is not None and self.end < self.start:
                errors["end"] = _("The end cannot be before the start.")
            elif self.is_locked and self.end > today:
                errors["end"] = _("The end date cannot be in the future.")
        elif self.is_locked:
            errors["end"] = _("Give the date the intervention ended.")
        if self.outcome_id is None and self.status == Status.COMPLETED:
            errors["outcome"] = _("Give the outcome of the completed intervention.")
        elif self.outcome is not None and self.outcome.list_name != CodeList.INTERVENTION_OUTCOME:
            errors["outcome"] = _("The outcome is not an intervention outcome.")
        raise_errors(errors)


class Programme(models.Model):
    """A named initiative of an office (e.g. "71 familier") that clients enrol in.

    A programme can be run as a study: each enrolment then has an index date,
    and in a randomised study an arm drawn when the client is enrolled.
    """

    class Study(models.TextChoices):
        NONE = "", _("Not a study")
        COHORT = "cohort", _("Study without allocation (index date only)")
        RANDOMISED = "randomised", _("Randomised study (an arm is drawn at enrolment)")

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    study = models.CharField(
        _("run as a study"), max_length=10, choices=Study.choices, default=Study.NONE, blank=True
    )

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = PROGRAMME
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="programme_name_per_office"),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="programme_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValidationError({"end": _("The end cannot be before the start.")})

    @property
    def is_study(self) -> bool:
        return self.study != self.Study.NONE

    @property
    def is_randomised(self) -> bool:
        return self.study == self.Study.RANDOMISED


class StudyArm(models.Model):
    """One arm of a randomised study, drawn with a weight relative to the other arms."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="arms", verbose_name=PROGRAMME
    )
    name = models.CharField(_("name"), max_length=100)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("2 against 1 draws this arm twice as often.")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("study arm")
        verbose_name_plural = _("study arms")
        ordering = ["programme", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="study_arm_name_unique"),
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="study_arm_weight"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(Correctable, ClientRecord):
    """A client's enrolment in a programme, with dates and outcome."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("client")
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=PROGRAMME,
    )
    enrolled_on = models.DateField(_("enrolled"))
    # Studies: the day follow-up is measured from (usually the enrolment date).
    index_date = models.DateField(_("index date"), null=True, blank=True)
    left_on = models.DateField(_("left"), null=True, blank=True)
    outcome = code_field(CodeList.INTERVENTION_OUTCOME, _("outcome"), null=True, blank=True)

    objects = InForceManager.from_queryset(ClientRecordQuerySet)()
    all_objects = ClientRecordQuerySet.as_manager()
    history = tracked_history()
    # The programme is not corrected (a randomised study's draw belongs to it): an
    # enrolment in the wrong programme is marked as entered in error instead.
    correctable_fields = ("enrolled_on", "index_date", "left_on", "outcome")

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("enrolled_on")),
                name="enrolment_left_after_enrolled",
            ),
        ]
        indexes = [models.Index(fields=["programme", "enrolled_on"], name="enrolment_programme")]

    def __str__(self) -> str:
        return str(_("Enrolment from %(date)s") % {"date": _short(self.enrolled_on)})

    @rules_in_force
    def clean(self) -> None:
        """Enrolled and left in the client's lifetime, the programme's period and up to today."""
        errors: dict[str, Any] = {}
        today = timezone.localdate()
        client = self.client if self.client_id else None
        programme = self.programme if self.programme_id else None
        enrolled = self.enrolled_on
        if enrolled is not None:
            if enrolled > today:
                errors["enrolled_on"] = _("The enrolment date cannot be in the future.")
            elif before_birth := not_before_birth(client, enrolled):
                errors["enrolled_on"] = before_birth
            elif programme is not None and enrolled < programme.start:
                errors["enrolled_on"] = _(
                    "The programme started on %(date)s: nobody can be enrolled before that."
                ) % {"date": _short(programme.start)}
            elif programme is not None and programme.end is not None and enrolled > programme.end:
                errors["enrolled_on"] = _(
                    "The programme ended on %(date)s: nobody can be enrolled after that."
                ) % {"date": _short(programme.end)}
        if self.left_on is not None:
            if enrolled is not None and self.left_on < enrolled:
                errors["left_on"] = _("The end date is before the enrolment date.")
            elif self.left_on > today:
                errors["left_on"] = _("The end date cannot be in the future.")
        if before_birth := not_before_birth(client, self.index_date):
            errors["index_date"] = before_birth
        raise_errors(errors)


class Allocation(AppendOnlyModel):
    """The arm drawn for one enrolment in a randomised study: written once, never re-drawn.

    Each allocation carries a SHA-256 digest chained to the previous allocation
    of the same study, so that an allocation changed or removed afterwards
    (even by hand in the database) breaks the chain (see followup.services.studies).
    """

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="allocation", verbose_name=_("enrolment")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=PROGRAMME
    )
    arm = models.ForeignKey(
        StudyArm, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("arm")
    )
    sequence = models.PositiveIntegerField(_("allocation number"))
    drawn_at = models.DateTimeField(_("drawn"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    # The random number drawn (0 ≤ draw < the sum of the arms' weights).
    draw = models.PositiveIntegerField(_("number drawn"))
    previous_digest = models.CharField(_("previous allocation's checksum"), max_length=64)
    digest = models.CharField(_("checksum"), max_length=64)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["programme", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "sequence"], name="allocation_sequence_per_study"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} #{self.sequence}: {self.arm_id}"


class Reminder(models.Model):
    """A caseworker's personal reminder (huskelapp), optionally about one client."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("owner"),
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client"),
    )
    text = models.CharField(_("reminder"), max_length=300)
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_on", "pk"]
        indexes = [
            # A caseworker's open reminders, soonest first.
            models.Index(
                fields=["owner", "due_on"],
                condition=models.Q(done_at__isnull=True),
                name="reminder_open_by_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class SavedFilter(models.Model):
    """A caseworker's named caseload filter."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_filters",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=500)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_filter_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name
