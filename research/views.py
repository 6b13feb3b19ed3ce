"""Research pages: the researcher's projects and exports (never a person), managers'
approvals and samples, and the caseworker's record of a client's consents."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from clients.models import Client
from clients.readonly import refuse_if_merged
from organisation.access import (
    ACCESS_LOG,
    AGGREGATES,
    PERSON_LEVEL,
    RESEARCH,
    AuthenticatedHttpRequest,
    policy,
    read_object,
)
from organisation.selectors import manages_every_office, offices_managed_by
from research import services
from research.forms import (
    ConsentForm,
    ExportLogForm,
    ExportRequestForm,
    SampleForm,
    WithdrawForm,
)
from research.log import event_details
from research.models import (
    Consent,
    Export,
    ExportEvent,
    ProjectApproval,
    ProjectQuerySet,
    ResearchProject,
    SampleMember,
)

RECENT_EXPORTS = 20


def _projects() -> ProjectQuerySet:
    return ResearchProject.objects.prefetch_related(
        "offices", Prefetch("approvals", queryset=ProjectApproval.objects.select_related("by"))
    )


# The researcher ---------------------------------------------------------------


@policy(RESEARCH, methods=("GET",))
def researcher_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    projects = _projects().for_member(request.user)
    exports = Export.objects.for_member(request.user).select_related("project")[:RECENT_EXPORTS]
    return render(
        request,
        "research/home.html",
        {"projects": projects, "exports": exports, "today": timezone.localdate()},
    )


def _member_project(request: AuthenticatedHttpRequest, pk: int) -> ResearchProject:
    """Another project's researcher gets a 404: its existence is not confirmed."""
    project: ResearchProject = get_object_or_404(_projects().for_member(request.user), pk=pk)
    return project


def _project_page(
    request: AuthenticatedHttpRequest, project: ResearchProject, form: ExportRequestForm
) -> HttpResponse:
    return render(
        request,
        "research/project.html",
        {
            "project": project,
            "state": project.approval_state(),
            "form": form,
            "exports": project.exports.select_related("requested_by")[:RECENT_EXPORTS],
            "samples": project.samples.select_related("programme", "project"),
            "today": timezone.localdate(),
        },
    )


@policy(RESEARCH, methods=("GET",))
def project_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = _member_project(request, pk)
    return _project_page(request, project, ExportRequestForm(project=project))


@policy(RESEARCH, methods=("POST",))
def export_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = _member_project(request, pk)
    form = ExportRequestForm(request.POST, project=project)
    if form.is_valid():
        try:
            services.export_request(project=project, by=request.user, **form.cleaned_data)
        except services.ExportRefused as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(
                request,
                _(
                    "The export is requested. It is made in the background; "
                    "this page shows how far it has come."
                ),
            )
            return redirect(project.get_absolute_url() + "#exports")
    return _project_page(request, project, form)


def _member_export(request: AuthenticatedHttpRequest, pk: int) -> Export:
    return get_object_or_404(
        Export.objects.for_member(request.user).select_related("project", "requested_by"), pk=pk
    )


@policy(RESEARCH, methods=("GET",))
def export_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One export's row; the project page polls it (htmx) until the export is finished."""
    export = _member_export(request, pk)
    return render(request, "research/_export_row.html", {"export": export})


@policy(RESEARCH, methods=("GET",))
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    export = _member_export(request, pk)
    if export.status == Export.Status.DONE and not export.is_downloadable():
        services.export_expire(export=export)
    # Only while the project may still export: an approval withdrawn or a scope changed since
    # the export was made ends its downloads too.
    if not export.is_downloadable() or not export.project.may_export():
        return render(request, "research/export_gone.html", {"export": export}, status=410)
    # The read is logged first, and the export log's event with it or not at all: when the
    # access log cannot be written, nothing is (audit.middleware answers 503).
    with transaction.atomic():
        record_read(request, action=AccessLog.Action.DOWNLOAD, subject=export)
        services.export_downloaded(export=export, by=request.user)
    return FileResponse(
        storages["exports"].open(export.archive, "rb"),
        as_attachment=True,
        filename=f"{export.project.code}-{export.pk}.zip",
        content_type="application/zip",
    )


# Managers and administrators --------------------------------------------------


def _projects_to_approve(request: AuthenticatedHttpRequest) -> ProjectQuerySet:
    # An administrator sees every project, even one that covers no office yet.
    if manages_every_office(request.user):
        return _projects().all()
    return _projects().covering_offices(offices_managed_by(request.user))


@policy(AGGREGATES, methods=("GET",))
def approvals(request: AuthenticatedHttpRequest) -> HttpResponse:
    projects = [
        {
            "project": project,
            "state": project.approval_state(),
            # The user's offices that have yet to approve the current scope.
            "mine": services.pending_approval(
                project=project,
                offices=services.offices_to_approve(project=project, user=request.user),
            ),
        }
        for project in _projects_to_approve(request)
    ]
    return render(
        request, "research/approvals.html", {"projects": projects, "today": timezone.localdate()}
    )


@policy(AGGREGATES, methods=("POST",))
def project_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(_projects_to_approve(request), pk=pk)
    try:
        services.project_approve(project=project, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("You have approved «%(title)s».") % {"title": project.title})
    return redirect("research:approvals")


@policy(AGGREGATES, methods=("GET", "POST"))
def sample_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(_projects_to_approve(request), pk=pk)
    # A manager draws among the clients of the offices they manage; an administrator, all.
    offices = services.offices_to_approve(project=project, user=request.user)
    form = SampleForm(request.POST or None, project=project, offices=offices)
    if request.method == "POST" and form.is_valid():
        try:
            sample = services.sample_draw(
                project=project,
                by=request.user,
                offices=offices,
                criteria=form.criteria(),
                size=form.cleaned_data["size"],
                programme=form.cleaned_data.get("programme"),
                seed=form.cleaned_data.get("seed"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Sample %(number)s: %(drawn)s of %(eligible)s eligible clients drawn "
                    "(seed %(seed)s)."
                )
                % {
                    "number": sample.number,
                    "drawn": sample.shown(sample.drawn),
                    "eligible": sample.shown(sample.eligible),
                    "seed": sample.seed,
                },
            )
            return redirect("research:approvals")
    return render(request, "research/sample_form.html", {"project": project, "form": form})


# Caseworkers: a client's consents, and the clients drawn for follow-up --------


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def client_consents(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=client_pk)
    refuse_if_merged(client)
    consents = (
        Consent.objects.visible_to(request.user).filter(client=client).select_related("project")
    )
    open_projects = ResearchProject.objects.filter(
        offices=client.office_id,
        legal_basis=ResearchProject.LegalBasis.CONSENT,
        expires_on__gte=timezone.localdate(),
    ).exclude(
        pk__in=Consent.objects.filter(client=client, withdrawn_on__isnull=True).values("project")
    )
    form = ConsentForm(request.POST or None, projects=open_projects)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_give(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect("research:client_consents", client_pk=client.pk)
    return render(
        request,
        "research/client_consents.html",
        {"client": client, "consents": consents, "form": form},
    )


@policy(PERSON_LEVEL, methods=("POST",))
def consent_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consent = read_object(
        request, Consent.objects.filter(withdrawn_on__isnull=True).select_related("client"), pk=pk
    )
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(consent=consent, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _(
                    "The consent is withdrawn: the client is left out of every later "
                    "export of the project."
                ),
            )
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    return redirect("research:client_consents", client_pk=consent.client_id)


@policy(PERSON_LEVEL, methods=("GET",))
def sampled_clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Clients of the user's offices drawn in a study sample, to be followed up."""
    members = list(
        SampleMember.objects.filter(client__in=Client.objects.visible_to(request.user))
        .select_related("client", "client__caseworker", "sample", "sample__project")
        .order_by(
            "sample__project__title", "sample__number", "client__last_name", "client__first_name"
        )
    )
    record_read(request, action=AccessLog.Action.LIST, client_ids=[m.client_id for m in members])
    return render(request, "research/sampled_clients.html", {"members": members})


# The access log's readers: the research export log -----------------------------


@policy(ACCESS_LOG, methods=("GET",))
def export_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every export requested, refused, made, downloaded or expired: who, when, what."""
    form = ExportLogForm(request.GET)
    page = None
    if form.is_valid():
        events = ExportEvent.objects.select_related("user", "project", "export").order_by(
            "-at", "-pk"
        )
        if project := form.cleaned_data["project"]:
            events = events.filter(project=project)
        page = Paginator(events, 50).get_page(form.cleaned_data["page"])
    return render(
        request,
        "research/export_log.html",
        {"form": form, "page": page, "rows": [(e, event_details(e)) for e in page or []]},
    )
