"""The access log: one row for every read of person-level data, never changed."""

import datetime
from collections.abc import Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import TrackedQuerySet, tracked_history
from audit.pages import page_label


class AppendOnlyError(RuntimeError):
    """History and the access log are written once and never changed."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} is append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} is append-only.")


class AppendOnlyModel(models.Model):
    """A record written once: the ORM refuses to change it, and audit.guards adds a
    database trigger that refuses UPDATE and DELETE from any path."""

    APPEND_ONLY = True

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} is append-only.")


class EmergencyAccessQuerySet(TrackedQuerySet):
    def in_force(self, at: "datetime.datetime | None" = None) -> "EmergencyAccessQuerySet":
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at)

    def of_offices(self, office_ids: Iterable[int]) -> "EmergencyAccessQuerySet":
        """The grants to clients of these offices (a manager's follow-up list)."""
        return self.filter(office_id__in=office_ids)


class EmergencyAccess(models.Model):
    """Break-the-glass: one user may read one client of another office, for a while, for a
    stated reason; the managers of the client's office follow it up.

    The client is a number, as in the access log, and not a key: the audit app comes
    before the case apps and knows nothing of them (organisation.access reads this table
    to let the client page open).
    """

    class Purpose(models.TextChoices):
        DANGER = "danger", _("Danger to life or health")
        URGENT_HELP = "urgent_help", _("Urgent help the client cannot wait for")
        CLIENT_HERE = "client_here", _("The client has come to my office")
        OTHER = "other", _("Another reason (described below)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    client_id = models.BigIntegerField(_("client number"))
    office = models.ForeignKey(
        "organisation.Office",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("office of the client"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    reason = models.CharField(_("reason"), max_length=500)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"))
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("followed up by"),
    )

    objects = EmergencyAccessQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="emergencyaccess_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="emergencyaccess_reason_given"
            ),
            models.CheckConstraint(
                condition=models.Q(followed_up_at__isnull=True, followed_up_by__isnull=True)
                | models.Q(followed_up_at__isnull=False, followed_up_by__isnull=False),
                name="emergencyaccess_followed_up_by_someone",
            ),
        ]
        indexes = [
            # The client page's look-up: this user's grant to this client, in force.
            models.Index(fields=["user", "client_id", "-ends_at"], name="emergencyaccess_user"),
            # The managers' list, per office, newest first.
            models.Index(fields=["office", "-starts_at"], name="emergencyaccess_office"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client_id} ({self.starts_at:%Y-%m-%d %H:%M})"


class AccessLog(AppendOnlyModel):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        LIST = "list", _("Listed")
        SEARCH = "search", _("Searched")
        EXPORT = "export", _("Exported")
        DOWNLOAD = "download", _("Downloaded")
        PRINT = "print", _("Printed")

    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    roles = models.CharField(_("roles"), max_length=200)
    office = models.ForeignKey(
        "organisation.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office of the record"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    view_name = models.CharField(_("page"), max_length=120)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.BigIntegerField(null=True, blank=True)
    # Every client whose data the response showed: the basis of the
    # "who has looked at my case" report.
    client_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    allowed = models.BooleanField(_("allowed"))
    # Set when the read was made under break-the-glass: the report shows its reason.
    emergency_access = models.ForeignKey(
        EmergencyAccess,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reads",
        verbose_name=_("emergency access"),
        # Indexed below, for the few rows that have one, not on the whole log.
        db_index=False,
    )

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [
            # "Who has looked at this client": client_ids @> ARRAY[id].
            GinIndex(fields=["client_ids"], name="accesslog_client_ids_gin"),
            # Administrators' search by user and period.
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            models.Index(fields=["-at"], name="accesslog_at"),
            # The managers' list counts the reads under each emergency access.
            models.Index(
                fields=["emergency_access"],
                name="accesslog_emergency_access",
                condition=models.Q(emergency_access__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.view_name}"

    @property
    def page_label(self) -> str:
        """The page the read was made on, in words (never a URL name)."""
        return page_label(self.view_name)


class FormSubmission(models.Model):
    """A form sent once: its one-time token, by whom, when, and the page the save led to.

    The unique token decides between two posts of one form (a double click, or the
    browser's Back and submit again): the second finds the first's row and is sent to
    where the first one led instead of saving again (audit.submissions). Not history:
    a technical row, pruned after a session's lifetime.
    """

    token = models.UUIDField(_("token"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    path = models.CharField(_("form"), max_length=500)
    led_to = models.CharField(_("led to"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            # Decides between two posts of one form, also two at the same moment.
            models.UniqueConstraint(fields=["token"], name="formsubmission_token_once"),
        ]
        indexes = [
            # Pruning the oldest rows (audit.submissions.prune).
            models.Index(fields=["at"], name="formsubmission_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.path}"
