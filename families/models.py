"""Families (husstander) and who belonged to them when, and the services around them."""

import datetime
from typing import Self

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.history import TrackedQuerySet, tracked_history
from clients.models import Client
from codelists.models import CodeList, code_field
from organisation.access import OfficeScopedQuerySet
from organisation.models import Office


class FamilyQuerySet(OfficeScopedQuerySet):
    pass


class Family(models.Model):
    """A family or household followed by an office, usually by one family coordinator."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="families", verbose_name=_("office")
    )
    name = models.CharField(
        _("name"), max_length=120, help_text=_("How the family is named, e.g. «Familien Haddad».")
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="families",
        verbose_name=_("family coordinator"),
    )
    # A family that split: the new household remembers where it came from.
    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="splits",
        verbose_name=_("split from"),
    )
    created_on = models.DateField(_("followed since"), default=datetime.date.today)
    version = models.PositiveIntegerField(default=1)

    objects = FamilyQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        ordering = ["name", "pk"]
        indexes = [
            # The coordinator's home page: their families.
            models.Index(fields=["coordinator", "name"], name="family_coordinator"),
            models.Index(fields=["office", "name"], name="family_office_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("families:detail", args=[self.pk])

    def accessed_client_ids(self) -> list[int]:
        # Reading a family page reads every member who is a client.
        return sorted({m.client_id for m in self.memberships.all() if m.client_id is not None})


class MembershipQuerySet(OfficeScopedQuerySet):
    office_lookup = "family__office_id"

    def on(self, date: datetime.date) -> Self:
        """Memberships in force on a date: the family as it was then."""
        return self.filter(joined_on__lte=date).filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=date)
        )


class FamilyMember(models.Model):
    """A person's membership of a family, from one date to another.

    Adults followed by the office are clients; children and other members
    need not be, so their name and date of birth are kept here.
    """

    class Role(models.TextChoices):
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        OTHER_ADULT = "other_adult", _("Other adult")

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="memberships")
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="family_memberships",
        verbose_name=_("client"),
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    joined_on = models.DateField(_("member from"))
    left_on = models.DateField(_("member until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["role", "birth_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="member_left_after_joined",
            ),
            models.CheckConstraint(
                condition=models.Q(client__isnull=False)
                | (~models.Q(first_name="") & models.Q(birth_date__isnull=False)),
                name="member_is_client_or_named",
            ),
            # A client is in one family at a time (UI refuses overlaps too).
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(left_on__isnull=True, client__isnull=False),
                name="member_client_in_one_current_family",
            ),
        ]
        indexes = [
            # "Searching one member leads to the whole family": by client.
            models.Index(fields=["client"], name="member_client"),
            models.Index(fields=["family", "joined_on"], name="member_family_joined"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        if self.client is not None:
            return self.client.full_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def person_birth_date(self) -> datetime.date | None:
        return self.client.birth_date if self.client is not None else self.birth_date

    @property
    def office_id(self) -> int:
        return int(self.family.office_id)

    def accessed_client_ids(self) -> list[int]:
        return [self.client_id] if self.client_id is not None else []

    def is_member_on(self, date: datetime.date) -> bool:
        return self.joined_on <= date and (self.left_on is None or self.left_on > date)


class FamilyService(models.Model):
    """A service involved with the family, the family's named contact there, and since when."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="services")
    service = code_field(CodeList.PARTICIPANT_SERVICE, _("service"))
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("service involved")
        verbose_name_plural = _("services involved")
        ordering = ["since", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="family_service_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return str(self.service)
