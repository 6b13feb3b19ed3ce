"""The managers' follow-up of emergency access (break-the-glass) to their offices' clients."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.emergency import emergency_access_follow_up
from audit.models import AccessLog, EmergencyAccess
from organisation.access import MANAGERS, AuthenticatedHttpRequest, policy
from organisation.selectors import MANAGING

PAGE_SIZE = 50


@policy(MANAGERS, methods=("GET",))
def emergency_accesses(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every emergency access to a client of the manager's offices, those to follow up first.

    No client's name: managers see the case by its number and the reason given.
    """
    accesses = (
        EmergencyAccess.objects.of_offices(request.user.office_ids_for(MANAGING))
        .select_related("user", "office", "followed_up_by")
        .annotate(read_count=Count("reads"))
        .order_by(F("followed_up_at").asc(nulls_first=True), "-starts_at", "-pk")
    )
    page = Paginator(accesses, PAGE_SIZE).get_page(request.GET.get("page"))
    # The reasons are about clients: reading them is a read of those clients.
    record_read(
        request, action=AccessLog.Action.LIST, client_ids=[access.client_id for access in page]
    )
    return render(request, "dashboards/emergency_accesses.html", {"page": page})


@policy(MANAGERS, methods=("POST",))
def emergency_access_followed_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_object_or_404(
        EmergencyAccess.objects.of_offices(request.user.office_ids_for(MANAGING)), pk=pk
    )
    if emergency_access_follow_up(access=access, by=request.user):
        messages.success(request, _("The emergency access is marked as followed up."))
    else:
        messages.info(request, _("The emergency access was already followed up."))
    return redirect("dashboards:emergency_access")
