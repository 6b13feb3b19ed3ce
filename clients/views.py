"""Pages of the client register: list, search, register, edit and the client page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from audit.timeline import history_entries
from audit.versioning import EditConflictError
from clients import merging, services
from clients.forms import ClientForm, SearchForm, TransferForm
from clients.models import (
    Assessment,
    AssessmentItem,
    BenefitPeriod,
    CaseEpisode,
    Client,
    ClientMerge,
    Transfer,
)
from clients.readonly import refuse_if_merged

# The client page shows the follow-up records too; followup's models depend on clients',
# never the other way round.
from families.models import Family, FamilyContact, FamilyMember
from families.services import family_search
from followup.models import Contact, Enrolment, Intervention
from organisation.access import (
    ACCESS_REPORT,
    PERSON_LEVEL,
    AuthenticatedHttpRequest,
    policy,
    read_client_or_emergency,
    read_object,
)

PAGE_SIZE = 50
TIMELINE_LENGTH = 30


@policy(PERSON_LEVEL, methods=("GET",))
def client_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clients = (
        Client.objects.visible_to(request.user)
        .exclude(status=Client.Status.MERGED)
        .select_related("office", "caseworker")
    )
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    record_read(request, action=AccessLog.Action.LIST, client_ids=[c.pk for c in page])
    return render(request, "clients/client_list.html", {"page": page})


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def client_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search by name or national id. POST only, so no name or number is ever in a URL."""
    form = SearchForm(request.POST or None)
    results = None
    families: list[Family] = []
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["query"]
        results = list(services.client_search(user=request.user, query=query)[:50])
        # Searching one member by name leads to the whole family, children included (a
        # number names one client, and scanning every member's name for it found nothing).
        if services.identifier_in(query) is None:
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


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def client_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, user=request.user)
    duplicates: list[Client] = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        # The same national id is refused by the form; here: same birth date, similar name.
        duplicates = services.possible_duplicates(
            user=request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
        )
        if duplicates:
            record_read(
                request, action=AccessLog.Action.SEARCH, client_ids=[d.pk for d in duplicates]
            )
        if not duplicates or request.POST.get("confirm_new") == "1":
            client = services.client_register(data=data)
            messages.success(request, _("The client is registered."))
            return redirect(client)
    return render(
        request, "clients/client_form.html", {"form": form, "duplicates": duplicates, "new": True}
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def client_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=pk)
    refuse_if_merged(client)
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(
                client=form.save(commit=False),
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflictError as error:
            conflict = error
            # Keep what this user typed; the next save applies it over the new version.
            retry = error.retry_data(request.POST)
            form = ClientForm(retry, instance=error.current, user=request.user)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect(client)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "client": client, "conflict": conflict, "new": False},
        status=409 if conflict else 200,
    )


@policy(PERSON_LEVEL, methods=("GET",))
def client_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = Transfer.latest_into_office()
    queryset = (
        Client.objects.select_related(
            "office",
            "caseworker",
            "language",
            "country_of_birth",
            "settlement_municipality",
            "usual_channel",
        )
        .annotate(
            # The note of a transfer into this office: three columns of the client query
            # rather than one more query of the page.
            transferred_from=Subquery(transfer.values("from_office__name")[:1]),
            transferred_at=Subquery(transfer.values("at")[:1]),
            transfer_reason=Subquery(transfer.values("reason")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "episodes",
                queryset=CaseEpisode.objects.select_related("closing_reason").prefetch_related(
                    "reasons"
                ),
            ),
            Prefetch("benefits", queryset=BenefitPeriod.objects.select_related("kind")),
            Prefetch("merges", queryset=ClientMerge.objects.select_related("by")),
            Prefetch(
                "family_memberships",
                queryset=FamilyMember.objects.filter(left_on__isnull=True).select_related("family"),
            ),
            Prefetch(
                "interventions", queryset=Intervention.objects.select_related("type", "outcome")
            ),
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related(
                    "programme", "outcome", "allocation__arm"
                ),
            ),
        )
    )
    # A client of another office opens here only under break-the-glass (read-only).
    client, emergency_access = read_client_or_emergency(request, queryset, pk=pk)
    # Their own contacts, and family contacts they took part in.
    # The family contacts are looked up first: an OR across the join would keep PostgreSQL
    # from using the index on the client's own contacts (a scan of every contact).
    family_contacts = list(
        FamilyContact.objects.filter(participants__client=client).values_list(
            "contact_id", flat=True
        )
    )
    contacts = (
        Contact.objects.filter(Q(client=client) | Q(pk__in=family_contacts))
        .select_related("channel", "recorded_by")
        .prefetch_related("topics")[:TIMELINE_LENGTH]
    )
    assessments = list(
        Assessment.objects.filter(client=client)
        .select_related("assessed_by")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AssessmentItem.objects.select_related("life_area", "status", "need"),
            )
        )[:2]
    )
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "contacts": contacts,
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
    histories = [
        Client.history.filter(id=client.pk),
        # An assessment's content: its life areas (corrected with the same reason).
        AssessmentItem.history.filter(
            assessment_id__in=Assessment.all_objects.filter(client=client).values("pk")
        ),
        *(
            model.history.filter(client_id=client.pk)
            for model in (
                CaseEpisode,
                BenefitPeriod,
                Assessment,
                Transfer,
                Contact,
                Intervention,
                Enrolment,
            )
        ),
    ]
    return render(
        request,
        "clients/client_history.html",
        {"client": client, "entries": history_entries(histories)},
    )


@policy(ACCESS_REPORT, methods=("GET",))
def client_access_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who has looked at this client's case (innsyn): for the client who asks."""
    client = read_object(request, Client.objects.select_related("office"), pk=pk)
    # Reads of duplicate records merged into this one were reads of the same person.
    reads = (
        AccessLog.objects.filter(client_ids__overlap=services.records_of(client), allowed=True)
        .select_related("user", "office", "emergency_access")
        .order_by("-at", "-pk")
    )
    page = Paginator(reads, 100).get_page(request.GET.get("page"))
    return render(request, "clients/access_report.html", {"client": client, "page": page})


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def client_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Merge a duplicate record of this person into this one (it can be undone)."""
    client = read_object(request, Client.objects.select_related("office"), pk=pk)
    refuse_if_merged(client)
    other_pk = request.POST.get("other", "")
    if request.method == "POST" and not other_pk.isdigit():
        messages.error(request, _("Choose the record to merge into this one."))
    elif request.method == "POST":
        other = read_object(request, Client.objects.all(), pk=int(other_pk))
        try:
            merging.client_merge(keep=client, merge=other, by=request.user)
        except merging.MergeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The records are merged. The merge can be undone."))
            return redirect(client)
    candidates = services.possible_duplicates(
        user=request.user,
        first_name=client.first_name,
        last_name=client.last_name,
        birth_date=client.birth_date,
        exclude_pk=client.pk,
    )
    record_read(request, action=AccessLog.Action.SEARCH, client_ids=[c.pk for c in candidates])
    return render(
        request, "clients/client_merge.html", {"client": client, "candidates": candidates}
    )


@policy(PERSON_LEVEL, methods=("POST",))
def client_merge_undo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        ClientMerge.objects.select_related("kept"),
        pk=pk,
        kept__in=Client.objects.visible_to(request.user),
    )
    try:
        merging.client_merge_undo(merge_record=record, by=request.user)
    except merging.MergeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The merge is undone."))
    return redirect(record.kept)


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def client_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=pk)
    refuse_if_merged(client)
    form = TransferForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        transfer = services.client_transfer(client=client, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("%(name)s is transferred to %(office)s.")
            % {"name": client.full_name, "office": transfer.to_office},
        )
        # The client is the new office's now (and has no caseworker there): the
        # transferring caseworker goes back to their own work, not to a page of the client.
        return redirect("followup:caseload")
    # Said before the move: the office's own programmes cannot follow the client (the
    # enrolments are ended by follow-up, through clients.services.client_moved_office).
    ending = client.enrolments.filter(
        left_on__isnull=True, programme__office_id=client.office_id
    ).select_related("programme")
    return render(
        request,
        "clients/client_transfer.html",
        {"client": client, "form": form, "ending": ending},
    )
