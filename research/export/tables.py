"""The exported tables: an allowlist of columns, each with the SQL that reads it.

Only the columns listed here ever leave the database: codes, dates, counts and
flags. No name, national id, contact data, free text or staff member is read.
Every query joins the population (research.export.population) and keeps each
person's rows together; the runner writes the people in pseudonym order, so rows
never follow the order in which records were made.
"""

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode
from codelists.models import Code
from core.periods import overlapping_sql
from families.models import (
    FamilyContact,
    FamilyMember,
    FamilyPlan,
    PlanGoal,
    Review,
    ReviewRating,
    SchoolStatus,
)
from followup.models import Allocation, Contact, Enrolment, Intervention, Programme
from research.models import Sample, SampleMember, Table

DB = {
    "episode": CaseEpisode._meta.db_table,
    "episode_reasons": CaseEpisode.reasons.through._meta.db_table,
    "benefit": BenefitPeriod._meta.db_table,
    "assessment": Assessment._meta.db_table,
    "assessment_item": AssessmentItem._meta.db_table,
    "contact": Contact._meta.db_table,
    "contact_topics": Contact.topics.through._meta.db_table,
    "contact_services": Contact.other_services.through._meta.db_table,
    "contact_staff": Contact.staff.through._meta.db_table,
    "family_contact": FamilyContact._meta.db_table,
    "intervention": Intervention._meta.db_table,
    "enrolment": Enrolment._meta.db_table,
    "programme": Programme._meta.db_table,
    "allocation": Allocation._meta.db_table,
    "member": FamilyMember._meta.db_table,
    "plan": FamilyPlan._meta.db_table,
    "goal": PlanGoal._meta.db_table,
    "review": Review._meta.db_table,
    "rating": ReviewRating._meta.db_table,
    "school": SchoolStatus._meta.db_table,
    "sample": Sample._meta.db_table,
    "sample_member": SampleMember._meta.db_table,
    "code": Code._meta.db_table,
}

# "family": a family's id, exported as the family's pseudonym.
ColumnKind = Literal["family", "category", "codes", "integer", "date", "flag"]


@dataclass(frozen=True)
class Column:
    name: str
    label: Promise
    kind: ColumnKind
    sql: str
    # For categories and multi-code columns: which numbering (see research.export.runner).
    categories: str = ""
    unit: Promise | str = ""
    # Only where dates are relative: a calendar year would undo shifted dates.
    relative_only: bool = False


@dataclass(frozen=True)
class TableSpec:
    table: Table
    # Whose pseudonym keys the rows: a client (person), any family member, or a family.
    key: Literal["person", "member", "family"]
    source: str
    order: str
    columns: tuple[Column, ...]

    @property
    def alias(self) -> str:
        return {"person": "p", "member": "m", "family": "f"}[self.key]

    def select_sql(self) -> str:
        """The rows: whose they are (kind, key, reference date), then every column;
        one person's (or family's) rows together, in a fixed order."""
        a = self.alias
        columns = ",\n    ".join(column.sql.format(**DB) for column in self.columns)
        return (
            f"SELECT {a}.kind, {a}.key, {a}.ref,\n    {columns}\n"
            f"{self.source.format(**DB)}\nORDER BY {a}.kind, {a}.key, {self.order}"
        )

    def _codes_and_owners(self, column: Column) -> str:
        sql = column.sql.format(**DB)
        code = f"unnest({sql})" if column.kind == "codes" else sql
        return (
            f"SELECT {code} AS code, {self.alias}.kind || ':' || {self.alias}.key AS who "
            f"{self.source.format(**DB)}"
        )

    def counts_sql(self, column: Column) -> str:
        """Distinct persons (or families) per code of one column: the rare-code pre-pass."""
        return (
            f"SELECT x.code, count(DISTINCT x.who) FROM ({self._codes_and_owners(column)}) x "
            "GROUP BY x.code"
        )

    def union_count_sql(self, column: Column) -> str:
        """Distinct persons (or families) with any of the codes in %(codes)s."""
        return (
            f"SELECT count(DISTINCT x.who) FROM ({self._codes_and_owners(column)}) x "
            "WHERE x.code = ANY(%(codes)s)"
        )


def _codes(through: str, owner_column: str, owner: str = "t.id") -> str:
    return (
        f"ARRAY(SELECT r.code_id FROM {{{through}}} r "
        f"WHERE r.{owner_column} = {owner} ORDER BY r.code_id)"
    )


def overlaps(start: str, end: str) -> str:
    """Rows whose period shares a day with the export's period."""
    return overlapping_sql(start, end, from_="%(period_start)s", to="%(until)s")


PERSON = "JOIN person p ON p.client_id = t.client_id"


def _months(later: str, earlier: str) -> str:
    """Whole months from one date to a later one."""
    return (
        f"(extract(year from age({later}, {earlier})) * 12 "
        f"+ extract(month from age({later}, {earlier})))::int"
    )


NEXT_MONTH = "p.next_month"


def _in_the_month(start: str, end: str) -> str:
    """A period from start to end shares a day with the person-month row's month."""
    return overlapping_sql(start, end, from_="p.month", before=NEXT_MONTH)


BENEFIT_IN_MONTH = _in_the_month("b.start", 'b."end"')
INTERVENTION_IN_MONTH = _in_the_month("i.start", 'i."end"')
ENROLMENT_IN_MONTH = _in_the_month("en.enrolled_on", "en.left_on")

# Every case table read here is read in force only: a record entered in error is kept
# (for history) but never exported. (t is each table's own row; joins say so themselves.)
IN_FORCE = "NOT t.entered_in_error"

SPECS: dict[str, TableSpec] = {
    spec.table: spec
    for spec in [
        TableSpec(
            Table.EPISODES,
            "person",
            f"FROM {{episode}} t {PERSON} "
            f"WHERE {IN_FORCE} AND {overlaps('t.opened_on', 't.closed_on')}",
            "t.opened_on, t.id",
            (
                Column("opened", _("Episode opened"), "date", "t.opened_on"),
                Column("closed", _("Episode closed"), "date", "t.closed_on"),
                Column(
                    "reason",
                    _("Reason for contact"),
                    "codes",
                    _codes("episode_reasons", "caseepisode_id"),
                    "code:contact_reason",
                ),
                Column(
                    "closing_reason",
                    _("Closing reason"),
                    "category",
                    "t.closing_reason_id",
                    "code:closing_reason",
                ),
            ),
        ),
        TableSpec(
            Table.BENEFITS,
            "person",
            f"FROM {{benefit}} t {PERSON} WHERE {IN_FORCE} AND {overlaps('t.start', 't.end')}",
            "t.start, t.id",
            (
                Column("kind", _("Benefit"), "category", "t.kind_id", "code:benefit_kind"),
                Column("start", _("Benefit from"), "date", "t.start"),
                Column("end", _("Benefit to"), "date", 't."end"'),
            ),
        ),
        TableSpec(
            Table.ASSESSMENTS,
            "person",
            "FROM {assessment_item} t JOIN {assessment} a ON a.id = t.assessment_id "
            "JOIN person p ON p.client_id = a.client_id "
            f"WHERE {IN_FORCE} AND NOT a.entered_in_error "
            "AND a.assessed_on BETWEEN %(period_start)s AND %(until)s",
            "a.assessed_on, a.id, t.life_area_id",
            (
                Column("assessed", _("Date of the assessment"), "date", "a.assessed_on"),
                Column("life_area", _("Life area"), "category", "t.life_area_id", "code:life_area"),
                Column(
                    "situation",
                    _("Situation in the life area"),
                    "category",
                    "t.status_id",
                    "code:assessment_status",
                ),
                Column("need", _("Need for help"), "category", "t.need_id", "code:need_level"),
            ),
        ),
        TableSpec(
            Table.CONTACTS,
            "person",
            f"FROM {{contact}} t {PERSON} "
            f"WHERE {IN_FORCE} AND t.date BETWEEN %(period_start)s AND %(until)s",
            "t.date, t.id",
            (
                Column("date", _("Date of the contact"), "date", "t.date"),
                Column("channel", _("Channel"), "category", "t.channel_id", "code:contact_channel"),
                Column(
                    "duration", _("Duration"), "integer", "t.duration_minutes", unit=_("minutes")
                ),
                Column(
                    "topic",
                    _("Topic (life area)"),
                    "codes",
                    _codes("contact_topics", "contact_id"),
                    "code:life_area",
                ),
                Column(
                    "service",
                    _("Other service present"),
                    "codes",
                    _codes("contact_services", "contact_id"),
                    "code:participant_service",
                ),
                Column(
                    "staff",
                    _("Number of NAV staff present"),
                    "integer",
                    "(SELECT count(*) FROM {contact_staff} s WHERE s.contact_id = t.id)",
                    unit=_("persons"),
                ),
                Column("interpreter", _("Interpreter used"), "flag", "t.interpreter_used"),
                Column(
                    "with_family",
                    _("Contact with the family"),
                    "flag",
                    "EXISTS (SELECT 1 FROM {family_contact} fc WHERE fc.contact_id = t.id)",
                ),
            ),
        ),
        TableSpec(
            Table.INTERVENTIONS,
            "person",
            f"FROM {{intervention}} t {PERSON} WHERE {IN_FORCE} AND {overlaps('t.start', 't.end')}",
            "t.start, t.id",
            (
                Column(
                    "type", _("Intervention"), "category", "t.type_id", "code:intervention_type"
                ),
                Column("start", _("Intervention started"), "date", "t.start"),
                Column("end", _("Intervention ended"), "date", 't."end"'),
                Column("status", _("Status"), "category", "t.status", "status"),
                Column(
                    "outcome",
                    _("Outcome"),
                    "category",
                    "t.outcome_id",
                    "code:intervention_outcome",
                ),
            ),
        ),
        TableSpec(
            Table.PROGRAMMES,
            "person",
            f"FROM {{enrolment}} t {PERSON} "
            f"WHERE {IN_FORCE} AND {overlaps('t.enrolled_on', 't.left_on')}",
            "t.enrolled_on, t.id",
            (
                Column("programme", _("Programme"), "category", "t.programme_id", "programme"),
                Column("enrolled", _("Enrolled on"), "date", "t.enrolled_on"),
                Column("index_date", _("Index date (studies)"), "date", "t.index_date"),
                Column("left", _("Left the programme"), "date", "t.left_on"),
                Column(
                    "outcome",
                    _("Outcome"),
                    "category",
                    "t.outcome_id",
                    "code:intervention_outcome",
                ),
                Column(
                    "arm",
                    _("Study arm drawn at enrolment"),
                    "category",
                    "(SELECT al.arm_id FROM {allocation} al WHERE al.enrolment_id = t.id)",
                    "arm",
                ),
            ),
        ),
        TableSpec(
            Table.FAMILIES,
            "member",
            # The population's members are memberships in force already (population.py).
            "FROM {member} t JOIN member m ON m.member_id = t.id "
            "JOIN family f ON f.family_id = t.family_id "
            f"WHERE {overlaps('t.joined_on', 't.left_on')}",
            "t.joined_on, t.id",
            (
                Column("family", _("Family (pseudonym)"), "family", "t.family_id"),
                Column("role", _("Role in the family"), "category", "t.role", "member_role"),
                Column("joined", _("Member from"), "date", "t.joined_on"),
                Column("left", _("Member until"), "date", "t.left_on"),
                Column(
                    "is_client", _("Is a client of the office"), "flag", "t.client_id IS NOT NULL"
                ),
            ),
        ),
        TableSpec(
            Table.PLAN_GOALS,
            "family",
            "FROM {goal} t JOIN {plan} pl ON pl.id = t.plan_id "
            "JOIN family f ON f.family_id = pl.family_id "
            f"WHERE {overlaps('t.created_on', 't.closed_on')}",
            "t.created_on, t.id",
            (
                Column("life_area", _("Life area"), "category", "t.life_area_id", "code:life_area"),
                Column("status", _("Goal status"), "category", "t.status", "goal_status"),
                Column("created", _("Goal set"), "date", "t.created_on"),
                Column("closed", _("Goal achieved or closed"), "date", "t.closed_on"),
                Column(
                    "owner_role",
                    _("Role of the member who owns the goal"),
                    "category",
                    "(SELECT o.role FROM {member} o "
                    "WHERE o.id = t.owner_id AND NOT o.entered_in_error)",
                    "member_role",
                ),
            ),
        ),
        TableSpec(
            Table.PLAN_REVIEWS,
            "family",
            "FROM {rating} t JOIN {review} r ON r.id = t.review_id "
            "JOIN family f ON f.family_id = r.family_id "
            "WHERE NOT r.entered_in_error AND NOT t.entered_in_error "
            "AND r.reviewed_on BETWEEN %(period_start)s AND %(until)s",
            "r.reviewed_on, r.id, t.life_area_id",
            (
                Column("reviewed", _("Date of the review"), "date", "r.reviewed_on"),
                Column("life_area", _("Life area"), "category", "t.life_area_id", "code:life_area"),
                Column(
                    "rating",
                    _("The family's own rating of its quality of life"),
                    "integer",
                    "t.rating",
                    unit=_("0 (worst) to 10 (best)"),
                ),
            ),
        ),
        TableSpec(
            Table.YOUTH_SCHOOL,
            "member",
            "FROM {school} t JOIN member m ON m.member_id = t.member_id "
            f"WHERE {IN_FORCE} AND t.valid_from <= %(until)s",
            "t.valid_from, t.id",
            (
                Column("valid_from", _("School situation from"), "date", "t.valid_from"),
                Column("level", _("School level"), "category", "t.level", "school_level"),
                Column("status", _("School status"), "category", "t.status", "school_status"),
                Column("year", _("School year"), "integer", "t.year", unit=_("year of schooling")),
                Column(
                    "risk",
                    _("High absence or risk of dropping out flagged"),
                    "flag",
                    "t.risk_flagged_on IS NOT NULL",
                ),
            ),
        ),
        TableSpec(
            Table.SAMPLES,
            "person",
            "FROM {sample_member} t JOIN {sample} s ON s.id = t.sample_id "
            f"{PERSON} WHERE s.project_id = %(project)s",
            "s.number",
            (Column("sample", _("Drawn in sample"), "category", "s.id", "sample"),),
        ),
        TableSpec(
            Table.PANEL,
            "person",
            # One row per person and month, counted from the day of the first case episode
            # (month 0), not by calendar month: calendar months would give away the shift of
            # shifted dates, or the first episode's date where dates are relative.
            "FROM (SELECT s.*, (s.ref + s.k * interval '1 month')::date AS month, "
            "(s.ref + (s.k + 1) * interval '1 month')::date AS next_month FROM ("
            "SELECT p.client_id, p.kind, p.key, p.ref, generate_series("
            "CASE WHEN %(period_start)s::date > p.ref "
            f"THEN {_months('%(period_start)s::date', 'p.ref')} ELSE 0 END, "
            f"{_months('%(until)s::date', 'p.ref')}) AS k "
            "FROM person p WHERE p.ref <= %(until)s) s) p",
            "p.k",
            (
                Column(
                    "month",
                    _("Months since the first case episode (0 = the first month)"),
                    "integer",
                    "p.k",
                    unit=_("months"),
                ),
                Column(
                    "year",
                    _("Calendar year the month starts in"),
                    "integer",
                    "extract(year from p.month)::int",
                    relative_only=True,
                ),
                Column(
                    "social_assistance",
                    _("Received social assistance in the month"),
                    "flag",
                    "EXISTS (SELECT 1 FROM {benefit} b WHERE b.client_id = p.client_id "
                    "AND NOT b.entered_in_error AND b.kind_id = ANY(%(assistance_kinds)s) "
                    f"AND {BENEFIT_IN_MONTH})",
                ),
                Column(
                    "activity",
                    _(
                        "In activity in the month "
                        "(intervention, programme, KVP or introduction programme)"
                    ),
                    "flag",
                    "EXISTS (SELECT 1 FROM {intervention} i WHERE i.client_id = p.client_id "
                    "AND NOT i.entered_in_error AND i.status IN ('in_progress', 'completed') "
                    f"AND {INTERVENTION_IN_MONTH}) "
                    "OR EXISTS (SELECT 1 FROM {enrolment} en WHERE en.client_id = p.client_id "
                    "AND NOT en.entered_in_error "
                    f"AND {ENROLMENT_IN_MONTH}) "
                    "OR EXISTS (SELECT 1 FROM {benefit} b WHERE b.client_id = p.client_id "
                    "AND NOT b.entered_in_error AND b.kind_id = ANY(%(activity_kinds)s) "
                    f"AND {BENEFIT_IN_MONTH})",
                ),
                Column(
                    "work_or_education",
                    _(
                        "In work or education: the latest outcome by the month's end was work "
                        "or education with no new episode since, or in an education intervention"
                    ),
                    "flag",
                    "coalesce((SELECT ev.category IN ('work', 'education') FROM ("
                    "SELECT i.\"end\" AS day, oc.extra->>'category' AS category "
                    "FROM {intervention} i JOIN {code} oc ON oc.id = i.outcome_id "
                    "WHERE i.client_id = p.client_id AND NOT i.entered_in_error "
                    f'AND i."end" < {NEXT_MONTH} '
                    "UNION ALL SELECT e.closed_on, CASE cr.code WHEN 'into_work' THEN 'work' "
                    "WHEN 'into_education' THEN 'education' ELSE 'none' END "
                    "FROM {episode} e JOIN {code} cr ON cr.id = e.closing_reason_id "
                    f"WHERE e.client_id = p.client_id AND NOT e.entered_in_error "
                    f"AND e.closed_on < {NEXT_MONTH} "
                    "UNION ALL SELECT e.opened_on, 'none' FROM {episode} e "
                    f"WHERE e.client_id = p.client_id AND NOT e.entered_in_error "
                    f"AND e.opened_on < {NEXT_MONTH}"
                    ") ev ORDER BY ev.day DESC, (ev.category IN ('work', 'education')) DESC "
                    "LIMIT 1), false) "
                    "OR EXISTS (SELECT 1 FROM {intervention} i JOIN {code} it ON it.id = i.type_id "
                    "WHERE i.client_id = p.client_id AND NOT i.entered_in_error "
                    "AND it.code = 'education' "
                    "AND i.status IN ('in_progress', 'completed') "
                    f"AND {INTERVENTION_IN_MONTH})",
                ),
                Column(
                    "contacts",
                    _("Follow-up contacts in the month"),
                    "integer",
                    "(SELECT count(*) FROM {contact} c WHERE c.client_id = p.client_id "
                    "AND NOT c.entered_in_error "
                    f"AND c.date >= p.month AND c.date < {NEXT_MONTH})",
                    unit=_("contacts"),
                ),
            ),
        ),
    ]
}
