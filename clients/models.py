"""The client register: a person followed by the social services of an office."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history
from organisation.access import OfficeScopedQuerySet
from organisation.models import Office


class ClientQuerySet(OfficeScopedQuerySet):
    pass


class Client(models.Model):
    """A client (bruker) of one office."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="clients", verbose_name=_("office")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            # The client list of an office, in name order.
            models.Index(fields=["office", "last_name", "first_name"], name="client_office_name"),
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
