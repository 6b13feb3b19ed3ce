"""The contact form: short, with sensible defaults, because it is filled in many times a day."""

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput, ModelRulesOnce, version_field
from clients.forms import ChoiceQuerysets, code_choices
from clients.models import Client
from codelists.models import Code, CodeList
from followup.models import Contact, Enrolment, Programme, Reminder
from followup.services import studies
from followup.services.contacts import ContactFields


class ContactForm(ModelRulesOnce, ChoiceQuerysets, forms.ModelForm[Contact]):
    """The date rules are the model's (Contact.clean)."""

    version = version_field()

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
        self.instance.client = client
        self._choice_field("channel").queryset = code_choices(CodeList.CONTACT_CHANNEL)
        self._choice_field("topics").queryset = code_choices(CodeList.LIFE_AREA)
        self._choice_field("other_services").queryset = code_choices(CodeList.PARTICIPANT_SERVICE)
        self.fields["duration_minutes"].widget.attrs.update({"min": 1, "max": 1440, "step": 5})
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # Retired codes already on the contact stay selectable.
            self._choice_field("channel").queryset = code_choices(
                CodeList.CONTACT_CHANNEL, self.instance.channel
            )
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault(
                "channel",
                client.usual_channel_id
                or Code.objects.filter(list_name=CodeList.CONTACT_CHANNEL, code="office_meeting")
                .values_list("pk", flat=True)
                .first(),
            )
            self.initial.setdefault("interpreter_used", client.interpreter_needed)

    def contact_fields(self) -> ContactFields:
        """The cleaned contact, by the names the contact services take."""
        names = ContactFields.__required_keys__ | ContactFields.__optional_keys__
        return cast(ContactFields, {name: self.cleaned_data[name] for name in names})


class AfterContactForm(forms.Form):
    """Where to go once the contact is logged: the client's page, or back to the caseload."""

    then = forms.ChoiceField(choices=[("", ""), ("caseload", "")], required=False)


class ReminderForm(forms.ModelForm[Reminder]):
    class Meta:
        model = Reminder
        fields = ["text", "due_on"]
        widgets = {"due_on": DateInput()}

    def clean_due_on(self) -> datetime.date:
        due: datetime.date = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise ValidationError(_("The due date cannot be in the past."))
        return due


class EnrolmentForm(ModelRulesOnce, ChoiceQuerysets, forms.ModelForm[Enrolment]):
    """Enrolling; the date rules are the model's (Enrolment.clean)."""

    class Meta:
        model = Enrolment
        fields = ["programme", "enrolled_on", "index_date"]
        widgets = {"enrolled_on": DateInput(), "index_date": DateInput()}
        help_texts = {
            "index_date": _(
                "Only for programmes run as a study: the day follow-up is measured from. "
                "Empty means the enrolment date."
            )
        }

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.instance.client = client
        programmes = Programme.objects.filter(office=client.office_id)
        self._choice_field("programme").queryset = programmes
        self.initial.setdefault("enrolled_on", timezone.localdate())
        randomised = [p.name for p in programmes if p.is_randomised]
        if randomised:
            self.fields["programme"].help_text = _(
                "Randomised studies (the arm is drawn when you save, and cannot be drawn again): "
                "%(names)s."
            ) % {"names": ", ".join(randomised)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        programme = data.get("programme")
        if (
            programme
            and Enrolment.objects.filter(
                client=self.client, programme=programme, left_on__isnull=True
            ).exists()
        ):
            raise ValidationError(_("The client is already enrolled in this programme."))
        if programme and not programme.is_study and data.get("index_date"):
            self.add_error(
                "index_date", _("An index date is only for programmes that are run as a study.")
            )
        if (
            programme
            and programme.is_randomised
            and studies.drawn_before(programme=programme, client_id=self.client.pk)
        ):
            raise ValidationError(studies.DRAWN_BEFORE)
        if programme and programme.is_randomised and not programme.arms.exists():
            raise ValidationError(studies.NO_ARMS)
        return data


class EnrolmentEndForm(ModelRulesOnce, ChoiceQuerysets, forms.ModelForm[Enrolment]):
    """Ending an enrolment; the date rules are the model's (Enrolment.clean)."""

    class Meta:
        model = Enrolment
        fields = ["left_on", "outcome"]
        widgets = {"left_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["left_on"].required = True
        self._choice_field("outcome").queryset = code_choices(CodeList.INTERVENTION_OUTCOME)
        self.initial.setdefault("left_on", timezone.localdate())
