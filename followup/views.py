"""The caseload (the caseworker's home) and logging a contact."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from clients.models import Client
from codelists.models import Code, CodeList
from followup import services
from followup.forms import ContactForm
from followup.models import Programme, SavedFilter
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
        services.contact_log(client=client, by=request.user, data=dict(form.cleaned_data))
        messages.success(request, _("The contact is logged."))
        if request.POST.get("then") == "caseload":
            return redirect("followup:caseload")
        return redirect(client)
    return render(request, "followup/contact_form.html", {"form": form, "client": client})
