"""Offices, users and memberships (a user's role in an office)."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.history import TrackedQuerySet, tracked_history
from organisation.roles import OFFICE_ROLES, PERSON_LEVEL_ROLES, Role

# What each named system actor (audit.history.system_actor) did, as readers see it.
SYSTEM_ACTOR_LABELS = {
    "seed_demo": _("System (demo data)"),
    "generate_synthetic": _("System (synthetic data)"),
    "load_codelists": _("System (code lists)"),
    "research_export": _("System (research export)"),
    "bench": _("System (performance measurement)"),
}

four_digits = RegexValidator(r"^\d{4}$", _("Enter exactly four digits."))


class Office(models.Model):
    """A NAV office (NAV-kontor)."""

    name = models.CharField(_("name"), max_length=120)
    municipality_number = models.CharField(
        _("municipality number"), max_length=4, validators=[four_digits]
    )
    unit_number = models.CharField(_("unit number"), max_length=4, validators=[four_digits])

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit_number"], name="office_unit_number_unique"),
            models.UniqueConstraint(fields=["name"], name="office_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in to HUSK, or a named system actor that writes history."""

    is_system_actor = models.BooleanField(
        _("system actor"),
        default=False,
        help_text=_("A command or background task, named so that history shows who wrote."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        # Pages, choices and history name people, never their usernames.
        if self.is_system_actor or self.username.startswith("system:"):
            name = self.username.removeprefix("system:")
            label = SYSTEM_ACTOR_LABELS.get(name)
            return str(label) if label else gettext("System (%(name)s)") % {"name": name}
        return self.get_full_name() or self.username

    @cached_property
    def memberships(self) -> list["Membership"]:
        # One query per request: every access decision reads this list.
        if not self.pk or not self.is_active:
            return []
        return list(Membership.objects.filter(user=self).select_related("office"))

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def office_ids_for(self, roles: frozenset[str]) -> list[int]:
        return sorted({m.office_id for m in self.memberships if m.role in roles and m.office_id})

    @property
    def person_level_office_ids(self) -> list[int]:
        """Offices whose clients and families this user may see."""
        return self.office_ids_for(PERSON_LEVEL_ROLES)

    @property
    def offices(self) -> list[Office]:
        seen: dict[int, Office] = {}
        for m in self.memberships:
            if m.office is not None:
                seen.setdefault(m.office.pk, m.office)
        return sorted(seen.values(), key=lambda office: office.name)


class Membership(models.Model):
    """A user's role, in an office for office roles, or without one for the others."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="membership_set")
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office", "role"], name="membership_unique_per_office"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(office__isnull=True),
                name="membership_unique_without_office",
            ),
            # Caseworkers, coordinators and managers work in an office;
            # researchers and administrators do not.
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=sorted(OFFICE_ROLES), office__isnull=False)
                    | (~models.Q(role__in=sorted(OFFICE_ROLES)) & models.Q(office__isnull=True))
                ),
                name="membership_office_matches_role",
            ),
        ]

    def __str__(self) -> str:
        role = Role(self.role).label
        return f"{self.user} – {role}" + (f" ({self.office})" if self.office else "")
