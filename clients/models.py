"""The client register: a person followed by the social services of an office."""

import datetime
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from audit.corrections import Correctable, InForceManager, rules_in_force
from audit.history import TrackedQuerySet, tracked_history
from clients.records import ClientRecord, ClientRecordQuerySet
from codelists.models import CodeList, code_field, codes_field
from organisation.access import OfficeScopedQuerySet
from organisation.models import Office

# No one alive was born before this; an earlier date is a typing error (1800 for 1980).
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
# A benefit period is registered when it is decided, and decisions (vedtak) are made
# for at most the coming year; a start further ahead is a typing error (2062 for 2026).
BENEFIT_START_AT_MOST_AHEAD = datetime.timedelta(days=366)


def _short(date: datetime.date) -> str:
    return date_format(date, "SHORT_DATE_FORMAT")


def raise_errors(errors: dict[str, Any]) -> None:
    """Raise the field errors collected by a clean(), if there are any."""
    if errors:
        raise ValidationError(errors)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Completed years of age on a day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def not_before_birth(client: "Client | None", date: datetime.date | None) -> str | None:
    """The error of a record dated before its client was born, or None."""
    if client is not None and date is not None and date < client.birth_date:
        return str(_("The date is before the client's date of birth."))
    return None


class Fold(models.Func):
    """husk_fold(): lower case without accents (Østbø = ostbo, Æsa = aesa).

    A plain SQL function (see migration clients 0003) rather than the unaccent
    extension, which the embedded PostgreSQL does not ship.
    """

    function = "husk_fold"
    output_field = models.TextField()


class ClientQuerySet(OfficeScopedQuerySet):
    def matching_name(self, text: str) -> Self:
        """Every word must occur in the name, ignoring case and accents (ø = o, å = a)."""
        return self.filter(folded_name_contains(text))


def folded_full_name(first: str, last: str) -> Fold:
    """The stored, folded "first last" of a person (see Client.folded_name)."""
    return Fold(Concat(first, models.Value(" "), last))


def folded_name_contains(text: str, field: str = "folded_name") -> models.Q:
    """Every word of text occurs in the folded name stored in field."""
    condition = models.Q()
    for word in text.split():
        condition &= models.Q(**{f"{field}__contains": Fold(models.Value(word))})
    return condition


class Client(models.Model):
    """A client (bruker) of one office."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        MERGED = "merged", _("Merged into another record")

    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        OTHER = "X", _("Other")
        UNKNOWN = "U", _("Unknown")

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="clients", verbose_name=_("office")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # NULL, not "", when missing: many clients have neither number, and both are unique.
    national_id = models.CharField(  # noqa: DJ001
        _("national identity number"),
        max_length=11,
        null=True,
        blank=True,
        help_text=_("Fødselsnummer or D-nummer, 11 digits."),
    )
    duf_number = models.CharField(  # noqa: DJ001
        _("DUF number"),
        max_length=12,
        null=True,
        blank=True,
        help_text=_("For asylum seekers without a national identity number: 12 digits."),
    )
    # Stored, not derived from the number: from 2032 numbers carry no gender,
    # and a D-number's date may be corrected later.
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default=Gender.UNKNOWN
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    language = code_field(CodeList.LANGUAGE, _("preferred language"), null=True, blank=True)
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    country_of_birth = code_field(CodeList.COUNTRY, _("country of birth"), null=True, blank=True)
    refugee_background = models.BooleanField(_("refugee background"), default=False)
    arrival_year = models.PositiveSmallIntegerField(
        _("year of arrival in Norway"), null=True, blank=True
    )
    settlement_municipality = code_field(
        CodeList.MUNICIPALITY, _("settlement municipality"), null=True, blank=True
    )
    usual_channel = code_field(
        CodeList.CONTACT_CHANNEL, _("usual contact channel"), null=True, blank=True
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        verbose_name=_("responsible caseworker"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )
    # Optimistic locking: a save from a stale form is refused (see clients.services.registration).
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # Name search compares this column: folded once when the name is written rather than
    # per row and search (folding 19 000 names took 90 ms of every search nationally).
    folded_name = models.GeneratedField(
        expression=folded_full_name("first_name", "last_name"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("name for search"),
    )

    objects = ClientQuerySet.as_manager()
    history = tracked_history(excluded_fields=["folded_name"])

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            # The client list of an office, in name order.
            models.Index(fields=["office", "last_name", "first_name"], name="client_office_name"),
            # Duplicate detection: same date of birth.
            models.Index(fields=["birth_date"], name="client_birth_date"),
            # The caseload: a caseworker's own clients.
            models.Index(fields=["caseworker", "status"], name="client_caseworker_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["national_id"], name="client_national_id_unique"),
            models.UniqueConstraint(fields=["duf_number"], name="client_duf_number_unique"),
            models.CheckConstraint(
                condition=models.Q(arrival_year__isnull=True) | models.Q(arrival_year__gte=1900),
                name="client_arrival_year_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_date__gte=EARLIEST_BIRTH_DATE),
                name="client_birth_date_plausible",
            ),
            # Merged exactly when merged into a record: only a merge sets both (and undoes them).
            models.CheckConstraint(
                condition=models.Q(status="merged", merged_into__isnull=False)
                | (~models.Q(status="merged") & models.Q(merged_into__isnull=True)),
                name="client_merged_into_iff_merged",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def accessed_client_ids(self) -> list[int]:
        return [self.pk]

    def clean(self) -> None:
        """The rules of a client's dates (forms, services and the admin alike)."""
        errors: dict[str, Any] = {}
        birth = self.birth_date
        if birth is not None and birth > timezone.localdate():
            errors["birth_date"] = _("The date of birth cannot be in the future.")
        elif birth is not None and birth < EARLIEST_BIRTH_DATE:
            errors["birth_date"] = _("The date of birth cannot be before %(date)s.") % {
                "date": _short(EARLIEST_BIRTH_DATE)
            }
        year = self.arrival_year
        if year is not None and not 1900 <= year <= timezone.localdate().year:
            errors["arrival_year"] = _("The year of arrival must be between 1900 and this year.")
        elif year is not None and birth is not None and year < birth.year:
            errors["arrival_year"] = _("The year of arrival is before the date of birth.")
        raise_errors(errors)


class CaseEpisode(Correctable, ClientRecord):
    """A case episode (sak / forløp): why the person came, and how it ended."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="episodes", verbose_name=_("client")
    )
    opened_on = models.DateField(_("opened"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    reasons = codes_field(CodeList.CONTACT_REASON, _("reasons for contact"))
    closing_reason = code_field(CodeList.CLOSING_REASON, _("closing reason"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # The reasons are changed on the edit page (a many-to-many the correction does not save).
    correctable_fields = ("opened_on", "closed_on", "closing_reason")
    # Pages, counts and related managers (client.episodes) see the episodes in force only.
    objects = InForceManager.from_queryset(ClientRecordQuerySet)()
    all_objects = ClientRecordQuerySet.as_manager()
    # Named by its opening date: a client can have several episodes (audit.timeline).
    history = tracked_history(m2m_fields=[reasons], label=_("Case episode from %(opened_on)s"))

    class Meta:
        verbose_name = _("case episode")
        verbose_name_plural = _("case episodes")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="episode_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True, closing_reason__isnull=True)
                | models.Q(closed_on__isnull=False),
                name="episode_closing_reason_only_when_closed",
            ),
            # An open episode entered in error does not keep a new one from being opened.
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(closed_on__isnull=True, entered_in_error=False),
                name="episode_one_open_per_client",
            ),
        ]
        indexes = [models.Index(fields=["client", "-opened_on"], name="episode_client_opened")]

    def __str__(self) -> str:
        # Dates only: history labels many records at once, without their clients.
        return f"{_short(self.opened_on)}–{_short(self.closed_on) if self.closed_on else ''}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @rules_in_force
    def clean(self) -> None:
        """The rules of an episode's dates and closing (forms, services and the admin alike)."""
        errors: dict[str, Any] = {}
        today = timezone.localdate()
        client = self.client if self.client_id else None
        if self.opened_on is not None:
            if self.opened_on > today:
                errors["opened_on"] = _("An episode cannot be opened in the future.")
            elif before_birth := not_before_birth(client, self.opened_on):
                errors["opened_on"] = before_birth
        if self.closed_on is not None:
            if self.closed_on > today:
                errors["closed_on"] = _("An episode cannot be closed in the future.")
            elif self.opened_on is not None and self.closed_on < self.opened_on:
                errors["closed_on"] = _("An episode cannot be closed before it was opened.")
            if self.closing_reason_id is None:
                errors["closing_reason"] = _("Choose a closing reason, or clear the closed date.")
        elif self.closing_reason_id is not None:
            errors["closed_on"] = _(
                "Give the date the episode was closed, or clear the closing reason."
            )
        raise_errors(errors)


class BenefitPeriod(Correctable, ClientRecord):
    """A dated period of one kind of benefit (ytelse)."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="benefits", verbose_name=_("client")
    )
    kind = code_field(CodeList.BENEFIT_KIND, _("benefit"))
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)

    correctable_fields = ("kind", "start", "end")
    objects = InForceManager.from_queryset(ClientRecordQuerySet)()
    all_objects = ClientRecordQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("benefit period")
        verbose_name_plural = _("benefit periods")
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="benefit_end_after_start",
            ),
        ]
        indexes = [
            # "Who receives which benefit, when": kind and period.
            models.Index(fields=["kind", "start", "end"], name="benefit_kind_period"),
            models.Index(fields=["client", "-start"], name="benefit_client_start"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {_short(self.start)}–{_short(self.end) if self.end else ''}"

    @rules_in_force
    def clean(self) -> None:
        """The rules of a benefit period's dates (forms, services and the admin alike)."""
        errors: dict[str, Any] = {}
        client = self.client if self.client_id else None
        if self.start is not None:
            latest_start = timezone.localdate() + BENEFIT_START_AT_MOST_AHEAD
            if self.start > latest_start:
                errors["start"] = _("A benefit period cannot start later than %(date)s.") % {
                    "date": _short(latest_start)
                }
            elif before_birth := not_before_birth(client, self.start):
                errors["start"] = before_birth
            if self.end is not None and self.end < self.start:
                errors["end"] = _("The benefit cannot end before it starts (%(start)s).") % {
                    "start": _short(self.start)
                }
        raise_errors(errors)


class Assessment(Correctable, ClientRecord):
    """A dated mapping (kartlegging) of the client's life areas."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("client")
    )
    assessed_on = models.DateField(_("date"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )

    # The date here; the assessed life areas are corrected with it (clients.assessment_views).
    correctable_fields = ("assessed_on",)
    objects = InForceManager.from_queryset(ClientRecordQuerySet)()
    all_objects = ClientRecordQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["client", "-assessed_on"], name="assessment_client_date")]
        constraints = [
            # One per client and day, so that "the previous assessment" is unambiguous; a
            # second look the same day corrects the first one. (Assessment.clean says so.)
            models.UniqueConstraint(
                fields=["client", "assessed_on"],
                condition=models.Q(entered_in_error=False),
                name="assessment_one_per_client_and_day",
            ),
        ]

    def __str__(self) -> str:
        return _short(self.assessed_on)

    @rules_in_force
    def clean(self) -> None:
        """The rules of an assessment's date (forms, services and the admin alike)."""
        errors: dict[str, Any] = {}
        client = self.client if self.client_id else None
        when = self.assessed_on
        if when is not None:
            if when > timezone.localdate():
                errors["assessed_on"] = _("An assessment cannot be dated in the future.")
            elif before_birth := not_before_birth(client, when):
                errors["assessed_on"] = before_birth
            elif (
                client is not None
                and Assessment.objects.filter(client=client, assessed_on=when)
                .exclude(pk=self.pk)
                .exists()
            ):
                # One per day, so that "the previous assessment" and a change over time are
                # unambiguous; a second look the same day corrects the first one instead.
                errors["assessed_on"] = _(
                    "The client already has an assessment dated %(date)s. "
                    "Correct that one instead of recording another."
                ) % {"date": _short(when)}
        raise_errors(errors)


class AssessmentItem(Correctable, models.Model):
    """One life area of an assessment: its status and the need for help.

    An area removed in a correction is marked as entered in error, never deleted; the
    row of an area stays one per assessment, in force or not.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="items", verbose_name=_("assessment")
    )
    life_area = code_field(CodeList.LIFE_AREA, _("life area"))
    status = code_field(CodeList.ASSESSMENT_STATUS, _("situation"))
    need = code_field(CodeList.NEED_LEVEL, _("need for help"))

    objects = InForceManager.from_queryset(TrackedQuerySet)()
    all_objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("assessed life area")
        verbose_name_plural = _("assessed life areas")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "life_area"], name="assessment_item_one_per_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.life_area_id}"


class Transfer(ClientRecord):
    """A recorded move of a client to another caseworker or office."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("client")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    from_office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("from office")
    )
    to_office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("to office")
    )
    from_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("from caseworker"),
    )
    to_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("to caseworker"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ClientRecordQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-at"]

    @classmethod
    def latest_into_office(cls) -> models.QuerySet["Transfer"]:
        """For a client query: the latest move from another office into the client's office.

        A change of caseworker within the office is a transfer too, but not news to the
        receiving office; only moves between offices are shown on the client page.
        """
        return (
            cls.objects.filter(client=models.OuterRef("pk"), to_office=models.OuterRef("office"))
            .exclude(from_office=models.F("to_office"))
            .order_by("-at", "-pk")
        )

    def __str__(self) -> str:
        return f"{self.client_id}: {self.from_office_id} → {self.to_office_id}"


class ClientMerge(models.Model):
    """Two records of one person made one; records exactly what moved, so it can be undone."""

    kept = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="merges", verbose_name=_("kept record")
    )
    merged = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged record")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    # {"followup.Contact": [ids], ...}: the records moved from `merged` to `kept`.
    moved = models.JSONField(_("moved records"), default=dict)
    # Fields of `kept` that were blank and filled from `merged`, and the merged
    # record's own identifiers, which it gives up while merged.
    filled = models.JSONField(_("filled in fields"), default=dict)
    merged_identifiers = models.JSONField(_("identifiers of the merged record"), default=dict)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kept=models.F("merged")), name="merge_two_different_records"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"
