"""Forms of break-the-glass: the client's national id, then the purpose and the reason."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.models import EmergencyAccess
from clients.national_id import parse_national_id

REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = EmergencyAccess._meta.get_field("reason").max_length or 500


class EmergencyFindForm(forms.Form):
    """Only the full national id: emergency access is never a search by name."""

    national_id = forms.CharField(
        label=_("The client's national identity number"),
        max_length=20,
        help_text=_("Fødselsnummer or D-nummer, 11 digits."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_national_id(self) -> str:
        value: str = self.cleaned_data["national_id"]
        return parse_national_id(value, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS).number


class EmergencyReasonForm(EmergencyFindForm):
    """The second step: the number again (hidden), and why the glass is broken."""

    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=EmergencyAccess.Purpose.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why you must open this client now. The managers of the client's office read it: "
            "write no more about the client than they need."
        ),
        error_messages={
            "required": _("State the reason: emergency access is not given without one.")
        },
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["national_id"].widget = forms.HiddenInput()

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if len(reason) < REASON_MIN_LENGTH:
            raise ValidationError(
                _("Describe the reason in at least %(count)d characters."),
                params={"count": REASON_MIN_LENGTH},
            )
        return reason
