"""The administrator's home (offices and who works in them), and the access log's search."""

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.access_log import record_read
from audit.models import AccessLog
from organisation.access import ACCESS_LOG, ADMINISTRATION, AuthenticatedHttpRequest, policy
from organisation.forms import AccessLogSearchForm
from organisation.models import Office
from organisation.roles import Role

PAGE_SIZE = 50


@policy(ADMINISTRATION, methods=("GET",))
def admin_home(request: HttpRequest) -> HttpResponse:
    offices = Office.objects.annotate(
        **{
            f"{role.value}_count": Count("memberships", filter=Q(memberships__role=role))
            for role in (Role.CASEWORKER, Role.COORDINATOR, Role.MANAGER)
        }
    )
    return render(request, "organisation/admin_home.html", {"offices": offices})


@policy(ACCESS_LOG, methods=("GET",))
def access_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search the access log by user, client and period (the log's own readers only)."""
    form = AccessLogSearchForm(request.GET or None)
    entries: QuerySet[AccessLog] = AccessLog.objects.select_related("user", "office").order_by(
        "-at", "-pk"
    )
    if form.is_valid():
        entries = form.filter(entries)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Reading the log is a read of whose records were read: it is logged too.
    record_read(
        request,
        action=AccessLog.Action.LIST,
        client_ids={client for entry in page for client in entry.client_ids},
    )
    return render(request, "organisation/access_log.html", {"form": form, "page": page})
