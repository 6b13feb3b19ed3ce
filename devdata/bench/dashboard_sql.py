"""The dashboard's aggregates as one hand-written SQL statement: the benchmark's yardstick."""

import datetime

from dashboards.figures import ACTIVITY_BENEFITS, ACTIVITY_OF_TYPE
from families.models import SchoolStatus

# The statement follows the definitions of dashboards.figures for a scope without a
# programme, figure by figure, but as a DBA would write it by hand: the offices' clients
# are found once, each client's activity flags in one pass, and every figure is a grouped
# query over those. It returns one row per (figure, key, office) with its value; office is
# NULL where a figure is for all the offices together.
_SQL = """
WITH chosen AS (
    -- The clients the dashboard counts: of the offices, merged records left out.
    SELECT c.id, c.office_id, c.status, c.caseworker_id
    FROM clients_client c
    WHERE c.office_id IN ({offices}) AND c.status <> 'merged'
),
followed AS (
    -- Clients with a case episode in the period.
    SELECT c.id, c.office_id
    FROM chosen c
    WHERE EXISTS (
        SELECT 1 FROM clients_caseepisode e
        WHERE e.client_id = c.id AND NOT e.entered_in_error AND e.opened_on <= {end}
          AND (e.closed_on IS NULL OR e.closed_on >= {start})
    )
),
running AS (
    -- The followed clients' interventions in progress or completed in the period, by kind.
    SELECT i.client_id,
           bool_or(t.code IN ({work_types})) AS work,
           bool_or(t.code IN ({education_types})) AS education,
           bool_or(t.code IN ({kvp_types})) AS kvp,
           bool_or(t.code NOT IN ({activity_types})) AS other
    FROM followup_intervention i
    JOIN followed f ON f.id = i.client_id
    JOIN codelists_code t ON t.id = i.type_id
    WHERE NOT i.entered_in_error AND i.status IN ('in_progress', 'completed')
      AND i.start <= {end}
      AND (i."end" IS NULL OR i."end" >= {start})
    GROUP BY i.client_id
),
activity_benefit AS (
    -- The followed clients on KVP or the introduction programme in the period.
    SELECT b.client_id,
           bool_or(k.code IN ({kvp_benefits})) AS kvp,
           bool_or(k.code IN ({education_benefits})) AS education
    FROM clients_benefitperiod b
    JOIN followed f ON f.id = b.client_id
    JOIN codelists_code k ON k.id = b.kind_id
    WHERE NOT b.entered_in_error AND k.code IN ({activity_benefits}) AND b.start <= {end}
      AND (b."end" IS NULL OR b."end" >= {start})
    GROUP BY b.client_id
),
activity AS (
    SELECT f.office_id,
           (r.client_id IS NOT NULL OR ab.client_id IS NOT NULL OR EXISTS (
               SELECT 1 FROM followup_enrolment en
               WHERE en.client_id = f.id AND NOT en.entered_in_error
                 AND en.enrolled_on <= {end}
                 AND (en.left_on IS NULL OR en.left_on >= {start})
           )) AS in_activity,
           coalesce(r.work, false) AS work,
           coalesce(r.education, false) OR coalesce(ab.education, false) AS education,
           coalesce(r.kvp, false) OR coalesce(ab.kvp, false) AS kvp,
           coalesce(r.other, false) AS other
    FROM followed f
    LEFT JOIN running r ON r.client_id = f.id
    LEFT JOIN activity_benefit ab ON ab.client_id = f.id
),
activity_counts AS (
    SELECT office_id, count(*) AS followed,
           count(*) FILTER (WHERE in_activity) AS in_activity,
           count(*) FILTER (WHERE work) AS work,
           count(*) FILTER (WHERE education) AS education,
           count(*) FILTER (WHERE kvp) AS kvp,
           count(*) FILTER (WHERE other) AS other
    FROM activity
    GROUP BY office_id
),
overdue AS (
    -- Active clients whose latest contact agreed a next contact before today.
    SELECT c.office_id, count(*) AS n
    FROM chosen c
    CROSS JOIN LATERAL (
        SELECT k.next_contact_on FROM followup_contact k
        WHERE k.client_id = c.id AND NOT k.entered_in_error
        ORDER BY k.date DESC, k.id DESC
        LIMIT 1
    ) latest
    WHERE c.status = 'active' AND latest.next_contact_on < {today}
    GROUP BY c.office_id
),
transitions AS (
    -- Into work or education: an intervention ended so, or an episode closed so.
    SELECT c.office_id, count(*) AS n
    FROM chosen c
    WHERE EXISTS (
        SELECT 1 FROM followup_intervention i
        JOIN codelists_code o ON o.id = i.outcome_id
        WHERE i.client_id = c.id AND NOT i.entered_in_error
          AND i."end" BETWEEN {start} AND {end}
          AND o.extra -> 'category' IN ('"work"'::jsonb, '"education"'::jsonb)
    ) OR EXISTS (
        SELECT 1 FROM clients_caseepisode e
        JOIN codelists_code r ON r.id = e.closing_reason_id
        WHERE e.client_id = c.id AND NOT e.entered_in_error
          AND e.closed_on BETWEEN {start} AND {end}
          AND r.code IN ('into_work', 'into_education')
    )
    GROUP BY c.office_id
),
opened AS (
    -- The case episodes opened in the period.
    SELECT e.id, c.office_id
    FROM clients_caseepisode e
    JOIN chosen c ON c.id = e.client_id
    WHERE NOT e.entered_in_error AND e.opened_on BETWEEN {start} AND {end}
),
assistance_period AS (
    -- Social assistance periods (full or supplementary) overlapping the period.
    SELECT b.client_id, c.office_id, b.start, b."end"
    FROM clients_benefitperiod b
    JOIN chosen c ON c.id = b.client_id
    JOIN codelists_code k ON k.id = b.kind_id
    WHERE k.list_name = 'benefit_kind' AND k.extra -> 'social_assistance' = 'true'::jsonb
      AND NOT b.entered_in_error
      AND b.start <= {end} AND (b."end" IS NULL OR b."end" >= {start})
),
assistance_days AS (
    -- Days in the union of each client's periods (they may overlap), open ones to the end.
    SELECT client_id, office_id, (
        SELECT sum(upper(r) - lower(r)) FROM unnest(range_agg(
            daterange(start, least(coalesce("end", {end}), {end}) + 1)
        )) AS r
    ) AS days
    FROM assistance_period
    GROUP BY client_id, office_id
),
assistance AS (
    SELECT office_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
           count(*) FILTER (WHERE days > 183) AS long,
           count(*) FILTER (WHERE days <= 183) AS short
    FROM assistance_days
    GROUP BY ROLLUP (office_id)
),
child AS (
    -- The families' children at the end of the period.
    SELECT m.first_name, m.last_name, m.birth_date, f.office_id
    FROM families_familymember m
    JOIN families_family f ON f.id = m.family_id
    WHERE f.office_id IN ({offices}) AND NOT m.entered_in_error
      AND m.role = 'child' AND m.joined_on <= {end}
      AND (m.left_on IS NULL OR m.left_on > {end})
),
school AS (
    -- The latest school situation recorded for each child in any family of the office
    -- (a child of a split household has a membership in each).
    SELECT DISTINCT ON (m.first_name, m.last_name, m.birth_date, f.office_id)
           m.first_name, m.last_name, m.birth_date, f.office_id, s.level, s.status
    FROM families_schoolstatus s
    JOIN families_familymember m ON m.id = s.member_id
    JOIN families_family f ON f.id = m.family_id
    WHERE f.office_id IN ({offices}) AND NOT s.entered_in_error AND NOT m.entered_in_error
      AND s.valid_from <= {end}
    ORDER BY m.first_name, m.last_name, m.birth_date, f.office_id,
             s.valid_from DESC, s.id DESC
),
youth AS (
    SELECT CASE
               WHEN s.status IS NULL THEN 'unknown'
               WHEN s.level IN ({upper_secondary_levels})
                    AND s.status = 'dropped_out' THEN 'dropped_out'
               WHEN s.level IN ({upper_secondary_levels})
                    AND s.status = 'completed' THEN 'completed'
               WHEN s.status IN ('enrolled', 'back_in_school') THEN 'in_school'
               ELSE 'not_in_school'
           END AS situation,
           ch.office_id, count(*) AS n
    FROM child ch
    LEFT JOIN school s ON s.first_name = ch.first_name AND s.last_name = ch.last_name
         AND s.birth_date = ch.birth_date AND s.office_id = ch.office_id
    GROUP BY 1, 2
),
goals AS (
    SELECT f.office_id,
           count(*) FILTER (WHERE g.created_on BETWEEN {start} AND {end}) AS set,
           count(*) FILTER (WHERE g.status = 'achieved'
                            AND g.closed_on BETWEEN {start} AND {end}) AS achieved,
           count(*) FILTER (WHERE g.status = 'closed'
                            AND g.closed_on BETWEEN {start} AND {end}) AS closed
    FROM families_plangoal g
    JOIN families_familyplan p ON p.id = g.plan_id
    JOIN families_family f ON f.id = p.family_id
    WHERE f.office_id IN ({offices})
    GROUP BY f.office_id
),
rated AS (
    -- The change from a family's first rating of a life area to its latest, where it was
    -- rated twice or more.
    SELECT office_id, life_area_id, ratings[cardinality(ratings)] - ratings[1] AS change
    FROM (
        SELECT f.office_id, rr.life_area_id,
               array_agg(rr.rating ORDER BY rv.reviewed_on, rv.id) AS ratings
        FROM families_reviewrating rr
        JOIN families_review rv ON rv.id = rr.review_id
        JOIN families_family f ON f.id = rv.family_id
        WHERE f.office_id IN ({offices}) AND NOT rv.entered_in_error AND NOT rr.entered_in_error
          AND rv.reviewed_on <= {end}
        GROUP BY rv.family_id, f.office_id, rr.life_area_id
    ) per_area
    WHERE cardinality(ratings) > 1
),
quality AS (
    -- The sum of the changes: the page works out which averages it may show.
    SELECT life_area_id, office_id, count(*) AS families, sum(change) AS change
    FROM rated
    GROUP BY life_area_id, office_id
)
SELECT 'followed' AS figure, '' AS key, office_id, followed::numeric AS value
FROM activity_counts
UNION ALL
SELECT 'in_activity', '', office_id, in_activity FROM activity_counts
UNION ALL
SELECT 'overdue', '', office_id, n FROM overdue
UNION ALL
SELECT 'transitions', '', office_id, n FROM transitions
UNION ALL
SELECT 'episodes', '', office_id, count(*) FROM opened GROUP BY office_id
UNION ALL
SELECT 'activity', kind.name, a.office_id, kind.n
FROM activity_counts a
CROSS JOIN LATERAL (
    VALUES ('work', a.work), ('education', a.education), ('kvp', a.kvp), ('other', a.other)
) AS kind(name, n)
UNION ALL
SELECT 'caseload', coalesce(c.caseworker_id || ' ' || u.first_name || ' ' || u.last_name, ''),
       c.office_id, count(*)
FROM chosen c
LEFT JOIN organisation_user u ON u.id = c.caseworker_id
WHERE c.status = 'active'
GROUP BY c.caseworker_id, u.first_name, u.last_name, c.office_id
UNION ALL
SELECT 'contacts', to_char(k.date::timestamp, 'YYYY-MM'), c.office_id, count(*)
FROM followup_contact k
JOIN chosen c ON c.id = k.client_id
WHERE NOT k.entered_in_error AND k.date BETWEEN {start} AND {end}
GROUP BY 2, c.office_id
UNION ALL
SELECT 'reasons', code.label_nb, o.office_id, count(*)
FROM clients_caseepisode_reasons er
JOIN opened o ON o.id = er.caseepisode_id
JOIN codelists_code code ON code.id = er.code_id
GROUP BY code.id, code.label_nb, o.office_id
UNION ALL
SELECT 'interventions', t.label_nb || ' × ' || coalesce(o.label_nb, ''), c.office_id, count(*)
FROM followup_intervention i
JOIN chosen c ON c.id = i.client_id
JOIN codelists_code t ON t.id = i.type_id
LEFT JOIN codelists_code o ON o.id = i.outcome_id
WHERE NOT i.entered_in_error AND i."end" BETWEEN {start} AND {end}
GROUP BY t.label_nb, o.label_nb, c.office_id
UNION ALL
SELECT 'assistance_median_days', '', office_id, median::numeric FROM assistance
UNION ALL
SELECT 'assistance', 'long', office_id, long FROM assistance WHERE office_id IS NOT NULL
UNION ALL
SELECT 'assistance', 'short', office_id, short FROM assistance WHERE office_id IS NOT NULL
UNION ALL
SELECT 'assistance_by_month', to_char(m.month, 'YYYY-MM'), p.office_id,
       count(DISTINCT p.client_id)
FROM generate_series({first_month}::timestamp, {end}, interval '1 month') AS m(month)
JOIN assistance_period p ON p.start < m.month + interval '1 month'
     AND (p."end" IS NULL OR p."end" >= m.month)
GROUP BY m.month, p.office_id
UNION ALL
SELECT 'youth', situation, office_id, n FROM youth
UNION ALL
SELECT 'goals', goal.name, g.office_id, goal.n
FROM goals g
CROSS JOIN LATERAL (
    VALUES ('set', g.set), ('achieved', g.achieved), ('closed', g.closed)
) AS goal(name, n)
UNION ALL
SELECT 'quality_families', code.label_nb, q.office_id, q.families
FROM quality q JOIN codelists_code code ON code.id = q.life_area_id
UNION ALL
SELECT 'quality_change', code.label_nb, q.office_id, q.change
FROM quality q JOIN codelists_code code ON code.id = q.life_area_id
"""


def _date(value: datetime.date) -> str:
    """A date as an SQL literal: only a date's own digits ever reach the text."""
    if not isinstance(value, datetime.date):
        raise TypeError(f"not a date: {value!r}")
    day = datetime.date(value.year, value.month, value.day)  # a datetime loses its time
    return f"DATE '{day.isoformat()}'"


def dashboard_sql(
    office_ids: list[int], start: datetime.date, end: datetime.date, today: datetime.date
) -> str:
    """One statement computing the dashboard's figures for the offices and the period from
    `start` to `end` (its last day), without a programme; `today` is the day "overdue" is
    about. It returns rows of (figure, key, office_id, value)."""
    if not office_ids:
        raise ValueError("no offices")
    for office_id in office_ids:
        # bool is an int too, but never an office's id.
        if not isinstance(office_id, int) or isinstance(office_id, bool):
            raise TypeError(f"not an office id: {office_id!r}")
    return _SQL.format(
        offices=", ".join(str(int(office_id)) for office_id in office_ids),
        start=_date(start),
        end=_date(end),
        today=_date(today),
        first_month=_date(start.replace(day=1)),
        # The activity codes are the dashboard's own definitions, so the two cannot drift.
        work_types=_codes(ACTIVITY_OF_TYPE, "work"),
        education_types=_codes(ACTIVITY_OF_TYPE, "education"),
        kvp_types=_codes(ACTIVITY_OF_TYPE, "kvp"),
        activity_types=_codes(ACTIVITY_OF_TYPE),
        kvp_benefits=_codes(ACTIVITY_BENEFITS, "kvp"),
        education_benefits=_codes(ACTIVITY_BENEFITS, "education"),
        activity_benefits=_codes(ACTIVITY_BENEFITS),
        upper_secondary_levels=", ".join(
            f"'{level}'" for level in SchoolStatus.UPPER_SECONDARY_LEVELS
        ),
    ).strip()


def _codes(kinds: dict[str, str], kind: str | None = None) -> str:
    """The codes (of one kind, or all) as an SQL list of literals; they are our own constants."""
    return ", ".join(f"'{code}'" for code, k in kinds.items() if kind in (None, k))
