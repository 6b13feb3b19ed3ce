"""The dashboard's figures, each one grouped query in the database (never a loop over rows).

Every function takes a Scope (offices, period, programme) and returns counts keyed
by office, by month or by category; nothing here knows about suppression, which
is applied to the whole page at once (dashboards.page).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least, TruncMonth

from clients.models import BenefitPeriod, CaseEpisode, Client
from codelists.models import Code, CodeList
from families.models import FamilyMember, GoalStatus, PlanGoal, Review, ReviewRating, SchoolStatus
from followup.models import Contact, Enrolment, Intervention, Programme, Status
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


def clients(scope: Scope) -> QuerySet[Client]:
    """The clients the dashboard counts: of the offices, and of the programme if chosen."""
    chosen = Client.objects.filter(office__in=scope.office_ids).exclude(status=Client.Status.MERGED)
    if scope.programme is not None:
        chosen = chosen.filter(
            Exists(
                Enrolment.objects.filter(client=OuterRef("pk"), programme=scope.programme)
                .filter(enrolled_on__lte=scope.end)
                .filter(Q(left_on__isnull=True) | Q(left_on__gte=scope.start))
            )
        )
    return chosen


def _overlapping(start: str, end: str, scope: Scope) -> Q:
    return Q(**{f"{start}__lte": scope.end}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": scope.start})
    )


def followed(scope: Scope) -> QuerySet[Client]:
    """Clients with a case episode in the period: the ones followed up then."""
    episodes = CaseEpisode.objects.filter(client=OuterRef("pk")).filter(
        _overlapping("opened_on", "closed_on", scope)
    )
    return clients(scope).filter(Exists(episodes))


def _by_office(queryset: QuerySet[Any], office_field: str = "office") -> dict[int, int]:
    rows = queryset.order_by().values(office_field).annotate(n=Count("pk", distinct=True))
    return {row[office_field]: row["n"] for row in rows}


def per_office(scope: Scope) -> dict[str, dict[int, int]]:
    """Counts of clients per office for the figures that are shown side by side."""
    today = scope.end
    chosen = clients(scope)
    followed_clients = followed(scope)
    latest = Contact.objects.filter(client=OuterRef("pk")).order_by("-date", "-id")
    overdue = (
        chosen.filter(status=Client.Status.ACTIVE)
        .annotate(next_contact=Subquery(latest.values("next_contact_on")[:1]))
        .filter(next_contact__lt=today)
    )
    return {
        "followed": _by_office(followed_clients),
        "active": _by_office(chosen.filter(status=Client.Status.ACTIVE)),
        "overdue": _by_office(overdue),
        "in_activity": _by_office(followed_clients.filter(_in_activity(scope))),
        "transitions": _by_office(chosen.filter(_transition(scope))),
        "assistance": _by_office(chosen.filter(_on_assistance(scope))),
    }


def _assistance_kinds() -> QuerySet[Code]:
    return Code.objects.of(CodeList.BENEFIT_KIND).filter(extra__social_assistance=True)


def _on_assistance(scope: Scope) -> Q:
    return Q(
        Exists(
            BenefitPeriod.objects.filter(
                client=OuterRef("pk"), kind__in=_assistance_kinds()
            ).filter(_overlapping("start", "end", scope))
        )
    )


def _activity_interventions(scope: Scope) -> QuerySet[Intervention]:
    return Intervention.objects.filter(status__in=[Status.IN_PROGRESS, Status.COMPLETED]).filter(
        _overlapping("start", "end", scope)
    )


def _in_activity(scope: Scope) -> Q:
    """An intervention, a programme, or KVP or the introduction programme, in the period."""
    return (
        Q(Exists(_activity_interventions(scope).filter(client=OuterRef("pk"))))
        | Q(
            Exists(
                Enrolment.objects.filter(client=OuterRef("pk")).filter(
                    _overlapping("enrolled_on", "left_on", scope)
                )
            )
        )
        | Q(
            Exists(
                BenefitPeriod.objects.filter(
                    client=OuterRef("pk"), kind__code__in=list(ACTIVITY_BENEFITS)
                ).filter(_overlapping("start", "end", scope))
            )
        )
    )


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


def activity_kinds(scope: Scope) -> dict[str, int]:
    """Followed clients in each kind of activity (a client may be in several): one query."""
    interventions = _activity_interventions(scope).filter(client=OuterRef("pk"))

    def benefit(kind: str) -> Exists:
        return Exists(
            BenefitPeriod.objects.filter(
                client=OuterRef("pk"),
                kind__code__in=[code for code, k in ACTIVITY_BENEFITS.items() if k == kind],
            ).filter(_overlapping("start", "end", scope))
        )

    def of_kind(kind: str) -> Exists:
        codes = [code for code, k in ACTIVITY_OF_TYPE.items() if k == kind]
        return Exists(interventions.filter(type__code__in=codes))

    flags = {
        "work": of_kind("work") | benefit("work"),
        "education": of_kind("education") | benefit("education"),
        "kvp": of_kind("kvp") | benefit("kvp"),
        "other": Exists(interventions.exclude(type__code__in=list(ACTIVITY_OF_TYPE))),
    }
    annotated = followed(scope).order_by().annotate(**{f"is_{k}": v for k, v in flags.items()})
    totals = annotated.aggregate(
        **{kind: Count("pk", filter=Q(**{f"is_{kind}": True})) for kind in flags}
    )
    return {kind: totals[kind] for kind in flags}


def caseload(scope: Scope) -> list[tuple[str, int]]:
    """Active clients per responsible caseworker (and those without one)."""
    rows = (
        clients(scope)
        .filter(status=Client.Status.ACTIVE)
        .order_by()
        .values("caseworker", "caseworker__first_name", "caseworker__last_name")
        .annotate(n=Count("pk"))
        .order_by("caseworker__last_name", "caseworker__first_name", "caseworker")
    )
    return [
        (
            f"{row['caseworker__first_name']} {row['caseworker__last_name']}"
            if row["caseworker"]
            else "",
            row["n"],
        )
        for row in rows
    ]


def _monthly(queryset: QuerySet[Any], field: str) -> dict[datetime.date, int]:
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth(field))
        .values("month")
        .annotate(n=Count("pk"))
    )
    return {row["month"]: row["n"] for row in rows}


def contacts(scope: Scope) -> tuple[dict[int, int], dict[datetime.date, int]]:
    """Contacts in the period, per office and per month."""
    in_period = Contact.objects.filter(
        client__in=clients(scope), date__range=(scope.start, scope.end)
    )
    by_office = {
        row["client__office"]: row["n"]
        for row in in_period.order_by().values("client__office").annotate(n=Count("pk"))
    }
    return by_office, _monthly(in_period, "date")


def episodes_opened(scope: Scope) -> tuple[dict[int, int], dict[datetime.date, int]]:
    opened = CaseEpisode.objects.filter(
        client__in=clients(scope), opened_on__range=(scope.start, scope.end)
    )
    by_office = {
        row["client__office"]: row["n"]
        for row in opened.order_by().values("client__office").annotate(n=Count("pk"))
    }
    return by_office, _monthly(opened, "opened_on")


def reasons(scope: Scope) -> list[tuple[str, int]]:
    """Reasons for contact of the episodes opened in the period (an episode may have several)."""
    through = CaseEpisode.reasons.through
    rows = (
        through.objects.filter(
            caseepisode__client__in=clients(scope),
            caseepisode__opened_on__range=(scope.start, scope.end),
        )
        .values("code__label_nb", "code__label_en", "code__sort_order")
        .annotate(n=Count("caseepisode", distinct=True))
        .order_by("code__sort_order")
    )
    return [(_label(row, "code__"), row["n"]) for row in rows]


def _label(row: dict[str, Any], prefix: str) -> str:
    from django.utils.translation import get_language

    language = (get_language() or "nb")[:2]
    return str(row[f"{prefix}label_en" if language == "en" else f"{prefix}label_nb"])


def interventions_by_type_and_outcome(
    scope: Scope,
) -> tuple[list[str], list[str], list[list[int]]]:
    """Interventions that ended in the period: a table of type × outcome."""
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
        )
        .annotate(n=Count("pk"))
    )
    types = sorted(
        {(r["type__sort_order"], _label(r, "type__")) for r in rows}, key=lambda item: item
    )
    outcomes = sorted(
        {
            (
                r["outcome__sort_order"] or 10**6,
                _label(r, "outcome__") if r["outcome__label_nb"] else "",
            )
            for r in rows
        }
    )
    type_index = {label: i for i, (_s, label) in enumerate(types)}
    outcome_index = {label: i for i, (_s, label) in enumerate(outcomes)}
    matrix = [[0] * len(outcomes) for _ in types]
    for r in rows:
        outcome = _label(r, "outcome__") if r["outcome__label_nb"] else ""
        matrix[type_index[_label(r, "type__")]][outcome_index[outcome]] += r["n"]
    return [label for _s, label in types], [label for _s, label in outcomes], matrix


def assistance_time(scope: Scope) -> dict[int | None, tuple[float | None, int, int]]:
    """Per office (None: all offices): the median days on social assistance of the clients
    who received it in the period, how many received it for more than six months, and how
    many received it at all."""
    per_client = (
        BenefitPeriod.objects.filter(client__in=clients(scope), kind__in=_assistance_kinds())
        .filter(_overlapping("start", "end", scope))
        .order_by()
        .values(person=F("client"), office_of=F("client__office"))
        .annotate(days=_days_on_benefit(scope.end))
    )
    inner, params = per_client.query.sql_with_params()
    sql = f"""
        SELECT office_of, percentile_cont(0.5) WITHIN GROUP (ORDER BY days),
               count(*) FILTER (WHERE days > %s), count(*)
        FROM ({inner}) per_client
        GROUP BY ROLLUP (office_of)"""  # noqa: S608 - the inner query is the ORM's own
    with connection.cursor() as cursor:
        cursor.execute(sql, [SIX_MONTHS, *params])
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}


def _days_on_benefit(until: datetime.date) -> Any:
    """The days of each benefit period, an open one counted to the end of the period."""
    end = Least(Coalesce("end", Value(until)), Value(until), output_field=DateField())
    # date − date is a number of days in PostgreSQL (Django would make it an interval).
    days = Func(end, F("start"), arg_joiner=" - ", template="(%(expressions)s + 1)")
    return Sum(days, output_field=IntegerField())


def youth(scope: Scope) -> dict[str, dict[int, int]]:
    """Children of the followed families by their school situation at the end of the period,
    per office."""
    latest = SchoolStatus.objects.filter(member=OuterRef("pk"), valid_from__lte=scope.end).order_by(
        "-valid_from", "-pk"
    )
    children = FamilyMember.objects.filter(
        role=FamilyMember.Role.CHILD,
        family__office__in=scope.office_ids,
        joined_on__lte=scope.end,
    ).filter(Q(left_on__isnull=True) | Q(left_on__gte=scope.start))
    if scope.programme is not None:
        children = children.filter(
            family__memberships__client__enrolments__programme=scope.programme
        ).distinct()
    rows = (
        children.annotate(
            level=Subquery(latest.values("level")[:1]), status=Subquery(latest.values("status")[:1])
        )
        .order_by()
        .values("family__office", "level", "status")
        .annotate(n=Count("pk", distinct=True))
    )
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[_school_situation(row["level"], row["status"])][row["family__office"]] += row["n"]
    return {key: dict(value) for key, value in counts.items()}


def _school_situation(level: str | None, status: str | None) -> str:
    if status is None:
        return "unknown"
    upper = level in {SchoolStatus.Level.UPPER_SECONDARY, SchoolStatus.Level.APPRENTICESHIP}
    if upper and status == SchoolStatus.Status.DROPPED_OUT:
        return "dropped_out"
    if upper and status == SchoolStatus.Status.COMPLETED:
        return "completed"
    if status in {SchoolStatus.Status.ENROLLED, SchoolStatus.Status.BACK_IN_SCHOOL}:
        return "in_school"
    return "not_in_school"


def plan_goals(scope: Scope) -> dict[str, int]:
    """Goals of the families' plans: set in the period, and achieved or closed in it."""
    goals = PlanGoal.objects.filter(plan__family__office__in=scope.office_ids)
    if scope.programme is not None:
        goals = goals.filter(
            plan__family__memberships__client__enrolments__programme=scope.programme
        ).distinct()
    return goals.order_by().aggregate(
        set=Count("pk", filter=Q(created_on__range=(scope.start, scope.end))),
        achieved=Count(
            "pk",
            filter=Q(status=GoalStatus.ACHIEVED, closed_on__range=(scope.start, scope.end)),
        ),
        closed=Count(
            "pk", filter=Q(status=GoalStatus.CLOSED, closed_on__range=(scope.start, scope.end))
        ),
    )


def quality_of_life(scope: Scope) -> list[tuple[str, int, float | None]]:
    """Per life area: how many families have rated it at two reviews or more by the end of
    the period, and their average change from the first rating to the latest."""
    reviews = Review.objects.filter(family__office__in=scope.office_ids, reviewed_on__lte=scope.end)
    if scope.programme is not None:
        reviews = reviews.filter(
            family__memberships__client__enrolments__programme=scope.programme
        ).distinct()
    ratings = ReviewRating.objects.filter(review__in=reviews)
    inner, params = ratings.values("pk").query.sql_with_params()
    rating_table = ReviewRating._meta.db_table
    review_table = Review._meta.db_table
    code_table = Code._meta.db_table
    sql = f"""
        WITH r AS (
            SELECT rv.family_id, rr.life_area_id, rr.rating,
                   row_number() OVER (PARTITION BY rv.family_id, rr.life_area_id
                                      ORDER BY rv.reviewed_on, rv.id) AS first_n,
                   row_number() OVER (PARTITION BY rv.family_id, rr.life_area_id
                                      ORDER BY rv.reviewed_on DESC, rv.id DESC) AS last_n
            FROM {rating_table} rr JOIN {review_table} rv ON rv.id = rr.review_id
            WHERE rr.id IN ({inner})
        )
        SELECT c.label_nb, c.label_en, count(*), avg(l.rating - f.rating)
        FROM r f JOIN r l ON l.family_id = f.family_id AND l.life_area_id = f.life_area_id
        JOIN {code_table} c ON c.id = f.life_area_id
        WHERE f.first_n = 1 AND l.last_n = 1 AND f.last_n > 1
        GROUP BY c.id, c.label_nb, c.label_en, c.sort_order
        ORDER BY c.sort_order"""  # noqa: S608 - table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            (_label({"x_label_nb": nb, "x_label_en": en}, "x_"), families, change)
            for nb, en, families, change in cursor.fetchall()
        ]


def assistance_by_month(scope: Scope) -> dict[datetime.date, int]:
    """Clients receiving social assistance in each month of the period (one statement)."""
    periods = (
        BenefitPeriod.objects.filter(client__in=clients(scope), kind__in=_assistance_kinds())
        .filter(_overlapping("start", "end", scope))
        .values(person=F("client"), since=F("start"), until=F("end"))
    )
    inner, params = periods.query.sql_with_params()
    sql = f"""
        SELECT m.month::date, count(DISTINCT p.person)
        FROM generate_series(%s::date, %s::date, interval '1 month') AS m(month)
        JOIN ({inner}) p ON p.since < (m.month + interval '1 month')
             AND (p.until IS NULL OR p.until >= m.month)
        GROUP BY m.month ORDER BY m.month"""  # noqa: S608 - the inner query is the ORM's own
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope.start.replace(day=1), scope.end, *params])
        return dict(cursor.fetchall())


def transitions_by_month(scope: Scope) -> dict[datetime.date, int]:
    """Interventions ended in work or education, and episodes closed so, per month."""
    ended = Intervention.objects.filter(
        client__in=clients(scope),
        end__range=(scope.start, scope.end),
        outcome__extra__category__in=["work", "education"],
    )
    closed = CaseEpisode.objects.filter(
        client__in=clients(scope),
        closed_on__range=(scope.start, scope.end),
        closing_reason__code__in=["into_work", "into_education"],
    )
    months: dict[datetime.date, int] = defaultdict(int)
    for month, n in [*_monthly(ended, "end").items(), *_monthly(closed, "closed_on").items()]:
        months[month] += n
    return dict(months)
