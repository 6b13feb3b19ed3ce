"""A code in one of HUSK's code lists; retired codes stay valid where they were used."""

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audit.history import TrackedQuerySet, tracked_history


class CodeList(models.TextChoices):
    CONTACT_REASON = "contact_reason", _("Reasons for contact")
    CLOSING_REASON = "closing_reason", _("Closing reasons")
    LIFE_AREA = "life_area", _("Life areas")
    CONTACT_CHANNEL = "contact_channel", _("Contact channels")
    PARTICIPANT_SERVICE = "participant_service", _("Other services")
    INTERVENTION_TYPE = "intervention_type", _("Intervention types")
    INTERVENTION_OUTCOME = "intervention_outcome", _("Intervention outcomes")
    BENEFIT_KIND = "benefit_kind", _("Benefit kinds")
    ASSESSMENT_STATUS = "assessment_status", _("Assessment statuses")
    NEED_LEVEL = "need_level", _("Need levels")
    LANGUAGE = "language", _("Languages")
    COUNTRY = "country", _("Countries")
    MUNICIPALITY = "municipality", _("Municipalities")


class CodeQuerySet(TrackedQuerySet):
    def of(self, code_list: CodeList) -> "CodeQuerySet":
        return self.filter(list_name=code_list)

    def offered(self, code_list: CodeList) -> "CodeQuerySet":
        """The codes a form offers for new data: active ones, in list order."""
        return self.of(code_list).filter(active=True)


class Code(models.Model):
    list_name = models.CharField(_("code list"), max_length=30, choices=CodeList.choices)
    code = models.CharField(_("code"), max_length=40)
    label_nb = models.CharField(_("label (bokmål)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Retired codes are no longer offered, but stay valid where they were used."),
    )
    # List-specific attributes: a country's region, an outcome's category,
    # a municipality's validity and successor, whether a benefit is social assistance.
    extra = models.JSONField(_("attributes"), default=dict, blank=True)

    objects = CodeQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["list_name", "sort_order", "label_nb"]
        constraints = [
            models.UniqueConstraint(fields=["list_name", "code"], name="code_unique_in_list"),
        ]
        indexes = [
            # Form choices: the active codes of one list in order.
            models.Index(
                fields=["list_name", "sort_order"],
                condition=models.Q(active=True),
                name="code_active_by_list",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (get_language() or "nb")[:2]
        return self.label_en if language == "en" else self.label_nb

    def attribute(self, name: str, default: Any = None) -> Any:
        return self.extra.get(name, default)


def code_field(code_list: CodeList, verbose_name: Any, **options: Any) -> Any:
    """A protected foreign key to one code list."""
    return models.ForeignKey(
        Code,
        on_delete=models.PROTECT,
        limit_choices_to={"list_name": code_list},
        related_name="+",
        verbose_name=verbose_name,
        **options,
    )


def codes_field(code_list: CodeList, verbose_name: Any, **options: Any) -> Any:
    """A many-to-many to one code list (several reasons, topics …)."""
    return models.ManyToManyField(
        Code,
        limit_choices_to={"list_name": code_list},
        related_name="+",
        verbose_name=verbose_name,
        **options,
    )
