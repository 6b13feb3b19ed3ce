"""Forms of case episodes (open, edit and close) and benefit periods (add and end)."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput, ModelRulesOnce, version_field
from clients.forms import ChoiceQuerysets, code_choices
from clients.models import BenefitPeriod, CaseEpisode, Client
from codelists.models import Code, CodeList


def _short(date: datetime.date) -> str:
    return date_format(date, "SHORT_DATE_FORMAT")


def overlap_message(other: BenefitPeriod) -> str:
    """Name the period in the way, so the caseworker can find and correct it."""
    if other.end is None:
        return gettext(
            "This overlaps the period of %(kind)s from %(start)s, which has not ended. "
            "End that period first."
        ) % {"kind": other.kind, "start": _short(other.start)}
    return gettext("This overlaps the period of %(kind)s from %(start)s to %(end)s.") % {
        "kind": other.kind,
        "start": _short(other.start),
        "end": _short(other.end),
    }


class EpisodeOpenForm(ModelRulesOnce, ChoiceQuerysets, forms.ModelForm[CaseEpisode]):
    """Open a case episode: when, and why the person came. The rules are CaseEpisode.clean()."""

    class Meta:
        model = CaseEpisode
        fields = ["opened_on", "reasons"]
        widgets = {"opened_on": DateInput(), "reasons": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        # The model's rules compare the dates with the client's date of birth.
        self.instance.client = client
        reasons = self._choice_field("reasons")
        offered = code_choices(CodeList.CONTACT_REASON)
        if self.instance.pk:
            # Keep the reasons already chosen even if their codes were retired since.
            current = Code.objects.filter(pk__in=self.instance.reasons.values("pk"))
            offered = offered | current
        reasons.queryset = offered
        reasons.error_messages["required"] = _("Choose at least one reason for contact.")
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("opened_on", timezone.localdate())


class EpisodeForm(EpisodeOpenForm):
    """Edit an episode, and close it with a date and a closing reason."""

    version = version_field()

    class Meta(EpisodeOpenForm.Meta):
        fields = ["opened_on", "reasons", "closed_on", "closing_reason"]
        widgets = {**EpisodeOpenForm.Meta.widgets, "closed_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice_field("closing_reason").queryset = code_choices(
            CodeList.CLOSING_REASON, self.instance.closing_reason
        )
        self.fields["closed_on"].help_text = _(
            "To close the episode, give the date and the closing reason."
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class BenefitForm(ModelRulesOnce, ChoiceQuerysets, forms.ModelForm[BenefitPeriod]):
    """A new benefit period: which benefit, from, and (if known) to (rules: the model's clean)."""

    class Meta:
        model = BenefitPeriod
        fields = ["kind", "start", "end"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.instance.client = client
        self._choice_field("kind").queryset = code_choices(CodeList.BENEFIT_KIND)
        self.fields["end"].help_text = _("The last day of the benefit. Leave empty while it runs.")


class BenefitEndForm(ModelRulesOnce, forms.ModelForm[BenefitPeriod]):
    """End a running benefit period (or correct its last day)."""

    class Meta:
        model = BenefitPeriod
        fields = ["end"]
        widgets = {"end": DateInput()}
        labels = {"end": _("Last day")}
        help_texts = {"end": _("The last day the client receives the benefit.")}

    def __init__(self, *args: Any, benefit: BenefitPeriod, **kwargs: Any) -> None:
        kwargs["instance"] = benefit
        super().__init__(*args, **kwargs)
        self.benefit = benefit
        self.fields["end"].required = True
        if not self.is_bound and benefit.end is None:
            self.initial["end"] = timezone.localdate()
