"""The login form, and the search of the access log (by user, client, kind of read and period)."""

import datetime
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput
from audit.models import AccessLog
from organisation.models import User


class LoginForm(AuthenticationForm):
    """The password step of the login, with Norwegian labels and autocomplete hints."""

    # `request` by name: the two-step login view passes it only to forms that name it, and
    # the login throttle (django-axes) needs it.
    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = _("Password")


class AccessLogSearchForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"),
        queryset=User.objects.filter(is_system_actor=False).order_by("last_name", "first_name"),
        required=False,
    )
    client = forms.IntegerField(
        label=_("Client number"),
        required=False,
        min_value=1,
        # A client's number is a bigint: a larger one cannot be anybody's, and would fail in SQL.
        max_value=2**63 - 1,
        help_text=_("The client's number in HUSK (in the address of the client's page)."),
    )
    action = forms.ChoiceField(
        label=_("Kind of read"), choices=[("", _("All")), *AccessLog.Action.choices], required=False
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    denied = forms.BooleanField(label=_("Only refused reads"), required=False)
    emergency = forms.BooleanField(label=_("Only reads under emergency access"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field, forms.BooleanField):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = css

    def filter(self, entries: QuerySet[AccessLog]) -> QuerySet[AccessLog]:
        data = self.cleaned_data
        if data.get("user"):
            entries = entries.filter(user=data["user"])
        if data.get("client"):
            # client_ids @> ARRAY[n]: served by the GIN index accesslog_client_ids_gin.
            entries = entries.filter(client_ids__contains=[data["client"]])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        # Compared as moments (local midnight), not as dates of `at`: a cast of the column
        # could not use the index accesslog_at or accesslog_user_at.
        if data.get("start"):
            entries = entries.filter(at__gte=_midnight(data["start"]))
        if data.get("end"):
            entries = entries.filter(at__lt=_midnight(data["end"] + datetime.timedelta(days=1)))
        if data.get("denied"):
            entries = entries.filter(allowed=False)
        if data.get("emergency"):
            # Break-the-glass reads: the partial index accesslog_emergency_access.
            entries = entries.filter(emergency_access__isnull=False)
        return entries


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
