"""The family plan as a living document: every change is a revision, stale pages are refused."""

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.versioning import changes_since
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
    RevisionSummary,
)
from followup.models import TRANSITIONS, Status
from organisation.models import User

PlanItem = PlanGoal | PlanAction


class PlanConflictError(Exception):
    """The goal or action (or the order of the goals) changed after the user's page was loaded.

    Only the item the user was changing counts: a colleague's change to another goal
    or action of the same plan is no conflict, so both are saved.
    """

    def __init__(
        self,
        plan: FamilyPlan,
        item: PlanItem | None,
        changed: list[dict[str, str]],
        changed_by: Any,
    ) -> None:
        super().__init__("The goal or action was changed by someone else.")
        self.plan = plan
        self.item = item
        self.changed = changed  # what changed since the user's page, in words
        self.changed_by = changed_by


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
            plan=plan, number=1, by=by, change=PlanRevision.Change.CREATED, snapshot=snapshot(plan)
        )
    return plan


def _goal_order(plan: FamilyPlan) -> list[int]:
    return list(plan.goals.order_by("position", "pk").values_list("pk", flat=True))


@transaction.atomic
def plan_revise(
    *,
    plan: FamilyPlan,
    by: User,
    summary: RevisionSummary,
    change: Callable[[FamilyPlan], None],
    item: PlanItem | None = None,
    expected_version: int | None = None,
    expected_order: Sequence[int] | None = None,
) -> PlanRevision | None:
    """Apply one change to the plan as a new revision; None when it changed nothing.

    ``summary`` says what the change is; it is stored as data and put in words when
    the revision is shown, in the language of whoever reads it.

    A change to a goal or action (``item``) is refused when that item was saved by
    someone else since ``expected_version``, the version the user's page showed; a
    move when the goals' order differs from ``expected_order``. Additions and changes
    to other items never conflict. A change that leaves the plan as it was (moving
    the top goal up, saving the same text) writes no revision.
    """
    # The plan row is locked first, so that revision numbers are handed out one at a time.
    locked = FamilyPlan.objects.select_for_update().select_related("family").get(pk=plan.pk)
    if item is not None:
        # The change is applied to the row as it is now, under a lock: the caller's copy
        # may be older (a colleague moved the goal meanwhile).
        item.refresh_from_db(from_queryset=type(item).objects.select_for_update())
        if expected_version is None or item.version != expected_version:
            changes, changed_by = changes_since(item, expected_version or 0)
            changed = [
                {"what": c.field, "text": f"{c.before} → {c.after}"}
                for c in changes
                if c.field != str(PlanGoal._meta.get_field("position").verbose_name)
            ]
            raise PlanConflictError(locked, item, changed, changed_by)
    if expected_order is not None:
        current_order = _goal_order(locked)
        if list(expected_order) != current_order:
            texts = dict(locked.goals.values_list("pk", "text"))
            changed = [
                {
                    "what": _("Order of the goals"),
                    "text": " · ".join(texts[pk] for pk in current_order),
                }
            ]
            raise PlanConflictError(locked, None, changed, None)
    change(locked)
    after = snapshot(locked)
    latest = locked.revisions.order_by("-number").first()
    if latest is not None and latest.snapshot == after:
        return None
    locked.version += 1
    locked.save()
    return PlanRevision.objects.create(
        plan=locked,
        number=locked.version,
        by=by,
        change=summary.change,
        subject=summary.subject,
        new_status=summary.new_status,
        snapshot=after,
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


# The changes below raise the item's version only when they change it: the version is
# what a colleague's page is compared with (see plan_revise).


def goal_set_status(goal: PlanGoal, status: str) -> None:
    if goal.status == status:
        return
    goal.status = status
    goal.closed_on = None if status == GoalStatus.OPEN else timezone.localdate()
    goal.version += 1
    goal.save()


def goal_move(goal: PlanGoal, direction: int) -> None:
    """Swap the goal with its neighbour above (-1) or below (+1).

    The place of a goal is not its content: a move raises no version, so a colleague
    changing the wording of a goal that was moved meanwhile is not refused.
    """
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
    action = PlanAction(
        goal=goal,
        text=text,
        responsible=responsible,
        responsible_member=responsible_member,
        responsible_service=responsible_service,
        due_on=due_on,
        position=_next_position(goal.actions.all()),
    )
    action.full_clean()  # PlanAction.clean: a new action's deadline has not passed
    action.save()


def action_set_status(action: PlanAction, status: str) -> None:
    if action.status == status:
        return
    if status not in TRANSITIONS[Status(action.status)]:
        raise PlanRuleError(
            _("An action that is %(current)s cannot be moved to %(target)s.")
            % {
                "current": Status(action.status).label.lower(),
                "target": Status(status).label.lower(),
            }
        )
    action.status = status
    action.version += 1
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
    if goal.text == text:
        return
    goal.text = text
    goal.version += 1
    goal.save()


def action_update(action: PlanAction, *, text: str, due_on: datetime.date | None) -> None:
    if (action.text, action.due_on) == (text, due_on):
        return
    action.text = text
    action.due_on = due_on
    action.version += 1
    action.save()
