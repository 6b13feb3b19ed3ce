"""The access log: one row for every read of person-level data, never changed."""

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.roles import Role


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


# The pages a client's data is read on, in words a client understands: the "who has seen my
# case" report and the access log show these rather than URL names.
READ_PAGES = {
    "clients:detail": _("The client page"),
    "clients:edit": _("Editing the client"),
    "clients:history": _("The history of the case"),
    "clients:list": _("The list of clients"),
    "clients:search": _("A search"),
    # Also listed in the access log itself, where "this report" would name the wrong page.
    "clients:access_report": _("Who has seen the case"),
    "clients:assessment_detail": _("An assessment"),
    "followup:caseload": _("A caseworker's work list"),
    "followup:contact_new": _("Logging a contact"),
    "families:detail": _("The family page"),
    "families:history": _("The history of the family"),
    "families:plan": _("The family plan"),
    "families:plan_print": _("The family plan, printed"),
    "families:reviews": _("The family's reviews"),
    "research:export": _("An anonymised research export (no name or number)"),
    "research:client_consents": _("Research consents"),
    "research:sampled_clients": _("Clients drawn for a research sample"),
    "organisation:access_log": _("The access log"),
}
# Any other page, by the part of HUSK it belongs to.
READ_AREAS = {
    "clients": _("Another page about the client"),
    "followup": _("A follow-up page (contacts, interventions, programmes)"),
    "families": _("Another page about the family"),
    "research": _("A research page"),
}


class AccessLog(models.Model):
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

    objects = AppendOnlyQuerySet.as_manager()

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
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.view_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only.")

    @property
    def page_label(self) -> str:
        """The page the read was made on, in words (never a URL name)."""
        if self.view_name in READ_PAGES:
            return str(READ_PAGES[self.view_name])
        area = self.view_name.partition(":")[0]
        return str(READ_AREAS.get(area, _("Another page in HUSK")))

    @property
    def role_labels(self) -> str:
        """ "caseworker,manager" as the roles' names."""
        return ", ".join(str(Role(r).label) for r in self.roles.split(",") if r in Role.values)
