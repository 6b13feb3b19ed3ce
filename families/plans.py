"""The family plan as a living document: every change is a revision, stale pages are refused."""

import datetime
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from codelists.models import Code
from families.models import (
    Family,
    FamilyMember,
    FamilyPlan,
    FamilyService,
    GoalStatus,
    PlanAction,
    PlanGoal,
    PlanRevision,
)
from followup.models import TRANSITIONS, Status
from organisation.models import User


class PlanConflictError(Exception):
    """The plan changed after the user's page was loaded."""

    def __init__(self, plan: FamilyPlan, since: PlanRevision | None) -> None:
        super().__init__("The plan was changed by someone else.")
        self.plan = plan
        self.since = since  # the revision the user's page showed


class PlanRuleError(Exception):
    """A change the plan does not allow (e.g. a status move); the message says why."""


def with_goals(queryset: Any) -> Any:
    return queryset.select_related("family").prefetch_related(
        Prefetch(
            "goals",
            queryset=PlanGoal.objects.select_related("life_area", "owner__client").prefetch_related(
                Prefetch(
                    "actions",
                    queryset=PlanAction.objects.select_related(
                        "responsible_member__client", "responsible_service__service"
                    ),
                )
            ),
        )
    )


def snapshot(plan: FamilyPlan) -> dict[str, Any]:
    """The whole plan as plain data, stored with each revision."""
    plan = with_goals(FamilyPlan.objects).get(pk=plan.pk)
    return {
        "goals": [
            {
                "id": goal.pk,
                "life_area": goal.life_area.code,
                "life_area_label": goal.life_area.label_nb,
                "text": goal.text,
                "owner": str(goal.owner) if goal.owner else "",
                "status": goal.status,
                "actions": [
                    {
                        "id": action.pk,
                        "text": action.text,
                        "responsible": action.responsible_label,
                        "due_on": action.due_on.isoformat() if action.due_on else "",
                        "status": action.status,
                    }
                    for action in goal.actions.all()
                ],
            }
            for goal in plan.goals.all()
        ]
    }


@transaction.atomic
def plan_for(*, family: Family, by: User) -> FamilyPlan:
    """The family's active plan, created (with its first revision) when there is none."""
    plan = FamilyPlan.objects.filter(family=family, active=True).first()
    if plan is None:
        plan = FamilyPlan.objects.create(family=family)
        PlanRevision.objects.create(
            plan=plan, number=1, by=by, summary=_("Plan created"), snapshot=snapshot(plan)
        )
    return plan


@transaction.atomic
def plan_revise(
    *,
    plan: FamilyPlan,
    by: User,
    expected_version: int | None,
    summary: str,
    change: Callable[[FamilyPlan], None],
) -> PlanRevision:
    """Apply one change to the plan as a new revision, unless the page was stale."""
    locked = FamilyPlan.objects.select_for_update().select_related("family").get(pk=plan.pk)
    if expected_version != locked.version:
        since = locked.revisions.filter(number=expected_version or 0).first()
        raise PlanConflictError(locked, since)
    change(locked)
    locked.version += 1
    locked.save()
    return PlanRevision.objects.create(
        plan=locked, number=locked.version, by=by, summary=summary, snapshot=snapshot(locked)
    )


def _next_position(queryset: Any) -> int:
    return int(queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def goal_add(plan: FamilyPlan, *, life_area: Code, text: str, owner: FamilyMember | None) -> None:
    PlanGoal.objects.create(
        plan=plan,
        life_area=life_area,
        text=text,
        owner=owner,
        position=_next_position(plan.goals.all()),
    )


def goal_set_status(goal: PlanGoal, status: str) -> None:
    goal.status = status
    goal.closed_on = None if status == GoalStatus.OPEN else timezone.localdate()
    goal.save()


def goal_move(goal: PlanGoal, direction: int) -> None:
    """Swap the goal with its neighbour above (-1) or below (+1)."""
    siblings = list(goal.plan.goals.order_by("position", "pk"))
    index = next(i for i, g in enumerate(siblings) if g.pk == goal.pk)
    other = index + direction
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position"])


def action_add(
    goal: PlanGoal,
    *,
    text: str,
    responsible: str,
    responsible_member: FamilyMember | None,
    responsible_service: FamilyService | None,
    due_on: datetime.date | None,
) -> None:
    PlanAction.objects.create(
        goal=goal,
        text=text,
        responsible=responsible,
        responsible_member=responsible_member,
        responsible_service=responsible_service,
        due_on=due_on,
        position=_next_position(goal.actions.all()),
    )


def action_set_status(action: PlanAction, status: str) -> None:
    if status not in TRANSITIONS[Status(action.status)]:
        raise PlanRuleError(
            _("An action that is %(current)s cannot be moved to %(target)s.")
            % {
                "current": Status(action.status).label.lower(),
                "target": Status(status).label.lower(),
            }
        )
    action.status = status
    action.save()


def _shown(key: str, value: str, *, goal: bool) -> str:
    """A snapshot value as people read it: status labels, dates as dd.mm.åååå."""
    if key == "status" and value:
        return str((GoalStatus if goal else Status)(value).label)
    if key == "due_on" and value:
        return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
    return value


def readable(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A stored snapshot (codes, ISO dates) with labels added for display."""
    return {
        "goals": [
            {
                **goal,
                "status_label": _shown("status", goal["status"], goal=True),
                "actions": [
                    {
                        **action,
                        "status_label": _shown("status", action["status"], goal=False),
                        "due_on": _shown("due_on", action["due_on"], goal=False),
                    }
                    for action in goal["actions"]
                ],
            }
            for goal in snapshot["goals"]
        ]
    }


def revision_changes(older: dict[str, Any], newer: dict[str, Any]) -> list[dict[str, str]]:
    """What was added, changed or removed between two snapshots, goal by goal."""
    changes: list[dict[str, str]] = []
    old_goals = {g["id"]: g for g in older["goals"]}
    new_goals = {g["id"]: g for g in newer["goals"]}
    for goal_id, goal in new_goals.items():
        before = old_goals.get(goal_id)
        if before is None:
            changes.append({"kind": "added", "what": _("Goal"), "text": goal["text"]})
            before = {"actions": []}
        else:
            for key, label in (
                ("text", _("Goal")),
                ("status", _("Goal status")),
                ("owner", _("Owner")),
            ):
                if before[key] != goal[key]:
                    old, new = (_shown(key, v, goal=True) for v in (before[key], goal[key]))
                    changes.append({"kind": "changed", "what": label, "text": f"{old} → {new}"})
        old_actions = {a["id"]: a for a in before["actions"]}
        for action in goal["actions"]:
            previous = old_actions.get(action["id"])
            if previous is None:
                changes.append({"kind": "added", "what": _("Action"), "text": action["text"]})
                continue
            for key in ("text", "status", "responsible", "due_on"):
                if previous[key] != action[key]:
                    changes.append(
                        {
                            "kind": "changed",
                            "what": _("Action"),
                            "text": f"{action['text']}: "
                            f"{_shown(key, previous[key], goal=False)} → "
                            f"{_shown(key, action[key], goal=False)}",
                        }
                    )
    for goal_id, goal in old_goals.items():
        if goal_id not in new_goals:
            changes.append({"kind": "removed", "what": _("Goal"), "text": goal["text"]})
    return changes


def goal_update(goal: PlanGoal, *, text: str) -> None:
    goal.text = text
    goal.save()


def action_update(action: PlanAction, *, text: str, due_on: datetime.date | None) -> None:
    action.text = text
    action.due_on = due_on
    action.save()
