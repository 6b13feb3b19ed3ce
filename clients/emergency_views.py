"""Break-the-glass: open a client of another office by national id, a stated reason and a time
limit. Guessed URLs of such a client stay a 404; this page is the only way in."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.emergency import emergency_access_in_force, emergency_access_open
from audit.models import AccessLog
from clients.emergency_forms import EmergencyFindForm, EmergencyReasonForm
from clients.models import Client
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy


def _client_with(national_id: str) -> Client | None:
    """The (unmerged) client with this number in any office."""
    return (
        Client.objects.exclude(status=Client.Status.MERGED)
        .filter(national_id=national_id)
        .select_related("office")
        .first()
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def emergency_access(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step one finds the client's office by number; step two states why and opens it.

    POST only, so that no number is in a URL. The page shows the office, never the name,
    and each showing is logged as a search of that client.
    """
    find = EmergencyFindForm(request.POST or None)
    reason_form = None
    client = None
    if request.method == "POST" and find.is_valid():
        client = _client_with(find.cleaned_data["national_id"])
        record_read(
            request,
            action=AccessLog.Action.SEARCH,
            client_ids=[client.pk] if client else [],
            office_id=client.office_id if client else None,
        )
        if client is None:
            find.add_error("national_id", _("No client in HUSK has this national identity number."))
        elif client.office_id in request.user.person_level_office_ids:
            messages.info(
                request, _("The client belongs to your office: no emergency access needed.")
            )
            return redirect(client)
        elif (held := emergency_access_in_force(user=request.user, client_id=client.pk)) and (
            "reason" not in request.POST
        ):
            messages.info(
                request,
                _("You already have emergency access to this client until %(until)s.")
                % {"until": date_format(localtime(held.ends_at), "SHORT_DATETIME_FORMAT")},
            )
            return redirect(client)
        else:
            reason_form = EmergencyReasonForm(
                request.POST if "reason" in request.POST else None,
                initial={"national_id": find.cleaned_data["national_id"]},
            )
            if reason_form.is_bound and reason_form.is_valid():
                emergency_access_open(
                    user=request.user,
                    client_id=client.pk,
                    office_id=client.office_id,
                    purpose=reason_form.cleaned_data["purpose"],
                    reason=reason_form.cleaned_data["reason"],
                )
                return redirect(client)
    return render(
        request,
        "clients/emergency_access.html",
        {
            "find": find,
            "reason_form": reason_form,
            "office": client.office if client else None,
            "hours": settings.EMERGENCY_ACCESS_HOURS,
        },
    )
