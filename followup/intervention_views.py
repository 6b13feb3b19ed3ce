"""Pages of interventions (tiltak): register, the intervention page, status changes and edits."""

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.versioning import EditConflictError
from clients.models import Client
from clients.readonly import refuse_if_merged
from followup.intervention_forms import (
    InterventionForm,
    InterventionNewForm,
    InterventionStatusForm,
)
from followup.models import Intervention, Status
from followup.services import interventions
from followup.services.interventions import TransitionError
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object

DONE_MESSAGES = {
    Status.IN_PROGRESS: gettext_lazy("The intervention is started."),
    Status.COMPLETED: gettext_lazy("The intervention is completed."),
    Status.CANCELLED: gettext_lazy("The intervention is cancelled."),
}


def _interventions() -> QuerySet[Intervention]:
    return Intervention.objects.select_related("client", "type", "outcome")


def status_history(intervention: Intervention) -> list[Any]:
    """The history rows where the status changed, oldest first (the first row always counts).

    Other edits (provider, dates) leave history rows too; they are not status changes.
    A correction (a row with a reason) of the status, the end or the outcome is shown,
    with the status it corrected (``corrected_from``) and its reason.
    """
    rows = intervention.history.select_related("history_user", "outcome").order_by("history_id")
    changes: list[Any] = []
    previous: Any = None
    for row in rows:
        reason = (row.history_change_reason or "").strip()
        moved = previous is None or row.status != previous.status
        corrected = (
            bool(reason)
            and previous is not None
            and (moved or (row.end, row.outcome_id) != (previous.end, previous.outcome_id))
        )
        if moved or corrected:
            row.corrected_from = previous.get_status_display() if corrected else None
            row.correction_reason = reason if corrected else ""
            changes.append(row)
        previous = row
    return changes


def _detail(
    request: AuthenticatedHttpRequest,
    intervention: Intervention,
    *,
    posted: InterventionStatusForm | None = None,
    conflict: EditConflictError | None = None,
    refused: str | None = None,
    status: int = 200,
) -> HttpResponse:
    steps = []
    for target in interventions.next_steps(intervention):
        if posted is not None and posted.target == target:
            steps.append(posted)
        else:
            steps.append(InterventionStatusForm(intervention=intervention, target=target))
    return render(
        request,
        "followup/intervention_detail.html",
        {
            "intervention": intervention,
            "client": intervention.client,
            "history": status_history(intervention),
            "steps": steps,
            # Errors of a posted step that is not offered here (e.g. a crafted target).
            "unplaced": posted if posted is not None and posted not in steps else None,
            "conflict": conflict,
            "refused": refused,
        },
        status=status,
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def intervention_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=client_pk)
    refuse_if_merged(client)
    form = InterventionNewForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        intervention = interventions.intervention_start(
            client=client,
            by=request.user,
            type=data["type"],
            provider=data["provider"],
            start=data["start"],
            end=data["end"],
            already_started=data["already_started"],
        )
        messages.success(request, _("The intervention is registered."))
        return redirect("followup:intervention_detail", pk=intervention.pk)
    return render(
        request, "followup/intervention_form.html", {"form": form, "client": client, "new": True}
    )


@policy(PERSON_LEVEL, methods=("GET",))
def intervention_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, read_object(request, _interventions(), pk=pk))


@policy(PERSON_LEVEL, methods=("POST",))
def intervention_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    intervention = read_object(request, _interventions(), pk=pk)
    posted_to = request.POST.get("to", "")
    target = posted_to if posted_to in Status.values else "status"
    form = InterventionStatusForm(request.POST, intervention=intervention, target=target)
    if not form.is_valid():
        return _detail(request, intervention, posted=form)
    try:
        interventions.intervention_change_status(
            intervention=intervention,
            to=form.cleaned_data["to"],
            end=form.cleaned_data["end"],
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
        )
    except EditConflictError as error:
        current = _interventions().get(pk=intervention.pk)
        # The user's input stays in the step they chose, if that step is still offered.
        retry = request.POST.copy()
        retry["version"] = str(current.version)
        kept = InterventionStatusForm(retry, intervention=current, target=target)
        return _detail(request, current, posted=kept, conflict=error, status=409)
    except TransitionError as error:
        return _detail(request, intervention, refused=error.message, status=409)
    messages.success(request, DONE_MESSAGES[Status(form.cleaned_data["to"])])
    return redirect("followup:intervention_detail", pk=intervention.pk)


def _locked(
    request: AuthenticatedHttpRequest,
    intervention: Intervention,
    conflict: EditConflictError | None = None,
) -> HttpResponse:
    """A completed or cancelled intervention is final: 409, since its state forbids the edit."""
    return render(
        request,
        "followup/intervention_form.html",
        {
            "intervention": intervention,
            "client": intervention.client,
            "locked": True,
            "conflict": conflict,
        },
        status=409,
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def intervention_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    intervention = read_object(request, _interventions(), pk=pk)
    if intervention.is_locked:
        return _locked(request, intervention)
    form = InterventionForm(request.POST or None, instance=intervention)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            interventions.intervention_update(
                intervention=form.save(commit=False),
                expected_version=form.cleaned_data["version"],
            )
        except EditConflictError as error:
            conflict = error
            current = _interventions().get(pk=intervention.pk)
            if current.is_locked:
                return _locked(request, current, conflict)
            # Keep what this user typed; the next save applies it over the new version.
            retry = request.POST.copy()
            retry["version"] = str(current.version)
            form = InterventionForm(retry, instance=current)
        except TransitionError:
            return _locked(request, _interventions().get(pk=intervention.pk))
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("followup:intervention_detail", pk=intervention.pk)
    return render(
        request,
        "followup/intervention_form.html",
        {
            "form": form,
            "intervention": intervention,
            "client": intervention.client,
            "conflict": conflict,
            "new": False,
        },
        status=409 if conflict else 200,
    )
