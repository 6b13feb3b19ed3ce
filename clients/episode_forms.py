"""Forms of case episodes (open, edit and close) and benefit periods (add and end)."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.forms import ChoiceQuerysets, DateInput, code_choices
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


class EpisodeOpenForm(ChoiceQuerysets, forms.ModelForm[CaseEpisode]):
    """Open a case episode: when, and why the person came."""

    class Meta:
        model = CaseEpisode
        fields = ["opened_on", "reasons"]
        widgets = {"opened_on": DateInput(), "reasons": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
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

    def clean_opened_on(self) -> datetime.date:
        opened_on: datetime.date = self.cleaned_data["opened_on"]
        if opened_on > timezone.localdate():
            raise ValidationError(_("An episode cannot be opened in the future."))
        if opened_on < self.client.birth_date:
            raise ValidationError(_("The date is before the client's date of birth."))
        return opened_on


class EpisodeForm(EpisodeOpenForm):
    """Edit an episode, and close it with a date and a closing reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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

    def clean_closed_on(self) -> datetime.date | None:
        closed_on: datetime.date | None = self.cleaned_data.get("closed_on")
        if closed_on is not None and closed_on > timezone.localdate():
            raise ValidationError(_("An episode cannot be closed in the future."))
        return closed_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opened_on, closed_on = data.get("opened_on"), data.get("closed_on")
        closing_reason = data.get("closing_reason")
        # Errors are attached to the field that is missing or wrong; a field that has
        # an error already (e.g. an invalid date) is not blamed twice.
        if closed_on and not closing_reason and "closing_reason" not in self.errors:
            self.add_error(
                "closing_reason", _("Choose a closing reason, or clear the closed date.")
            )
        if closing_reason and not closed_on and "closed_on" not in self.errors:
            self.add_error(
                "closed_on", _("Give the date the episode was closed, or clear the closing reason.")
            )
        if opened_on and closed_on and closed_on < opened_on:
            self.add_error("closed_on", _("An episode cannot be closed before it was opened."))
        return data


class BenefitForm(ChoiceQuerysets, forms.ModelForm[BenefitPeriod]):
    """A new benefit period: which benefit, from, and (if known) to."""

    class Meta:
        model = BenefitPeriod
        fields = ["kind", "start", "end"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self._choice_field("kind").queryset = code_choices(CodeList.BENEFIT_KIND)
        self.fields["end"].help_text = _("The last day of the benefit. Leave empty while it runs.")

    def clean_start(self) -> datetime.date:
        start: datetime.date = self.cleaned_data["start"]
        if start < self.client.birth_date:
            raise ValidationError(_("The date is before the client's date of birth."))
        return start

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The benefit cannot end before it starts."))
        return data


class BenefitEndForm(forms.Form):
    """End a running benefit period (or correct its last day)."""

    end = forms.DateField(
        label=_("Last day"),
        widget=DateInput(),
        help_text=_("The last day the client receives the benefit."),
    )

    def __init__(self, *args: Any, benefit: BenefitPeriod, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.benefit = benefit
        if not self.is_bound:
            self.initial.setdefault("end", benefit.end or timezone.localdate())

    def clean_end(self) -> datetime.date:
        end: datetime.date = self.cleaned_data["end"]
        if end < self.benefit.start:
            raise ValidationError(
                _("The benefit cannot end before it starts (%(start)s).")
                % {"start": _short(self.benefit.start)}
            )
        return end
