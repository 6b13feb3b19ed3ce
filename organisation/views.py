"""The administrator's home (offices and who works in them), and the access log's search."""

from functools import cached_property
from typing import cast

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
# Every page anyone opens adds to the log: a search counts at most this many reads, so that
# neither the count nor a deep page scans the whole log.
COUNT_LIMIT = 10_000


class CappedPaginator(Paginator[AccessLog]):
    """Pages of at most COUNT_LIMIT entries; `more` says that the search found more."""

    @cached_property
    def _found(self) -> int:
        # COUNT(*) over a LIMITed subquery: it stops after COUNT_LIMIT + 1 rows.
        return cast(QuerySet[AccessLog], self.object_list)[: COUNT_LIMIT + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, COUNT_LIMIT)

    @property
    def more(self) -> bool:
        return self._found > COUNT_LIMIT


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
    elif form.is_bound:
        # A search that cannot be read (a mistyped date or number) finds nothing, and its
        # errors are shown, rather than the whole log as if nothing had been asked.
        entries = entries.none()
    page = CappedPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Reading the log is a read of whose records were read: it is logged too.
    record_read(
        request,
        action=AccessLog.Action.LIST,
        client_ids={client for entry in page for client in entry.client_ids},
    )
    return render(request, "organisation/access_log.html", {"form": form, "page": page})
