"""Pages of the client register: list, register, edit, transfer, merge and the access report.

The client page, its history and the search read other apps too: they live in casefile.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from audit.versioning import EditConflictError
from clients import selectors
from clients.forms import ClientForm, TransferForm
from clients.models import (
    Client,
    ClientMerge,
)
from clients.readonly import refuse_if_merged
from clients.services import merging, registration
from organisation.access import (
    ACCESS_REPORT,
    PERSON_LEVEL,
    AuthenticatedHttpRequest,
    policy,
    read_object,
)

PAGE_SIZE = 50


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
def client_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, user=request.user)
    duplicates: list[Client] = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        # The same national id is refused by the form; here: same birth date, similar name.
        duplicates = selectors.possible_duplicates(
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
            # The form's fields are the service's arguments, name for name.
            client = registration.client_register(**data)
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
            registration.client_update(
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


@policy(ACCESS_REPORT, methods=("GET",))
def client_access_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who has looked at this client's case (innsyn): for the client who asks."""
    client = read_object(request, Client.objects.select_related("office"), pk=pk)
    # Reads of duplicate records merged into this one were reads of the same person.
    reads = (
        AccessLog.objects.filter(client_ids__overlap=selectors.records_of(client), allowed=True)
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
    candidates = selectors.possible_duplicates(
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
        transfer = registration.client_transfer(client=client, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("%(name)s is transferred to %(office)s.")
            % {"name": client.full_name, "office": transfer.to_office},
        )
        # The client is the new office's now (and has no caseworker there): the
        # transferring caseworker goes back to their own work, not to a page of the client.
        return redirect("followup:caseload")
    # Said before the move: the office's own programmes cannot follow the client (the
    # enrolments are ended by follow-up, through registration.client_moved_office).
    ending = client.enrolments.filter(
        left_on__isnull=True, programme__office_id=client.office_id
    ).select_related("programme")
    return render(
        request,
        "clients/client_transfer.html",
        {"client": client, "form": form, "ending": ending},
    )
