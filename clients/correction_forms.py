"""Correction forms of case episodes and benefit periods: the generic form plus their rules.

The dates' rules are the models' own (clean(), run by the ModelForm). The rules
across records, which the services check under a lock for new records, are
checked here too, so that a correction cannot store what a new record could not:
one open episode per client, no two periods of one benefit on the same day.
"""

from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.corrections import ENTERED_IN_ERROR, CorrectionForm
from audit.forms import DateInput
from clients.episode_forms import overlap_message
from clients.forms import ChoiceQuerysets, code_choices
from clients.models import BenefitPeriod, CaseEpisode
from clients.selectors import other_open_episode, overlapping_benefit
from codelists.models import CodeList


class EpisodeCorrectionForm(ChoiceQuerysets, CorrectionForm):
    class Meta:
        model = CaseEpisode
        fields = [*CaseEpisode.correctable_fields, ENTERED_IN_ERROR]
        widgets = {"opened_on": DateInput(), "closed_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice_field("closing_reason").queryset = code_choices(
            CodeList.CLOSING_REASON, self.instance.closing_reason
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        open_after = not data.get(ENTERED_IN_ERROR) and data.get("closed_on") is None
        if open_after and "closed_on" not in self.errors:
            other = other_open_episode(self.instance.client, exclude_pk=self.instance.pk)
            if other is not None:
                self.add_error(
                    "closed_on",
                    _("The client has another open case episode (from %(date)s): close it first.")
                    % {"date": date_format(other.opened_on, "SHORT_DATE_FORMAT")},
                )
        return data


class BenefitCorrectionForm(ChoiceQuerysets, CorrectionForm):
    class Meta:
        model = BenefitPeriod
        fields = [*BenefitPeriod.correctable_fields, ENTERED_IN_ERROR]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice_field("kind").queryset = code_choices(
            CodeList.BENEFIT_KIND, self.instance.kind
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, start = data.get("kind"), data.get("start")
        if not data.get(ENTERED_IN_ERROR) and kind is not None and start is not None:
            other = overlapping_benefit(
                client=self.instance.client,
                kind=kind,
                start=start,
                end=data.get("end"),
                exclude_pk=self.instance.pk,
            )
            if other is not None:
                self.add_error("start", overlap_message(other))
        return data
