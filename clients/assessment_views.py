"""Pages of assessments (kartlegging): record a new one, and see one with its changes."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.corrections import ENTERED_IN_ERROR
from clients import assessments
from clients.assessment_forms import AssessmentCorrectionForm, AssessmentForm
from clients.models import Assessment, AssessmentItem, Client
from clients.readonly import refuse_if_merged
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def assessment_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=client_pk)
    refuse_if_merged(client)
    latest = assessments.assessment_latest(client=client)
    form = AssessmentForm(request.POST or None, client=client, latest=latest)
    if request.method == "POST" and form.is_valid():
        assessment = assessments.assessment_record(
            client=client,
            by=request.user,
            assessed_on=form.cleaned_data["assessed_on"],
            items=form.ratings,
        )
        messages.success(request, _("The assessment is saved."))
        return redirect("clients:assessment_detail", pk=assessment.pk)
    return render(
        request,
        "clients/assessment_form.html",
        {"form": form, "client": client, "latest": latest},
    )


@policy(PERSON_LEVEL, methods=("GET",))
def assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    queryset = assessments.with_items(
        Assessment.objects.select_related("client", "client__office", "assessed_by")
    )
    assessment = read_object(request, queryset, pk=pk)
    previous = assessments.assessment_previous(assessment=assessment)
    changes = assessments.assessment_changes(
        assessment.items.all(), previous.items.all() if previous is not None else None
    )
    return render(
        request,
        "clients/assessment_detail.html",
        {
            "assessment": assessment,
            "client": assessment.client,
            "previous": previous,
            "changes": changes,
        },
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def assessment_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct an assessment's date and life areas with a reason, or mark it entered in error.

    The generic correction page (organisation.correction_views) saves one record; an
    assessment's content is its items, saved here with the same reason.
    """
    queryset = Assessment.all_objects.select_related("client__office").prefetch_related(
        Prefetch(
            "items",
            queryset=AssessmentItem.objects.select_related("life_area", "status", "need"),
        )
    )
    assessment = read_object(request, queryset, pk=pk)
    client = assessment.client
    refuse_if_merged(client)
    form = AssessmentCorrectionForm(request.POST or None, instance=assessment)
    if request.method == "POST" and form.is_valid():
        assessments.assessment_correct(
            assessment=form.instance, ratings=form.ratings, reason=form.cleaned_data["reason"]
        )
        if form.cleaned_data[ENTERED_IN_ERROR]:
            messages.success(request, _("The record is marked as entered in error."))
            return redirect(client)
        messages.success(request, _("The correction is saved."))
        return redirect("clients:assessment_detail", pk=assessment.pk)
    return render(
        request,
        "clients/assessment_correct.html",
        {"form": form, "client": client, "assessment": assessment},
    )


# The history page links an assessment's rows to this page (audit.timeline.correction_pages).
assessment_correct.corrects = Assessment  # type: ignore[attr-defined]
