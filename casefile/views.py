"""The client page, its history and the search: pages that read clients, follow-up and families."""

from django.http import HttpResponse
from django.shortcuts import render

from audit.access_log import record_read
from audit.models import AccessLog
from audit.timeline import history_entries
from casefile import selectors
from clients import selectors as clients_selectors
from clients.forms import SearchForm
from clients.models import Client
from families.models import Family
from families.services import family_search
from organisation.access import (
    ACCESS_REPORT,
    PERSON_LEVEL,
    AuthenticatedHttpRequest,
    policy,
    read_client_or_emergency,
    read_object,
)


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def client_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search by name or national id. POST only, so no name or number is ever in a URL."""
    form = SearchForm(request.POST or None)
    results = None
    families: list[Family] = []
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["query"]
        results = list(clients_selectors.client_search(user=request.user, query=query)[:50])
        # Searching one member by name leads to the whole family, children included (a
        # number names one client, and scanning every member's name for it found nothing).
        if clients_selectors.identifier_in(query) is None:
            families = list(family_search(user=request.user, query=query)[:20])
        record_read(
            request,
            action=AccessLog.Action.SEARCH,
            client_ids=[c.pk for c in results]
            + [cid for f in families for cid in f.accessed_client_ids()],
        )
    return render(
        request, "clients/search.html", {"form": form, "results": results, "families": families}
    )


@policy(PERSON_LEVEL, methods=("GET",))
def client_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # A client of another office opens here only under break-the-glass (read-only).
    client, emergency_access = read_client_or_emergency(
        request, selectors.client_page_queryset(), pk=pk
    )
    assessments = selectors.latest_assessments(client)
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "contacts": selectors.client_timeline(client),
            "latest_assessment": assessments[0] if assessments else None,
            "previous_assessment": assessments[1] if len(assessments) > 1 else None,
            "may_see_access_report": ACCESS_REPORT.allows(request.user)
            and emergency_access is None,
            # A merged record is read-only: the page offers no way to write to it. So is a
            # client opened under emergency access, whose other pages stay closed.
            "read_only": client.status == Client.Status.MERGED or emergency_access is not None,
            "emergency_access": emergency_access,
        },
    )


@policy(PERSON_LEVEL, methods=("GET",))
def client_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who changed what about this client and their records, and when."""
    client = read_object(request, Client.objects.select_related("office"), pk=pk)
    return render(
        request,
        "clients/client_history.html",
        {"client": client, "entries": history_entries(selectors.client_histories(client))},
    )
