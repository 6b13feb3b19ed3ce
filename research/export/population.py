"""Who is in an export: the project's clients, their families and the families' children.

The common table expressions below give each included person and family its
kind and key (the client's or family's id, or for a child who is not a client
a key made of name and date of birth) and its reference date (the first case
episode, or the family's start); every table's query joins them. The keys
leave the database only to be turned into keyed pseudonyms (research.export.keys).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from clients.models import CaseEpisode, Client
from codelists.models import Code
from core.periods import overlapping_sql
from families.models import Family, FamilyMember
from research.models import Consent, ResearchProject

DB = {
    "client": Client._meta.db_table,
    "episode": CaseEpisode._meta.db_table,
    "code": Code._meta.db_table,
    "family": Family._meta.db_table,
    "member": FamilyMember._meta.db_table,
    "consent": Consent._meta.db_table,
}

# A child who is not a client is known by name and date of birth across the
# memberships of split households; only the keyed hash of it leaves the database.
CHILD_KEY = "lower(fm.first_name) || '|' || lower(fm.last_name) || '|' || fm.birth_date::text"


@dataclass(frozen=True)
class Scope:
    """The parameters that decide the population; the same scope gives the same rows."""

    project: ResearchProject
    as_of: datetime.date

    @property
    def until(self) -> datetime.date:
        return min(self.project.period_end, self.as_of)

    @property
    def needs_consent(self) -> bool:
        return self.project.legal_basis == ResearchProject.LegalBasis.CONSENT

    def params(self, removed: list[int]) -> dict[str, Any]:
        return {
            "project": self.project.pk,
            "offices": sorted(office.pk for office in self.project.offices.all()),
            "period_start": self.project.period_start,
            "until": self.until,
            "as_of": self.as_of,
            "removed": removed,
        }


def _population_where(scope: Scope) -> str:
    """The project's clients: of its offices, with a case episode in its period (and consent)."""
    where = """
        c.office_id = ANY(%(offices)s) AND c.status <> 'merged'
        AND EXISTS (
            SELECT 1 FROM {episode} e WHERE e.client_id = c.id AND NOT e.entered_in_error
            AND {in_period}
        )"""
    if scope.needs_consent:
        # Only consent valid on the day of the export counts: a withdrawal removes the person.
        where += """
        AND EXISTS (
            SELECT 1 FROM {consent} cs WHERE cs.project_id = %(project)s AND cs.client_id = c.id
            AND cs.given_on <= %(as_of)s
            AND (cs.withdrawn_on IS NULL OR cs.withdrawn_on > %(as_of)s)
        )"""
    in_period = overlapping_sql(
        "e.opened_on", "e.closed_on", from_="%(period_start)s", to="%(until)s"
    )
    return where.format(**DB, in_period=in_period)


def persons_sql(scope: Scope) -> str:
    """The raw material of the persons table (turned k-anonymous in Python, never written as is)."""
    return f"""
        SELECT c.id, c.gender, c.birth_date,
               CASE WHEN co.code = 'NOR' THEN 'norway'
                    ELSE coalesce(co.extra->>'region', 'unknown') END,
               c.refugee_background, c.arrival_year, c.office_id
        FROM {DB["client"]} c LEFT JOIN {DB["code"]} co ON co.id = c.country_of_birth_id
        WHERE {_population_where(scope)}
        ORDER BY c.id"""


def with_population(scope: Scope) -> str:
    """WITH person, family, child, member: who is included, each with its kind, key and
    reference date. Python turns (kind, key) into pseudonyms and date shifts."""
    return f"""
WITH person AS MATERIALIZED (
    SELECT c.id AS client_id, 'client' AS kind, c.id::text AS key,
           (SELECT min(e.opened_on) FROM {DB["episode"]} e
            WHERE e.client_id = c.id AND NOT e.entered_in_error) AS ref
    FROM {DB["client"]} c
    WHERE {_population_where(scope)} AND NOT (c.id = ANY(%(removed)s::bigint[]))
),
family AS MATERIALIZED (
    SELECT f.id AS family_id, 'family' AS kind, f.id::text AS key, f.created_on AS ref
    FROM {DB["family"]} f
    -- A family is in the export when one of its adult clients is.
    WHERE EXISTS (
        SELECT 1 FROM {DB["member"]} fm JOIN person p ON p.client_id = fm.client_id
        WHERE fm.family_id = f.id AND NOT fm.entered_in_error
    )
),
child AS MATERIALIZED (
    SELECT s.member_id, 'member' AS kind, s.child_key AS key,
           min(s.joined_on) OVER (PARTITION BY s.child_key) AS ref
    FROM (
        SELECT fm.id AS member_id, fm.joined_on, {CHILD_KEY} AS child_key
        FROM {DB["member"]} fm JOIN family f ON f.family_id = fm.family_id
        -- Children only: another adult who is not a client has given no consent and is
        -- not a person of the export.
        WHERE fm.client_id IS NULL AND fm.role = 'child' AND NOT fm.entered_in_error
    ) s
),
member AS MATERIALIZED (
    SELECT fm.id AS member_id, fm.family_id,
           coalesce(p.kind, ch.kind) AS kind,
           coalesce(p.key, ch.key) AS key,
           coalesce(p.ref, ch.ref) AS ref
    FROM {DB["member"]} fm
    JOIN family f ON f.family_id = fm.family_id
    LEFT JOIN person p ON p.client_id = fm.client_id
    LEFT JOIN child ch ON ch.member_id = fm.id
    -- Adults who are not in the export (no consent) are left out of their family too;
    -- a membership entered in error is no one's.
    WHERE (p.client_id IS NOT NULL OR ch.member_id IS NOT NULL) AND NOT fm.entered_in_error
)
"""
