"""The dashboard's figures, each one grouped query in the database (never a loop over rows).

Every function takes a Scope (offices, period, programme) and returns counts per
office: a dict per office, or for tables a Breakdown (row → office → count).
Nothing here knows about suppression, which is applied to each table across all
of the user's offices at once (dashboards.page). Records entered in error are never
counted: the ORM's managers leave them out, and every statement written by hand here
says `NOT entered_in_error` for each case table it reads.
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from clients.models import BenefitPeriod, CaseEpisode, Client
from codelists.models import Code, CodeList
from core.db_router import read_alias
from core.periods import overlapping, overlapping_sql
from families.models import (
    Family,
    FamilyMember,
    GoalStatus,
    PlanGoal,
    Review,
    ReviewRating,
    SchoolStatus,
)
from followup.models import Contact, Enrolment, Intervention, Programme, Status
from followup.selectors import with_contact_dates
from organisation.models import Office

SIX_MONTHS = 183  # days
# Intervention types by the kind of activity they are (the rest is "other intervention").
ACTIVITY_OF_TYPE = {
    "work_training": "work",
    "job_activity": "work",
    "wage_subsidy": "work",
    "youth_job": "work",
    "education": "education",
    "norwegian_course": "education",
    "maths_camp": "education",
    "kvp": "kvp",
}
ACTIVITY_BENEFITS = {"kvalifiseringsstonad": "kvp", "introduksjonsstonad": "education"}
ACTIVITY_KINDS = ["work", "education", "kvp", "other"]
SITUATIONS = ["in_school", "completed", "dropped_out", "not_in_school", "unknown"]

PerOffice = dict[int, int]
Breakdown = dict[Any, PerOffice]  # row → office → count


@dataclass(frozen=True)
class Scope:
    offices: tuple[Office, ...]
    start: datetime.date
    end: datetime.date  # the last day of the period, at most today
    programme: Programme | None = None

    @property
    def office_ids(self) -> list[int]:
        return [office.pk for office in self.offices]

    def months(self) -> list[datetime.date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months


def period_end(end_month: datetime.date) -> datetime.date:
    """The last day of a period that ends in `end_month`: the month's last day, at most today."""
    last_day = end_month.replace(day=calendar.monthrange(end_month.year, end_month.month)[1])
    return min(last_day, timezone.localdate())


def _overlapping(start: str, end: str, scope: Scope) -> Q:
    return overlapping(start, end, scope.start, scope.end)


def _enrolled(scope: Scope, client: str = "pk") -> Exists:
    """Enrolled in the chosen programme at some time in the period."""
    return Exists(
        Enrolment.objects.filter(client=OuterRef(client), programme=scope.programme).filter(
            _overlapping("enrolled_on", "left_on", scope)
        )
    )


def clients(scope: Scope) -> QuerySet[Client]:
    """The clients the dashboard counts: of the offices, and of the programme if chosen."""
    chosen = Client.objects.filter(office__in=scope.office_ids).exclude(status=Client.Status.MERGED)
    if scope.programme is not None:
        chosen = chosen.filter(_enrolled(scope))
    return chosen


def families(scope: Scope) -> QuerySet[Family]:
    """The families of the offices; with a programme, those with a member enrolled in it."""
    chosen = Family.objects.filter(office__in=scope.office_ids)
    if scope.programme is not None:
        chosen = chosen.filter(
            Exists(
                FamilyMember.objects.filter(family=OuterRef("pk"), client__isnull=False).filter(
                    _enrolled(scope, "client")
                )
            )
        )
    return chosen


def followed(scope: Scope) -> QuerySet[Client]:
    """Clients with a case episode in the period: the ones followed up then."""
    episodes = CaseEpisode.objects.filter(client=OuterRef("pk")).filter(
        _overlapping("opened_on", "closed_on", scope)
    )
    return clients(scope).filter(Exists(episodes))


def _by_office(queryset: QuerySet[Any], office_field: str = "office") -> PerOffice:
    rows = queryset.order_by().values(office_field).annotate(n=Count("pk", distinct=True))
    return {row[office_field]: row["n"] for row in rows}


def _breakdown(rows: Any, row_key: str, office_key: str) -> Breakdown:
    return _breakdown_of((row[row_key], row[office_key], row["n"]) for row in rows)


def _breakdown_of(rows: Iterable[tuple[Any, int, int]]) -> Breakdown:
    """Rows of (row, office, count), as from a cursor, as a breakdown."""
    result: Breakdown = defaultdict(dict)
    for key, office, n in rows:
        result[key][office] = n
    return dict(result)


def key_figures(scope: Scope) -> dict[str, PerOffice]:
    """Counts of clients per office for the figures that stand on their own."""
    chosen = clients(scope)
    followed_clients = followed(scope)
    # Today's status and the latest agreed contact, as on the caseload: "overdue" is always
    # about now. (Any: the stubs cannot follow the annotation into the filter.)
    dated: Any = with_contact_dates(chosen.filter(status=Client.Status.ACTIVE))
    overdue = dated.filter(next_contact__lt=timezone.localdate())
    opened = CaseEpisode.objects.filter(
        client__in=chosen, opened_on__range=(scope.start, scope.end)
    )
    return {
        "followed": _by_office(followed_clients),
        "overdue": _by_office(overdue),
        "transitions": _by_office(chosen.filter(_transition(scope))),
        "episodes": _by_office(opened, "client__office"),
    }


def assistance_kinds() -> list[int]:
    """The kinds of benefit that are social assistance, as ids: constants in the statements
    that use them let the planner start from the office's clients (it cannot estimate a
    filter on the codes' JSON, and started from every period of these kinds instead)."""
    kinds = Code.objects.of(CodeList.BENEFIT_KIND).filter(extra__social_assistance=True)
    return list(kinds.values_list("pk", flat=True))


def activity(scope: Scope) -> Breakdown:
    """Followed clients in activity per office ("in_activity": an intervention under way or
    completed, a programme, or KVP or the introduction programme, in the period), and in
    each kind of activity (a client may be in several).

    Each client's flags come from one grouped pass over each table, joined to the followed
    clients once: a lookup per client and kind took seconds at national scale.
    """
    followed_sql, followed_params = (
        followed(scope)
        .order_by()
        .values(person=F("pk"), office_of=F("office"))
        .query.sql_with_params()
    )
    kinds = [kind for kind in ACTIVITY_KINDS if kind != "other"]
    # A flag per kind of activity from the code c of an intervention's type or a benefit's
    # kind, with the codes of that kind as its parameter.
    flags = ", ".join(f"bool_or(c.code = ANY(%s)) AS {kind}" for kind in kinds)

    def flag_codes(mapping: dict[str, str]) -> list[list[str]]:
        return [[code for code, k in mapping.items() if k == kind] for kind in kinds]

    counted = ", ".join(f"count(*) FILTER (WHERE r.{kind} OR b.{kind})" for kind in kinds)
    period = [scope.end, scope.start]  # the order overlapping_sql reads them in
    sql = f"""
        WITH followed AS ({followed_sql}),
        running AS (
            SELECT i.client_id, {flags}, bool_or(NOT c.code = ANY(%s)) AS other
            FROM {Intervention._meta.db_table} i
            JOIN followed f ON f.person = i.client_id
            JOIN {Code._meta.db_table} c ON c.id = i.type_id
            WHERE NOT i.entered_in_error AND i.status = ANY(%s)
                  AND {overlapping_sql("i.start", 'i."end"', from_="%s", to="%s")}
            GROUP BY i.client_id
        ),
        benefit AS (
            SELECT p.client_id, {flags}
            FROM {BenefitPeriod._meta.db_table} p
            JOIN followed f ON f.person = p.client_id
            JOIN {Code._meta.db_table} c ON c.id = p.kind_id
            WHERE NOT p.entered_in_error AND c.code = ANY(%s)
                  AND {overlapping_sql("p.start", 'p."end"', from_="%s", to="%s")}
            GROUP BY p.client_id
        ),
        enrolled AS (
            SELECT DISTINCT e.client_id
            FROM {Enrolment._meta.db_table} e
            JOIN followed f ON f.person = e.client_id
            WHERE NOT e.entered_in_error
                  AND {overlapping_sql("e.enrolled_on", "e.left_on", from_="%s", to="%s")}
        )
        SELECT f.office_of,
               count(*) FILTER (WHERE r.client_id IS NOT NULL OR b.client_id IS NOT NULL
                                      OR e.client_id IS NOT NULL),
               {counted}, count(*) FILTER (WHERE r.other)
        FROM followed f
        LEFT JOIN running r ON r.client_id = f.person
        LEFT JOIN benefit b ON b.client_id = f.person
        LEFT JOIN enrolled e ON e.client_id = f.person
        GROUP BY f.office_of"""  # noqa: S608 - table names from the models, values as parameters
    params = [
        *followed_params,
        *flag_codes(ACTIVITY_OF_TYPE),
        list(ACTIVITY_OF_TYPE),
        [Status.IN_PROGRESS.value, Status.COMPLETED.value],
        *period,
        *flag_codes(ACTIVITY_BENEFITS),
        list(ACTIVITY_BENEFITS),
        *period,
        *period,
    ]
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = ["in_activity", *kinds, "other"]
    return {name: {row[0]: row[i + 1] for row in rows} for i, name in enumerate(names)}


def _transition(scope: Scope) -> Q:
    """Into work or education in the period: an intervention ended so, or an episode closed so."""
    return Q(
        Exists(
            Intervention.objects.filter(
                client=OuterRef("pk"),
                end__range=(scope.start, scope.end),
                outcome__extra__category__in=["work", "education"],
            )
        )
    ) | Q(
        Exists(
            CaseEpisode.objects.filter(
                client=OuterRef("pk"),
                closed_on__range=(scope.start, scope.end),
                closing_reason__code__in=["into_work", "into_education"],
            )
        )
    )


def caseload(scope: Scope) -> tuple[dict[Any, str], Breakdown]:
    """Active clients per responsible caseworker (and those without one), per office."""
    rows = list(
        clients(scope)
        .filter(status=Client.Status.ACTIVE)
        .order_by()
        .values("caseworker", "caseworker__first_name", "caseworker__last_name", "office")
        .annotate(n=Count("pk"))
        .order_by("caseworker__last_name", "caseworker__first_name", "caseworker")
    )
    names: dict[Any, str] = {
        row["caseworker"]: f"{row['caseworker__first_name']} {row['caseworker__last_name']}"
        for row in rows
        if row["caseworker"]
    }
    if any(row["caseworker"] is None for row in rows):
        names[None] = ""
    return names, _breakdown(rows, "caseworker", "office")


def contacts_by_month(scope: Scope) -> Breakdown:
    """Contacts in the period per month and office.

    Counted per client and month first, from the contacts' (client, date) index alone, and
    only then given the client's office: a year of national contacts is two million rows, and
    counting them before the join took a quarter of the time. The clients' filter inside
    lets the planner start from one office's clients where that is all that is asked for.
    """
    chosen, params = (
        clients(scope).order_by().values(person=F("pk"), office_of=F("office")).query
    ).sql_with_params()
    sql = f"""
        SELECT per_client.month, c.office_of, sum(per_client.n)::int
        FROM (
            SELECT client_id, date_trunc('month', date::timestamp)::date AS month, count(*) AS n
            FROM {Contact._meta.db_table}
            WHERE NOT entered_in_error AND date BETWEEN %s AND %s
                  AND client_id IN (SELECT person FROM ({chosen}) c)
            GROUP BY 1, 2
        ) per_client
        JOIN ({chosen}) c ON c.person = per_client.client_id
        GROUP BY 1, 2"""  # noqa: S608 - the table name from the model, the inner query the ORM's
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, [scope.start, scope.end, *params, *params])
        return _breakdown_of(cursor.fetchall())


def reasons(scope: Scope) -> tuple[dict[int, str], Breakdown]:
    """Reasons for contact of the episodes opened in the period, per office (an episode may
    have several)."""
    through = CaseEpisode.reasons.through
    rows = list(
        through.objects.filter(
            # The through table has no manager of the episodes' own: left out by hand.
            caseepisode__entered_in_error=False,
            caseepisode__client__in=clients(scope),
            caseepisode__opened_on__range=(scope.start, scope.end),
        )
        .values("code", "code__label_nb", "code__label_en", "code__sort_order")
        .annotate(n=Count("caseepisode", distinct=True), office=F("caseepisode__client__office"))
        .order_by("code__sort_order")
    )
    labels = {row["code"]: _label(row, "code__") for row in rows}
    return labels, _breakdown(rows, "code", "office")


def _label(row: dict[str, Any], prefix: str) -> str:
    """A code's label, from a row of its columns, by the code list's own choice of language."""
    return Code(label_nb=row[f"{prefix}label_nb"], label_en=row[f"{prefix}label_en"]).label


def interventions_by_type_and_outcome(scope: Scope) -> "Interventions":
    """Interventions that ended in the period: a table of type × outcome for each office (of
    every type and outcome met in any of them)."""
    ended = Intervention.objects.filter(
        client__in=clients(scope), end__range=(scope.start, scope.end)
    )
    rows = list(
        ended.order_by()
        .values(
            "type__label_nb",
            "type__label_en",
            "type__sort_order",
            "outcome__label_nb",
            "outcome__label_en",
            "outcome__sort_order",
            office=F("client__office"),
        )
        .annotate(n=Count("pk"))
    )

    def outcome(row: dict[str, Any]) -> str:
        return _label(row, "outcome__") if row["outcome__label_nb"] else ""

    types = sorted({(r["type__sort_order"], _label(r, "type__")) for r in rows})
    outcomes = sorted({(r["outcome__sort_order"] or 10**6, outcome(r)) for r in rows})
    type_index = {label: i for i, (_s, label) in enumerate(types)}
    outcome_index = {label: i for i, (_s, label) in enumerate(outcomes)}
    matrices: dict[int, list[list[int]]] = {}
    for r in rows:
        matrix = matrices.setdefault(r["office"], [[0] * len(outcomes) for _ in types])
        matrix[type_index[_label(r, "type__")]][outcome_index[outcome(r)]] += r["n"]
    return [label for _s, label in types], [label for _s, label in outcomes], matrices


# Types, outcomes, and per office its matrix of type × outcome.
Interventions = tuple[list[str], list[str], dict[int, list[list[int]]]]


def _assistance_periods(scope: Scope, kinds: list[int] | None) -> tuple[str, tuple[Any, ...]]:
    """The SQL of the clients' assistance periods overlapping the period (person, office_of,
    since, until), for the statements that take them further."""
    kinds = assistance_kinds() if kinds is None else kinds
    periods = (
        BenefitPeriod.objects.filter(client__in=clients(scope), kind__in=kinds)
        .filter(_overlapping("start", "end", scope))
        .order_by()
        .values(person=F("client"), office_of=F("client__office"), since=F("start"), until=F("end"))
    )
    sql, params = periods.query.sql_with_params()
    return sql, tuple(params)


def assistance_time(
    scope: Scope, kinds: list[int] | None = None
) -> tuple[Breakdown, dict[int | None, float | None]]:
    """Clients on social assistance in the period, split by whether they received it for more
    than six months, per office; and per office (None: all offices) the median days.

    Days are those of the union of a client's assistance periods (full and supplementary
    assistance may overlap), an open period counted to the end of the period.
    """
    inner, params = _assistance_periods(scope, kinds)
    sql = f"""
        WITH per_client AS (
            SELECT person, office_of, (
                SELECT sum(upper(r) - lower(r)) FROM unnest(range_agg(
                    daterange(since, least(coalesce(until, %s::date), %s::date) + 1)
                )) AS r
            ) AS days
            FROM ({inner}) periods
            GROUP BY person, office_of
        )
        SELECT office_of, percentile_cont(0.5) WITHIN GROUP (ORDER BY days),
               count(*) FILTER (WHERE days > %s), count(*) FILTER (WHERE days <= %s)
        FROM per_client
        GROUP BY ROLLUP (office_of)"""  # noqa: S608 - the inner query is the ORM's own
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, [scope.end, scope.end, *params, SIX_MONTHS, SIX_MONTHS])
        rows = cursor.fetchall()
    split: Breakdown = {"long": {}, "short": {}}
    medians: dict[int | None, float | None] = {}
    for office, median, long_, short in rows:
        medians[office] = median
        if office is not None:
            split["long"][office] = long_
            split["short"][office] = short
    return split, medians


IN_THE_MONTH = overlapping_sql(
    "p.since", "p.until", from_="m.month", before="(m.month + interval '1 month')"
)


def assistance_by_month(scope: Scope, kinds: list[int] | None = None) -> Breakdown:
    """Clients receiving social assistance in each month of the period, per office."""
    inner, params = _assistance_periods(scope, kinds)
    sql = f"""
        SELECT m.month::date, p.office_of, count(DISTINCT p.person)
        FROM generate_series(%s::date, %s::date, interval '1 month') AS m(month)
        JOIN ({inner}) p ON {IN_THE_MONTH}
        GROUP BY m.month, p.office_of"""  # noqa: S608 - the inner query is the ORM's own
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, [scope.start.replace(day=1), scope.end, *params])
        return _breakdown_of(cursor.fetchall())


def youth(scope: Scope) -> Breakdown:
    """The children of the families at the end of the period, by school situation, per office.

    A child who moved with a split household has a membership in each family: only the
    one in force at the end of the period counts, with the latest school situation
    recorded for the child (same name and date of birth, same office) in either. The
    latest situations are found in one sorted pass (DISTINCT ON), not a lookup per child.
    """
    children = (
        FamilyMember.objects.filter(
            role=FamilyMember.Role.CHILD, family__in=families(scope), joined_on__lte=scope.end
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=scope.end))
        .values("first_name", "last_name", "birth_date", office_of=F("family__office"))
    )
    situations = SchoolStatus.objects.filter(
        member__family__office__in=scope.office_ids,
        member__entered_in_error=False,
        valid_from__lte=scope.end,
    ).values(
        "level",
        "status",
        "valid_from",
        row=F("pk"),
        first=F("member__first_name"),
        last=F("member__last_name"),
        born=F("member__birth_date"),
        office_of=F("member__family__office"),
    )
    children_sql, children_params = children.query.sql_with_params()
    situations_sql, situations_params = situations.query.sql_with_params()
    sql = f"""
        WITH latest AS (
            SELECT DISTINCT ON (office_of, first, last, born) office_of, first, last, born,
                   level, status
            FROM ({situations_sql}) s
            ORDER BY office_of, first, last, born, valid_from DESC, row DESC
        )
        SELECT c.office_of, l.level, l.status, count(*)
        FROM ({children_sql}) c
        LEFT JOIN latest l ON l.office_of = c.office_of AND l.first = c.first_name
             AND l.last = c.last_name AND l.born = c.birth_date
        GROUP BY 1, 2, 3"""  # noqa: S608 - the inner queries are the ORM's own
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, [*situations_params, *children_params])
        rows = cursor.fetchall()
    counts: Breakdown = {situation: {} for situation in SITUATIONS}
    for office, level, status, n in rows:
        situation = counts[_school_situation(level, status)]
        situation[office] = situation.get(office, 0) + n
    return counts


def _school_situation(level: str | None, status: str | None) -> str:
    if status is None:
        return "unknown"
    upper = level in SchoolStatus.UPPER_SECONDARY_LEVELS
    if upper and status == SchoolStatus.Status.DROPPED_OUT:
        return "dropped_out"
    if upper and status == SchoolStatus.Status.COMPLETED:
        return "completed"
    if status in {SchoolStatus.Status.ENROLLED, SchoolStatus.Status.BACK_IN_SCHOOL}:
        return "in_school"
    return "not_in_school"


def plan_goals(scope: Scope) -> Breakdown:
    """Goals of the families' plans set in the period, and achieved or closed in it, per office."""
    period = (scope.start, scope.end)
    rows = (
        PlanGoal.objects.filter(plan__family__in=families(scope))
        .order_by()
        .annotate(office=F("plan__family__office"))
        .values("office")
        .annotate(
            set=Count("pk", filter=Q(created_on__range=period)),
            achieved=Count("pk", filter=Q(status=GoalStatus.ACHIEVED, closed_on__range=period)),
            closed=Count("pk", filter=Q(status=GoalStatus.CLOSED, closed_on__range=period)),
        )
    )
    return {
        name: {row["office"]: row[name] for row in rows} for name in ("set", "achieved", "closed")
    }


def quality_of_life(scope: Scope) -> list[tuple[str, PerOffice, PerOffice]]:
    """Per life area: how many families per office have rated it at two reviews or more by the
    end of the period, and the sum of their changes from their first rating to the latest
    (the averages, and which of them may be shown, are dashboards.page's)."""
    chosen, params = families(scope).values("pk").query.sql_with_params()
    rating_table = ReviewRating._meta.db_table
    review_table = Review._meta.db_table
    family_table = Family._meta.db_table
    code_table = Code._meta.db_table
    # Each family's first and latest rating of an area in one sorted aggregate (a window
    # and a self-join sorted the national ratings three times, on disk).
    sql = f"""
        WITH per_family AS (
            SELECT f.office_id, rr.life_area_id,
                   (array_agg(rr.rating ORDER BY rv.reviewed_on, rv.id))[1] AS first,
                   (array_agg(rr.rating ORDER BY rv.reviewed_on DESC, rv.id DESC))[1] AS latest
            FROM {rating_table} rr JOIN {review_table} rv ON rv.id = rr.review_id
            JOIN {family_table} f ON f.id = rv.family_id
            WHERE NOT rv.entered_in_error AND NOT rr.entered_in_error AND rv.reviewed_on <= %s
                  AND rv.family_id IN ({chosen})
            GROUP BY rv.family_id, f.office_id, rr.life_area_id
            HAVING count(*) > 1
        )
        SELECT c.id, c.label_nb, c.label_en, p.office_id, count(*), sum(p.latest - p.first)
        FROM per_family p JOIN {code_table} c ON c.id = p.life_area_id
        GROUP BY c.id, c.label_nb, c.label_en, c.sort_order, p.office_id
        ORDER BY c.sort_order"""  # noqa: S608 - table names from the models, values as parameters
    params = (scope.end, *params)
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    areas: dict[int, tuple[str, PerOffice, PerOffice]] = {}
    for area, nb, en, office, families_count, change in rows:
        label = Code(label_nb=nb, label_en=en).label
        entry = areas.setdefault(area, (label, {}, {}))
        entry[1][office] = families_count
        entry[2][office] = int(change)
    return list(areas.values())


@dataclass
class Figures:
    """Everything counted for one scope (the chosen programme's clients, or all)."""

    lines: dict[str, PerOffice]
    activity: Breakdown
    contacts: Breakdown
    assistance_months: Breakdown
    assistance: Breakdown
    medians: dict[int | None, float | None]
    caseworkers: dict[Any, str]
    caseload: Breakdown
    reason_labels: dict[int, str]
    reasons: Breakdown
    youth: Breakdown
    goals: Breakdown
    # Per life area its label, families rated twice or more and the sum of their changes.
    life_areas: list[tuple[str, PerOffice, PerOffice]]
    # Types, outcomes and each office's matrix; counted for all clients only (dashboards.page).
    intervention_outcomes: Interventions | None


def collect(scope: Scope) -> Figures:
    kinds = assistance_kinds()
    assistance, medians = assistance_time(scope, kinds)
    caseworkers, by_caseworker = caseload(scope)
    reason_labels, by_reason = reasons(scope)
    kinds_of_activity = activity(scope)
    return Figures(
        lines={**key_figures(scope), "in_activity": kinds_of_activity.pop("in_activity")},
        activity=kinds_of_activity,
        contacts=contacts_by_month(scope),
        assistance_months=assistance_by_month(scope, kinds),
        assistance=assistance,
        medians=medians,
        caseworkers=caseworkers,
        caseload=by_caseworker,
        reason_labels=reason_labels,
        reasons=by_reason,
        youth=youth(scope),
        goals=plan_goals(scope),
        life_areas=quality_of_life(scope),
        intervention_outcomes=(
            interventions_by_type_and_outcome(scope) if scope.programme is None else None
        ),
    )
