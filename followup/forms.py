"""The contact form: short, with sensible defaults, because it is filled in many times a day."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.forms import ChoiceQuerysets, DateInput, code_choices
from clients.models import Client
from codelists.models import Code, CodeList
from followup.models import Contact


class ContactForm(ChoiceQuerysets, forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = [
            "date",
            "channel",
            "duration_minutes",
            "topics",
            "interpreter_used",
            "other_services",
            "agreed_actions",
            "note",
            "next_contact_on",
        ]
        widgets = {
            "date": DateInput(),
            "next_contact_on": DateInput(),
            "topics": forms.CheckboxSelectMultiple,
            "other_services": forms.CheckboxSelectMultiple,
            "agreed_actions": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self._choice_field("channel").queryset = code_choices(CodeList.CONTACT_CHANNEL)
        self._choice_field("topics").queryset = code_choices(CodeList.LIFE_AREA)
        self._choice_field("other_services").queryset = code_choices(CodeList.PARTICIPANT_SERVICE)
        self.fields["duration_minutes"].widget.attrs.update({"min": 1, "max": 1440, "step": 5})
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault(
                "channel",
                client.usual_channel_id
                or Code.objects.filter(list_name=CodeList.CONTACT_CHANNEL, code="office_meeting")
                .values_list("pk", flat=True)
                .first(),
            )
            self.initial.setdefault("interpreter_used", client.interpreter_needed)

    def clean_date(self) -> datetime.date:
        date: datetime.date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(
                _("A contact cannot be logged in the future. Set the next contact date instead.")
            )
        if date < self.client.birth_date:
            raise ValidationError(_("The date is before the client's date of birth."))
        return date

    def clean_duration_minutes(self) -> int:
        minutes: int = self.cleaned_data["duration_minutes"]
        if not 1 <= minutes <= 24 * 60:
            raise ValidationError(_("The duration must be between 1 minute and 24 hours."))
        return minutes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date, next_on = data.get("date"), data.get("next_contact_on")
        if date and next_on and next_on < date:
            self.add_error("next_contact_on", _("The next contact must be after this one."))
        return data
