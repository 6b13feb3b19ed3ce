"""The caseload (the caseworker's home) and logging a contact."""

from django import forms
from django.contrib import messages
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from audit.versioning import EditConflictError
from clients.models import Client
from clients.readonly import refuse_if_merged
from followup import selectors
from followup.caseload_forms import (
    CaseloadFilterForm,
    CaseloadReturnForm,
    SavedFilterForm,
    SavedFilterRenameForm,
)
from followup.forms import (
    AfterContactForm,
    ContactForm,
    EnrolmentEndForm,
    EnrolmentForm,
    ReminderForm,
)
from followup.models import Contact, Enrolment, Reminder, SavedFilter
from followup.services import contacts, enrolments, reminders, studies
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object

PAGE_SIZE = 50


@policy(PERSON_LEVEL, methods=("GET",))
def caseload(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = CaseloadFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        # The list is still shown, with what was understood; the rest is named.
        for problem in form.problems():
            messages.warning(
                request, _("Left out of the filter: %(problem)s") % {"problem": problem}
            )
        if page_problem := form.page_problem():
            messages.warning(
                request, _("%(problem)s The first page is shown.") % {"problem": page_problem}
            )
    filters = form.filters()
    clients = selectors.caseload(user=request.user, today=today, filters=filters)
    paginator = Paginator(clients, PAGE_SIZE)
    number = form.cleaned_data.get("page") or 1
    try:
        page = paginator.page(number)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
        messages.info(
            request,
            _("There is no page %(number)s: the last page is shown.") % {"number": number},
        )
    record_read(request, action=AccessLog.Action.LIST, client_ids=[c.pk for c in page])
    return render(
        request,
        "followup/caseload.html",
        {
            "page": page,
            "today": today,
            "filters": filters,
            "form": form,
            "query": form.query(),
            # Where the saved filters' forms return to: this list, its filters and page.
            "back": form.query_with_page(),
            "saved_filters": SavedFilter.objects.filter(owner=request.user),
            "reminders": request.user.reminders.filter(done_at__isnull=True).select_related(
                "client"
            )[:10],
        },
    )


def _back_to_caseload(request: AuthenticatedHttpRequest, default: str = "") -> HttpResponse:
    """Back to the caseload as it was shown when the form was posted (filters and page)."""
    if "back" in request.POST:
        query = CaseloadReturnForm(request.POST, user=request.user).query()
    else:
        query = default
    return redirect(reverse("followup:caseload") + (f"?{query}" if query else ""))


def _refused(request: AuthenticatedHttpRequest, form: forms.BaseForm) -> None:
    """Why a form posted from another page was refused, said on the page the user returns to."""
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))


@policy(PERSON_LEVEL, methods=("POST",))
def save_filter(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST, owner=request.user)
    if not form.is_valid():
        _refused(request, form)
        return _back_to_caseload(request)
    query = form.cleaned_data["query"]
    existing = form.existing()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        messages.success(
            request, _("The filter %(name)s now shows these clients.") % {"name": existing.name}
        )
    else:
        form.save()
        messages.success(request, _("The filter is saved."))
    return _back_to_caseload(request, default=query)


def _own_filter(request: AuthenticatedHttpRequest, pk: int) -> SavedFilter:
    # Saved filters are personal: only the owner's own are found at all.
    return get_object_or_404(SavedFilter, pk=pk, owner=request.user)


@policy(PERSON_LEVEL, methods=("POST",))
def rename_filter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    saved = _own_filter(request, pk)
    form = SavedFilterRenameForm(request.POST, instance=saved, owner=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("The filter is renamed."))
    else:
        _refused(request, form)
    return _back_to_caseload(request)


@policy(PERSON_LEVEL, methods=("POST",))
def delete_filter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    saved = _own_filter(request, pk)
    name = saved.name
    saved.delete()
    messages.success(request, _("The filter %(name)s is deleted.") % {"name": name})
    return _back_to_caseload(request)


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def contact_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(
        request, Client.objects.select_related("office", "usual_channel"), pk=client_pk
    )
    refuse_if_merged(client)
    form = ContactForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        contacts.contact_log(client=client, by=request.user, **form.contact_fields())
        messages.success(request, _("The contact is logged."))
        after = AfterContactForm(request.POST)
        if after.is_valid() and after.cleaned_data["then"] == "caseload":
            return redirect("followup:caseload")
        return redirect(client)
    return render(request, "followup/contact_form.html", {"form": form, "client": client})


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = read_object(request, Contact.objects.select_related("client", "channel"), pk=pk)
    form = ContactForm(request.POST or None, instance=contact, client=contact.client)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            contacts.contact_update(
                contact=contact,
                expected_version=form.cleaned_data["version"],
                **form.contact_fields(),
            )
        except EditConflictError as error:
            conflict = error
            retry = error.retry_data(request.POST)
            form = ContactForm(retry, instance=error.current, client=contact.client)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect(contact.client)
    return render(
        request,
        "followup/contact_form.html",
        {"form": form, "client": contact.client, "contact": contact, "conflict": conflict},
        status=409 if conflict else 200,
    )


@policy(PERSON_LEVEL, methods=("POST",))
def reminder_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.all(), pk=client_pk)
    form = ReminderForm(request.POST)
    if form.is_valid():
        reminders.reminder_add(owner=request.user, client=client, **form.cleaned_data)
        messages.success(request, _("The reminder is saved."))
    else:
        _refused(request, form)
    return redirect(client)


@policy(PERSON_LEVEL, methods=("POST",))
def reminder_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Reminders are personal: only the owner's own are found at all.
    reminder = get_object_or_404(Reminder, pk=pk, owner=request.user, done_at__isnull=True)
    reminders.reminder_done(reminder=reminder)
    return _back_to_caseload(request)


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def enrolment_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=client_pk)
    refuse_if_merged(client)
    form = EnrolmentForm(request.POST or None, client=client)
    refused = False
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = enrolments.enrolment_add(
                client=client, by=request.user, **form.cleaned_data
            )
        except studies.AllocationError as error:
            # Refused by the draw after the form's checks passed: another enrolment of the
            # client was saved in between. Nothing of this one was saved.
            form.add_error(None, str(error))
            refused = True
        else:
            if enrolment.programme.is_randomised:
                messages.success(
                    request,
                    _("The client is enrolled. Drawn arm: %(arm)s.")
                    % {"arm": enrolment.allocation.arm.name},
                )
            else:
                messages.success(request, _("The client is enrolled."))
            return redirect(client)
    return render(
        request,
        "followup/enrolment_form.html",
        {"form": form, "client": client, "ending": False},
        status=409 if refused else 200,
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def enrolment_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = read_object(
        request,
        Enrolment.objects.select_related("client", "programme").filter(left_on__isnull=True),
        pk=pk,
    )
    form = EnrolmentEndForm(request.POST or None, instance=enrolment)
    if request.method == "POST" and form.is_valid():
        enrolments.enrolment_end(enrolment=form.save(commit=False))
        messages.success(request, _("The enrolment is ended."))
        return redirect(enrolment.client)
    return render(
        request,
        "followup/enrolment_form.html",
        {"form": form, "client": enrolment.client, "enrolment": enrolment, "ending": True},
    )
