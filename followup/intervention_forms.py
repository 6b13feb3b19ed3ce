"""Forms of interventions: registering one, editing it and moving it to its next status."""

import copy
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.corrections import correction_form_for
from audit.forms import DateInput, ModelRulesOnce, version_field
from clients.forms import ChoiceQuerysets, code_choices
from clients.models import Client
from codelists.models import Code, CodeList
from followup.models import TRANSITIONS, Intervention, Status
from followup.services.interventions import FINAL


class _InterventionFields(ModelRulesOnce, ChoiceQuerysets, forms.ModelForm[Intervention]):
    """Type, provider and dates; the date rules are the model's (Intervention.clean)."""

    class Meta:
        model = Intervention
        fields = ["type", "provider", "start", "end"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A retired type already on the intervention stays valid; new ones need an active code.
        current = self.instance.type if self.instance.pk else None
        self._choice_field("type").queryset = code_choices(CodeList.INTERVENTION_TYPE, current)


class InterventionNewForm(_InterventionFields):
    already_started = forms.BooleanField(
        label=_("Already started"),
        required=False,
        help_text=_(
            "Tick if the intervention is under way; otherwise it is registered as planned."
        ),
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model's rules need the client (birth date) and the status it will get.
        self.instance.client = client
        self.fields["end"].label = _("Planned end")
        if not self.is_bound:
            self.initial.setdefault("start", timezone.localdate())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started = bool(data.get("already_started"))
        self.instance.status = Status.IN_PROGRESS if started else Status.PLANNED
        return data


class InterventionForm(_InterventionFields):
    """Editing type, provider and dates of an intervention that is not locked."""

    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class InterventionStatusForm(ChoiceQuerysets, forms.Form):
    """One next step of an intervention: the target status and, to end it, date and outcome."""

    to = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    version = version_field()
    end = forms.DateField(
        label=_("End date"),
        required=False,
        widget=DateInput(),
        error_messages={"required": _("Give the date the intervention ended.")},
    )
    outcome = forms.ModelChoiceField(
        queryset=Code.objects.none(),
        label=_("Outcome"),
        required=False,
        error_messages={"required": _("Give the outcome of the completed intervention.")},
    )

    def __init__(self, *args: Any, intervention: Intervention, target: str, **kwargs: Any) -> None:
        # Several of these forms share one page: the target keeps their ids apart.
        kwargs.setdefault("auto_id", f"id_{target}_%s")
        super().__init__(*args, **kwargs)
        self.intervention = intervention
        self.target = target
        self._choice_field("outcome").queryset = code_choices(CodeList.INTERVENTION_OUTCOME)
        if not self.is_bound:
            self.initial.update({"to": target, "version": intervention.version})
            self.initial.setdefault("end", timezone.localdate())
        # A stale post or a disallowed move is not checked field by field: the service
        # refuses it as a conflict or with the reason, which say more than missing fields.
        self.judged = not self.is_bound or self._is_allowed_now()
        if self.judged:
            self.fields["end"].required = target in FINAL
            self.fields["outcome"].required = target == Status.COMPLETED

    def _is_allowed_now(self) -> bool:
        """Whether the post is for the intervention as saved now, and a move it allows."""
        allowed = TRANSITIONS.get(self.intervention.status, frozenset())
        return (
            self.data.get("version") == str(self.intervention.version)
            and self.data.get("to") in allowed
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.judged or self.errors:
            return data
        # The intervention as it would be after the move, judged by the model's rules.
        moved = copy.copy(self.intervention)
        moved.status = self.target
        if self.target in FINAL:
            moved.end = data.get("end")
            moved.outcome = data.get("outcome")
        try:
            moved.clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class InterventionCorrectionForm(correction_form_for(Intervention)):  # type: ignore[misc]
    """A correction of an intervention, its status included (with the dates and outcome
    that status needs, by the model's rules); a status that is not final has no outcome."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        status = cleaned.get("status")
        if status and status not in FINAL and cleaned.get("outcome") is not None:
            self.add_error(
                "outcome",
                _("An intervention that is not finished has no outcome yet: empty the outcome."),
            )
        return cleaned
