"""Forms of the client register: registration, editing and search."""

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput, ModelRulesOnce, version_field
from clients.models import Client
from clients.national_id import parse_duf_number, parse_national_id
from codelists.models import Code, CodeList
from organisation.models import Office, User
from organisation.roles import PERSON_LEVEL_ROLES


def code_choices(code_list: CodeList, current: Code | None = None) -> Any:
    """Active codes of a list, plus the one already chosen even if it is retired."""
    queryset = Code.objects.of(code_list)
    if current is not None:
        return queryset.filter(active=True) | queryset.filter(pk=current.pk)
    return queryset.filter(active=True)


class ChoiceQuerysets:
    """Typed access to the model-choice fields of a form, whose querysets are narrowed."""

    fields: dict[str, forms.Field]

    def _choice_field(self, name: str) -> forms.ModelChoiceField[Any]:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field


class ClientForm(ModelRulesOnce, ChoiceQuerysets, forms.ModelForm[Client]):
    """Register or edit a client; the rules of the dates are the model's (Client.clean)."""

    version = version_field()

    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "national_id",
            "duf_number",
            "birth_date",
            "gender",
            "office",
            "caseworker",
            "status",
            "phone",
            "email",
            "address",
            "language",
            "interpreter_needed",
            "usual_channel",
            "country_of_birth",
            "refugee_background",
            "arrival_year",
            "settlement_municipality",
        ]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        offices = Office.objects.filter(pk__in=user.person_level_office_ids)
        self._choice_field("office").queryset = offices
        if len(user.person_level_office_ids) == 1:
            self.fields["office"].initial = user.person_level_office_ids[0]
        self._choice_field("caseworker").queryset = User.objects.filter(
            is_active=True,
            membership_set__office__in=offices,
            membership_set__role__in=sorted(PERSON_LEVEL_ROLES),
        ).distinct()
        self.fields["caseworker"].initial = user.pk
        # Only a merge makes a record merged (recording what moved, so it can be undone).
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [
            (value, label)
            for value, label in Client.Status.choices
            if value != Client.Status.MERGED
        ]
        for name, code_list in {
            "language": CodeList.LANGUAGE,
            "usual_channel": CodeList.CONTACT_CHANNEL,
            "country_of_birth": CodeList.COUNTRY,
            "settlement_municipality": CodeList.MUNICIPALITY,
        }.items():
            current = getattr(self.instance, name) if self.instance.pk else None
            self._choice_field(name).queryset = code_choices(code_list, current)
        self.fields["birth_date"].required = False
        self.fields["birth_date"].help_text = _("Filled in from the national identity number.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_national_id(self) -> str | None:
        value = self.cleaned_data.get("national_id") or ""
        if not value.strip():
            return None
        parsed = parse_national_id(value, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS)
        self.parsed_national_id = parsed
        holder = (
            Client.objects.filter(national_id=parsed.number)
            .exclude(pk=self.instance.pk)
            .select_related("office")
            .first()
        )
        if holder is not None:
            if holder.office_id in self.user.person_level_office_ids:
                raise ValidationError(
                    _("Another client in your offices has this national identity number: %(name)s.")
                    % {"name": holder.full_name},
                    code="taken",
                )
            # Name the office, not the person: the caseworker can ask for a transfer.
            raise ValidationError(
                _("This person is already registered at %(office)s. Ask them for a transfer.")
                % {"office": holder.office.name},
                code="taken_elsewhere",
            )
        return parsed.number

    def validate_unique(self) -> None:
        # clean_national_id() explains a taken number better than the generic message.
        self._validate_unique = False
        super().validate_unique()

    def clean_duf_number(self) -> str | None:
        value = self.cleaned_data.get("duf_number") or ""
        return parse_duf_number(value) if value.strip() else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parsed = getattr(self, "parsed_national_id", None)
        birth_date: datetime.date | None = data.get("birth_date")
        if parsed is not None:
            if birth_date and birth_date != parsed.birth_date:
                self.add_error(
                    "birth_date",
                    _("The date of birth does not match the national identity number."),
                )
            data["birth_date"] = parsed.birth_date
            if data.get("gender") in (None, "", Client.Gender.UNKNOWN) and parsed.gender:
                data["gender"] = parsed.gender
        elif not birth_date and "birth_date" not in self.errors:
            self.add_error(
                "birth_date", _("Enter the date of birth, or a national identity number.")
            )
        return data


class SearchForm(forms.Form):
    """Search by name or national identity number; always sent by POST."""

    query = forms.CharField(
        label=_("Name or national identity number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def clean_query(self) -> str:
        query: str = self.cleaned_data["query"].strip()
        if len(query.replace(" ", "")) < 2:
            raise ValidationError(_("Type at least two letters or digits."))
        return query


class TransferForm(forms.Form):
    """Move a client to another office (e.g. after moving house), with the reason."""

    to_office = forms.ModelChoiceField(queryset=Office.objects.none(), label=_("To office"))
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_office = self.fields["to_office"]
        assert isinstance(to_office, forms.ModelChoiceField)
        to_office.queryset = Office.objects.exclude(pk=client.office_id)
