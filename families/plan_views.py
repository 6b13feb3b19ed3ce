"""The family plan page, its inline changes, its revisions and its print view."""

from collections.abc import Callable
from typing import Any

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from families import plans
from families.models import (
    Family,
    FamilyPlan,
    PlanAction,
    PlanGoal,
    PlanRevision,
    Review,
    ReviewRating,
    RevisionSummary,
)
from families.plan_forms import (
    ActionChangeForm,
    ActionForm,
    ActionStatusForm,
    GoalForm,
    GoalMoveForm,
    GoalStatusForm,
    GoalTextForm,
    RevisionQueryForm,
)
from families.review_forms import ReviewForm
from families.reviews import plan_areas, ratings_chart, review_record
from followup.models import TRANSITIONS, Status
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object


def _family(request: AuthenticatedHttpRequest, pk: int) -> Family:
    family: Family = read_object(
        request, Family.objects.select_related("office").prefetch_related("memberships"), pk=pk
    )
    return family


# The ids of a goal's add-action form: action<goal>_<field> (see _plan_page).
_ACTION_ID = "action__goal___"


def _plan_page(
    request: AuthenticatedHttpRequest, family: Family, plan: FamilyPlan, **extra: Any
) -> HttpResponse:
    plan = plans.with_goals(FamilyPlan.objects).get(pk=plan.pk)
    goals = list(plan.goals.all())
    # One add-action form per goal. They differ only in their ids, so the form is rendered
    # once with a placeholder in its ids (as a formset's __prefix__), which each goal
    # replaces with its own: rendering it per goal took a third of the page's time.
    blank = ActionForm(family=family, auto_id=f"{_ACTION_ID}%s")
    # A plan without goals shows no action form: nothing to render (or query).
    blank_html = as_crispy_form(blank) if goals else ""
    posted = extra.pop("action_form", None)
    posted_goal = extra.get("action_form_goal")
    for goal in goals:
        if posted is not None and goal.pk == posted_goal:
            goal.action_form_html = as_crispy_form(posted)
        else:
            # Crispy's output, already escaped, with only the ids changed.
            own_ids = blank_html.replace(_ACTION_ID, f"action{goal.pk}_")
            goal.action_form_html = mark_safe(own_ids)  # noqa: S308
    context = {
        "family": family,
        "plan": plan,
        "goals": goals,
        "today": timezone.localdate(),
        "goal_form": GoalForm(family=family, auto_id="goal_%s"),
        # The order the page shows, sent back with a move (see plans.plan_revise).
        "goal_order": ",".join(str(goal.pk) for goal in goals),
        "next_steps": {s: sorted(TRANSITIONS[s]) for s in Status},
        "revisions": plan.revisions.select_related("by")[:5],
        **extra,
    }
    return render(
        request, "families/plan.html", context, status=409 if "conflict" in extra else 200
    )


@policy(PERSON_LEVEL, methods=("GET",))
def plan_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = _family(request, pk)
    plan = plans.plan_for(family=family, by=request.user)
    return _plan_page(request, family, plan)


def _refused(request: AuthenticatedHttpRequest, form: Any, family_id: int) -> HttpResponse:
    """A change whose form was refused: say why on the plan page."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("families:plan", pk=family_id)


def _revise(
    request: AuthenticatedHttpRequest,
    family: Family,
    plan: FamilyPlan,
    summary: RevisionSummary,
    change: Callable[[FamilyPlan], None],
    *,
    item: plans.PlanItem | None = None,
    expected_version: int | None = None,
    expected_order: list[int] | None = None,
    retry: dict[str, Any] | None = None,
) -> HttpResponse:
    """Apply a change as a revision; if the item changed meanwhile, show what changed.

    ``retry`` is what the user typed, shown again in the item's form on the
    conflict page (based on the current version) so that nothing is lost.
    """
    try:
        revision = plans.plan_revise(
            plan=plan,
            by=request.user,
            summary=summary,
            change=change,
            item=item,
            expected_version=expected_version,
            expected_order=expected_order,
        )
    except plans.PlanConflictError as error:
        conflict = {
            "attempted": str(summary),
            "changed": error.changed,
            "changed_by": error.changed_by,
            "item": error.item,
        }
        return _plan_page(request, family, error.plan, conflict=conflict, retry=retry or {})
    except plans.PlanRuleError as error:
        messages.error(request, str(error))
    else:
        if revision is None:
            messages.info(request, _("Nothing was changed."))
        else:
            messages.success(request, str(summary))
    return redirect("families:plan", pk=family.pk)


@policy(PERSON_LEVEL, methods=("POST",))
def goal_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = _family(request, pk)
    plan = plans.plan_for(family=family, by=request.user)
    form = GoalForm(request.POST, family=family, auto_id="goal_%s")
    if not form.is_valid():
        return _plan_page(request, family, plan, goal_form=form)
    data = form.cleaned_data
    return _revise(
        request,
        family,
        plan,
        RevisionSummary(PlanRevision.Change.GOAL_ADDED, data["text"]),
        # An addition changes nothing anyone else is editing: never a conflict.
        lambda p: plans.goal_add(
            p, life_area=data["life_area"], text=data["text"], owner=data["owner"]
        ),
    )


@policy(PERSON_LEVEL, methods=("POST",))
def goal_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = read_object(request, PlanGoal.objects.select_related("plan__family"), pk=pk)
    form = GoalStatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, goal.plan.family_id)
    status = form.cleaned_data["status"]
    return _revise(
        request,
        goal.plan.family,
        goal.plan,
        RevisionSummary(PlanRevision.Change.GOAL_STATUS, goal.text, status),
        lambda p: plans.goal_set_status(goal, status),
        item=goal,
        expected_version=form.cleaned_data["version"],
    )


@policy(PERSON_LEVEL, methods=("POST",))
def goal_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = read_object(request, PlanGoal.objects.select_related("plan__family"), pk=pk)
    form = GoalMoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, goal.plan.family_id)
    direction = -1 if form.cleaned_data["direction"] == "up" else 1
    return _revise(
        request,
        goal.plan.family,
        goal.plan,
        RevisionSummary(PlanRevision.Change.GOAL_MOVED, goal.text),
        lambda p: plans.goal_move(goal, direction),
        expected_order=form.cleaned_data["order"],
    )


@policy(PERSON_LEVEL, methods=("POST",))
def action_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = read_object(request, PlanGoal.objects.select_related("plan__family"), pk=pk)
    family = goal.plan.family
    form = ActionForm(request.POST, family=family, auto_id=f"action{goal.pk}_%s")
    if not form.is_valid():
        return _plan_page(request, family, goal.plan, action_form=form, action_form_goal=goal.pk)
    data = form.cleaned_data
    return _revise(
        request,
        family,
        goal.plan,
        RevisionSummary(PlanRevision.Change.ACTION_ADDED, data["text"]),
        lambda p: plans.action_add(goal, **data),
    )


@policy(PERSON_LEVEL, methods=("POST",))
def action_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = read_object(request, PlanAction.objects.select_related("goal__plan__family"), pk=pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, action.goal.plan.family_id)
    status = form.cleaned_data["status"]
    return _revise(
        request,
        action.goal.plan.family,
        action.goal.plan,
        RevisionSummary(PlanRevision.Change.ACTION_STATUS, action.text, status),
        lambda p: plans.action_set_status(action, status),
        item=action,
        expected_version=form.cleaned_data["version"],
    )


@policy(PERSON_LEVEL, methods=("GET",))
def plan_revisions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every revision; any two compared side by side; the plan as it stood on a date."""
    family = _family(request, pk)
    plan = plans.plan_for(family=family, by=request.user)
    revisions = list(plan.revisions.select_related("by").order_by("-number"))
    by_number = {r.number: r for r in revisions}
    query = RevisionQueryForm(request.GET, numbers=set(by_number))
    chosen = query.cleaned_data if query.is_valid() else {}
    older = by_number.get(chosen.get("a") or 0)
    newer = by_number.get(chosen.get("b") or 0)
    on = chosen.get("on")
    as_on: PlanRevision | None = None
    if on is not None:
        as_on = next((r for r in revisions if timezone.localdate(r.at) <= on), None)
    return render(
        request,
        "families/plan_revisions.html",
        {
            "family": family,
            "plan": plan,
            "revisions": revisions,
            "older": older,
            "newer": newer,
            "older_plan": plans.readable(older.snapshot) if older else None,
            "newer_plan": plans.readable(newer.snapshot) if newer else None,
            "as_on_plan": plans.readable(as_on.snapshot) if as_on else None,
            "changes": plans.revision_changes(older.snapshot, newer.snapshot)
            if older and newer
            else None,
            "on": on,
            "as_on": as_on,
            "query": query,
        },
    )


@policy(PERSON_LEVEL, methods=("GET",))
def plan_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = _family(request, pk)
    # A plan made for the print is kept only with the print's log row (failing closed).
    with transaction.atomic():
        plan = plans.with_goals(FamilyPlan.objects).get(
            pk=plans.plan_for(family=family, by=request.user).pk
        )
        record_read(
            request,
            action=AccessLog.Action.PRINT,
            client_ids=family.accessed_client_ids(),
            office_id=family.office_id,
            subject=family,
        )
    members = [m for m in family.memberships.all() if m.left_on is None]
    return render(
        request,
        "families/plan_print.html",
        {"family": family, "plan": plan, "members": members, "today": timezone.localdate()},
    )


def _reviews(family: Family) -> list[Review]:
    return list(
        family.reviews.select_related("by").prefetch_related(
            Prefetch("ratings", queryset=ReviewRating.objects.select_related("life_area"))
        )
    )


@policy(PERSON_LEVEL, methods=("GET",))
def review_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The reviews, and the family's ratings over time with the change since the first."""
    family = _family(request, pk)
    reviews = _reviews(family)
    return render(
        request,
        "families/reviews.html",
        {
            "family": family,
            "reviews": reviews,
            "chart": ratings_chart(reviews) if reviews else None,
        },
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def review_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = _family(request, pk)
    form = ReviewForm(request.POST or None, family=family, areas=plan_areas())
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("rating_")}
        review_record(family=family, by=request.user, **data)
        messages.success(request, _("The review is saved."))
        return redirect("families:reviews", pk=family.pk)
    return render(request, "families/review_form.html", {"family": family, "form": form})


@policy(PERSON_LEVEL, methods=("POST",))
def goal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = read_object(request, PlanGoal.objects.select_related("plan__family"), pk=pk)
    form = GoalTextForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the goal in a few words (at most 500 characters)."))
        return redirect("families:plan", pk=goal.plan.family_id)
    text = form.cleaned_data["text"]
    return _revise(
        request,
        goal.plan.family,
        goal.plan,
        RevisionSummary(PlanRevision.Change.GOAL_CHANGED, text),
        lambda p: plans.goal_update(goal, text=text),
        item=goal,
        expected_version=form.cleaned_data["version"],
        retry={"goal": goal.pk, "text": text},
    )


@policy(PERSON_LEVEL, methods=("POST",))
def action_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = read_object(request, PlanAction.objects.select_related("goal__plan__family"), pk=pk)
    form = ActionChangeForm(request.POST, action=action)
    if action.status in {Status.COMPLETED, Status.CANCELLED}:
        messages.error(request, _("A finished action cannot be changed."))
        return redirect("families:plan", pk=action.goal.plan.family_id)
    if not form.is_valid():
        return _refused(request, form, action.goal.plan.family_id)
    data = form.cleaned_data
    return _revise(
        request,
        action.goal.plan.family,
        action.goal.plan,
        RevisionSummary(PlanRevision.Change.ACTION_CHANGED, data["text"]),
        lambda p: plans.action_update(action, text=data["text"], due_on=data["due_on"]),
        item=action,
        expected_version=data["version"],
        retry={"action": action.pk, "text": data["text"], "due_on": data["due_on"]},
    )
