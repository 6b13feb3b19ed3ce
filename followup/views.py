"""The caseload (the caseworker's home) and logging a contact."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from audit.versioning import EditConflictError
from clients.models import Client
from codelists.models import Code, CodeList
from followup import services, studies
from followup.forms import ContactForm, EnrolmentEndForm, EnrolmentForm, ReminderForm
from followup.models import Contact, Enrolment, Programme, Reminder, SavedFilter
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object

PAGE_SIZE = 50
FILTER_KEYS = ("view", "status", "due", "programme", "benefit")


@policy(PERSON_LEVEL, methods=("GET",))
def caseload(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key)}
    clients = services.caseload(user=request.user, today=today, filters=filters)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    record_read(request, action=AccessLog.Action.LIST, client_ids=[c.pk for c in page])
    return render(
        request,
        "followup/caseload.html",
        {
            "page": page,
            "today": today,
            "filters": filters,
            "query": request.GET.urlencode(),
            "programmes": Programme.objects.filter(office__in=request.user.person_level_office_ids),
            "benefits": Code.objects.offered(CodeList.BENEFIT_KIND),
            "saved_filters": SavedFilter.objects.filter(owner=request.user),
            "reminders": request.user.reminders.filter(done_at__isnull=True).select_related(
                "client"
            )[:10],
        },
    )


@policy(PERSON_LEVEL, methods=("POST",))
def save_filter(request: AuthenticatedHttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:80]
    query = request.POST.get("query", "")[:500]
    if name:
        SavedFilter.objects.update_or_create(
            owner=request.user, name=name, defaults={"query": query}
        )
        messages.success(request, _("The filter is saved."))
    return redirect(reverse("followup:caseload") + (f"?{query}" if query else ""))


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def contact_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(
        request, Client.objects.select_related("office", "usual_channel"), pk=client_pk
    )
    form = ContactForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        services.contact_log(client=client, by=request.user, data=data)
        messages.success(request, _("The contact is logged."))
        if request.POST.get("then") == "caseload":
            return redirect("followup:caseload")
        return redirect(client)
    return render(request, "followup/contact_form.html", {"form": form, "client": client})


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = read_object(request, Contact.objects.select_related("client", "channel"), pk=pk)
    form = ContactForm(request.POST or None, instance=contact, client=contact.client)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.contact_update(
                contact=contact, data=data, expected_version=form.cleaned_data["version"]
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
        services.reminder_add(owner=request.user, client=client, **form.cleaned_data)
        messages.success(request, _("The reminder is saved."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
    return redirect(client)


@policy(PERSON_LEVEL, methods=("POST",))
def reminder_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Reminders are personal: only the owner's own are found at all.
    reminder = get_object_or_404(Reminder, pk=pk, owner=request.user, done_at__isnull=True)
    services.reminder_done(reminder=reminder)
    return redirect("followup:caseload")


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def enrolment_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=client_pk)
    form = EnrolmentForm(request.POST or None, client=client)
    refused = False
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_add(client=client, by=request.user, **form.cleaned_data)
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
        services.enrolment_end(enrolment=form.save(commit=False))
        messages.success(request, _("The enrolment is ended."))
        return redirect(enrolment.client)
    return render(
        request,
        "followup/enrolment_form.html",
        {"form": form, "client": enrolment.client, "enrolment": enrolment, "ending": True},
    )
