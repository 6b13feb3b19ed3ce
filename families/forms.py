"""Forms of the families app."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.corrections import ENTERED_IN_ERROR, CorrectionForm
from audit.forms import DateInput
from clients.forms import ChoiceQuerysets, code_choices
from clients.models import Client
from codelists.models import CodeList
from families.models import Family, FamilyMember, FamilyService, LeisureActivity, SchoolStatus
from families.picker import PersonChoiceField
from followup.forms import ContactForm
from organisation.models import Office, User
from organisation.roles import PERSON_LEVEL_ROLES


def not_in_future(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))


def model_rules(form: forms.BaseForm, instance: models.Model) -> None:
    """Run the model's own domain rules (its clean()) and show each refusal at its field.

    For forms that are not model forms: the rules stay in one place, the model.
    """
    try:
        instance.clean()
    except ValidationError as error:
        for field, messages in error.update_error_dict({}).items():
            form.add_error(field if field in form.fields else None, messages)


class HomeQueryForm(forms.Form):
    """The coordinator's home: their own families, or the whole office's."""

    view = forms.ChoiceField(
        required=False, choices=[("mine", _("My families")), ("office", _("Whole office"))]
    )


class FamilyOnDateForm(forms.Form):
    """The family page's query string: the family as it was on a date.

    Only a day HUSK can say something about: from the day the family was first followed
    (the memberships start then), and not ahead of today (nobody has left in the future).
    A refused date is said at the field, and the page shows the family as it is today.
    """

    on = forms.DateField(label=_("Show the family as on"), required=False)

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.family = family

    def clean_on(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data["on"]
        if day is None:
            return None
        if day < self.family.created_on:
            raise ValidationError(
                _(
                    "The family has been followed since %(date)s: choose that date or a later "
                    "one. The family is shown as it is today."
                )
                % {"date": self.family.created_on.strftime("%d.%m.%Y")}
            )
        if day > timezone.localdate():
            raise ValidationError(
                _(
                    "The date is in the future: the family can be shown as it is today or as "
                    "it was before. The family is shown as it is today."
                )
            )
        return day


class FamilyForm(ChoiceQuerysets, forms.ModelForm[Family]):
    class Meta:
        model = Family
        fields = ["name", "office", "coordinator", "created_on"]
        widgets = {"created_on": DateInput()}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = Office.objects.filter(pk__in=user.person_level_office_ids)
        self._choice_field("office").queryset = offices
        self.fields["office"].initial = user.person_level_office_ids[0]
        self._choice_field("coordinator").queryset = User.objects.filter(
            is_active=True,
            membership_set__office__in=offices,
            membership_set__role__in=sorted(PERSON_LEVEL_ROLES),
        ).distinct()
        self.fields["coordinator"].initial = user.pk
        self.fields["created_on"].validators.append(not_in_future)


class MemberForm(forms.Form):
    """Add a member: a client found with the person picker, or a person named here.

    A client who is a member of another family now can be moved: that membership
    ends (it is kept, closed) on the date they join this family.
    """

    client = PersonChoiceField(
        required=False,
        label=_("Client"),
        help_text=_(
            "Search by name, national identity number or date of birth (dd.mm.åååå). "
            "Leave empty to add a child or another person who is not a client."
        ),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=DateInput(), validators=[not_in_future]
    )
    role = forms.ChoiceField(label=_("Role"), choices=FamilyMember.Role.choices)
    joined_on = forms.DateField(
        label=_("Member from"), widget=DateInput(), validators=[not_in_future]
    )
    move = forms.BooleanField(
        label=_("Move the client from their current family"),
        required=False,
        help_text=_(
            "For a client who is a member of another family now: that membership ends on "
            "the date they join this family."
        ),
    )

    def __init__(self, *args: Any, family: Family, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.family = family
        self.user = user
        self.fields["joined_on"].initial = timezone.localdate()
        client = self.fields["client"]
        assert isinstance(client, PersonChoiceField)
        client.for_user(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("client") is None and not (data.get("first_name") and data.get("birth_date")):
            raise ValidationError(
                _("Choose a client, or give the person's first name and date of birth.")
            )
        client = data.get("client")
        if client is not None:
            self._check_current_family(client, data.get("joined_on"), move=data.get("move"))
        if not self.errors:
            member_fields = ("client", "first_name", "last_name", "birth_date", "role", "joined_on")
            model_rules(
                self,
                FamilyMember(family=self.family, **{f: data.get(f) for f in member_fields}),
            )
        return data

    def _check_current_family(
        self, client: Client, joined_on: datetime.date | None, *, move: bool | None
    ) -> None:
        current = (
            FamilyMember.objects.filter(client=client, left_on__isnull=True)
            .select_related("family")
            .first()
        )
        if current is None:
            return
        visible = current.family.office_id in self.user.person_level_office_ids
        names = {
            "name": client.full_name,
            "family": current.family.name if visible else _("a family of another office"),
            "date": current.joined_on.strftime("%d.%m.%Y"),
        }
        if current.family_id == self.family.pk:
            self.add_error("client", _("%(name)s is already a member of this family.") % names)
        elif not move:
            self.add_error(
                "move",
                _(
                    "%(name)s is a member of %(family)s since %(date)s. Tick the box to move "
                    "them: that membership then ends on the date they join this family."
                )
                % names,
            )
        elif joined_on is not None and joined_on <= current.joined_on:
            self.add_error(
                "joined_on",
                _("The move must be after %(name)s joined %(family)s (%(date)s).") % names,
            )


class MemberCorrectionForm(CorrectionForm):
    """A membership corrected with a reason; a client's name and birth date are the client's."""

    class Meta:
        model = FamilyMember
        fields = [*FamilyMember.correctable_fields, ENTERED_IN_ERROR]
        widgets = {name: DateInput() for name in ("birth_date", "joined_on", "left_on")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.client_id is not None:
            # Corrected on the client's own page, where every record of theirs uses them.
            for name in ("first_name", "last_name", "birth_date"):
                del self.fields[name]


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput(), validators=[not_in_future])


NO_ONE_TO_MOVE = _("No one is a member of the family now, so no one can move to a new household.")


class SplitForm(forms.Form):
    name = forms.CharField(label=_("Name of the new household"), max_length=120)
    on = forms.DateField(
        label=_("Date of the split"), widget=DateInput(), validators=[not_in_future]
    )
    members = forms.ModelMultipleChoiceField(
        queryset=FamilyMember.objects.none(),
        label=_("Who moves to the new household"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = family.memberships.filter(left_on__isnull=True).select_related("client")
        # With no one to choose, the field would show its error nowhere (it is shown under
        # the last checkbox): the form says it above instead.
        self.no_one = not members.queryset.exists()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.no_one:
            self.errors.pop("members", None)
            raise ValidationError(NO_ONE_TO_MOVE)
        return data


class ServiceForm(ChoiceQuerysets, forms.ModelForm[FamilyService]):
    class Meta:
        model = FamilyService
        fields = ["service", "contact_name", "contact_phone", "since"]
        widgets = {"since": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice_field("service").queryset = code_choices(CodeList.PARTICIPANT_SERVICE)
        self.fields["since"].validators.append(not_in_future)


class SchoolStatusForm(forms.ModelForm[SchoolStatus]):
    risk = forms.BooleanField(label=_("High absence or risk of dropping out"), required=False)

    class Meta:
        model = SchoolStatus
        fields = ["valid_from", "level", "programme", "year", "status"]
        widgets = {"valid_from": DateInput()}

    def __init__(self, *args: Any, member: FamilyMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model's rules (SchoolStatus.clean) compare the dates with the child's birth.
        self.instance.member = member
        self.fields["valid_from"].initial = timezone.localdate()


class LeisureForm(forms.ModelForm[LeisureActivity]):
    class Meta:
        model = LeisureActivity
        fields = ["activity", "since"]
        widgets = {"since": DateInput()}

    def __init__(self, *args: Any, member: FamilyMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.member = member  # for LeisureActivity.clean


class FamilyContactForm(ContactForm):
    """The contact form, plus who in the family took part."""

    participants = forms.ModelMultipleChoiceField(
        queryset=FamilyMember.objects.none(),
        label=_("Who took part"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        members = list(family.memberships.filter(left_on__isnull=True).select_related("client"))
        adults = [m.client for m in members if m.client is not None]
        if not adults:
            raise ValueError("A family contact needs an adult client in the family.")
        super().__init__(*args, client=adults[0], **kwargs)
        participants = self.fields["participants"]
        assert isinstance(participants, forms.ModelMultipleChoiceField)
        participants.queryset = FamilyMember.objects.filter(pk__in=[m.pk for m in members])
        self.initial.setdefault("participants", [m.pk for m in members])

    def clean_participants(self) -> Any:
        chosen = self.cleaned_data["participants"]
        if not any(member.client_id for member in chosen):
            raise ValidationError(_("At least one adult who is a client must take part."))
        return chosen
