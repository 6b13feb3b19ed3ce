"""Synthetic national-scale data in bulk: people through COPY, their records by INSERT … SELECT.

`manage.py generate_synthetic --profile small|national` builds the datasets of
docs/performance.md. No row is saved one at a time: offices and staff (a few
thousand) go through the history-keeping bulk helpers; clients are made in
Python (names, synthetic national ids with valid check digits) and sent with
COPY; everything that hangs off them (episodes, benefits, contacts,
interventions, assessments, families, plans, reviews, school) is drawn by
PostgreSQL itself with INSERT … SELECT over random(), seeded so that a run is
repeatable. Every tracked row gets its history row ("+", by the system actor
`generate_synthetic`, dated when the record was made) in one statement per table.
"""

import datetime
import functools
import io
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from audit import bulk
from audit.history import acting_as, system_actor
from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode, Client
from clients.national_id import synthetic_national_ids
from codelists.loader import load_missing_codes
from codelists.models import Code, CodeList
from devdata.demo.clients import BACKGROUNDS, NORWEGIAN_FIRST, NORWEGIAN_LAST
from families.models import (
    Family,
    FamilyMember,
    FamilyPlan,
    PlanGoal,
    PlanRevision,
    Review,
    ReviewRating,
    SchoolStatus,
)
from followup.models import Contact, Intervention
from organisation.models import Membership, Office, User
from organisation.roles import Role

YEARS = 10  # of history
CLIENTS_PER_CASEWORKER = 60


@dataclass(frozen=True)
class Profile:
    name: str
    offices: int
    clients: int
    families: int
    contacts: int
    interventions: int
    benefit_periods: int
    assessments: int
    plan_revisions: int


PROFILES = {
    "small": Profile("small", 10, 2_000, 600, 30_000, 5_000, 6_000, 3_000, 2_000),
    "national": Profile(
        "national", 250, 200_000, 60_000, 3_000_000, 500_000, 600_000, 300_000, 200_000
    ),
}


@transaction.atomic  # all or nothing: never clients without their history, nor half a dataset
def generate(profile: Profile, *, seed: int = 1, say: Callable[[str], None] = print) -> None:
    """Add the profile's dataset to the database (beside whatever is there)."""
    load_missing_codes()
    actor = system_actor("generate_synthetic")
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    today = timezone.localdate()
    started = time.monotonic()

    def step(name: str, work: Callable[[], int]) -> None:
        begun = time.monotonic()
        made = work()
        say(f"{name:<28} {made:>10,} rows  {time.monotonic() - begun:6.1f} s")

    with acting_as(actor):
        offices, staff = _organisation(profile, rng, actor)
    caseworkers = sum(len(people) for people in staff.values())
    say(f"{'offices and staff':<28} {len(offices):>10,} offices, {caseworkers:,} caseworkers")
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
    sql = _Sql(actor.pk, today)
    step("clients", lambda: _clients(profile, rng, offices, staff, today))
    step("case episodes", sql.episodes)
    step("benefit periods", lambda: sql.benefit_periods(profile.benefit_periods))
    step("contacts", lambda: sql.contacts(profile.contacts))
    step("interventions", lambda: sql.interventions(profile.interventions))
    step("assessments", lambda: sql.assessments(profile.assessments))
    step("families", lambda: sql.families(profile.families))
    step("plans, goals and revisions", lambda: sql.plans(profile.plan_revisions))
    step("reviews and ratings", sql.reviews)
    step("school", sql.school)
    step("history", sql.history)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS syn_clients, syn_families")
        cursor.execute("ANALYZE")
    say(f"{'done':<28} {'':>10}       {time.monotonic() - started:6.1f} s")


def _organisation(
    profile: Profile, rng: random.Random, actor: User
) -> tuple[list[Office], dict[int, list[int]]]:
    """Offices of very different sizes, and their caseworkers, coordinators and a manager."""
    first = Office.objects.filter(name__startswith="NAV Syntetisk").count()
    offices = bulk.bulk_create(
        Office,
        [
            Office(
                name=f"NAV Syntetisk {first + n + 1:03}",
                municipality_number=f"{9000 + (first + n) % 1000:04}",
                unit_number=f"{8000 + (first + n) % 2000:04}",
            )
            for n in range(profile.offices)
        ],
        actor=actor,
    )
    weights = _office_weights(len(offices))
    password = make_password(None)  # unusable: the benchmark makes its own users
    users, roles = [], []
    for office, weight in zip(offices, weights, strict=True):
        caseworkers = max(2, round(profile.clients * weight / CLIENTS_PER_CASEWORKER))
        people = [(Role.CASEWORKER, n) for n in range(caseworkers)]
        people += [(Role.COORDINATOR, n) for n in range(1 + caseworkers // 10)]
        people.append((Role.MANAGER, 0))
        for role, n in people:
            users.append(
                User(
                    username=f"syn.{office.unit_number}.{office.pk}.{role}.{n}",
                    first_name=rng.choice(NORWEGIAN_FIRST),
                    last_name=rng.choice(NORWEGIAN_LAST),
                    password=password,
                )
            )
            roles.append((office, role))
    users = User.objects.bulk_create(users, batch_size=2000)
    bulk.bulk_create(
        Membership,
        [
            Membership(user=user, office=office, role=role)
            for user, (office, role) in zip(users, roles, strict=True)
        ],
        actor=actor,
        batch_size=2000,
    )
    staff: dict[int, list[int]] = {}
    for user, (office, role) in zip(users, roles, strict=True):
        if role == Role.CASEWORKER:
            staff.setdefault(office.pk, []).append(user.pk)
    return offices, staff


def _office_weights(count: int) -> list[float]:
    """A few large city offices and many small ones (a Zipf-like spread)."""
    raw = [1 / (n + 1) ** 0.8 for n in range(count)]
    return [w / sum(raw) for w in raw]


# Clients -------------------------------------------------------------------------------------

CLIENT_COLUMNS = [
    "office_id",
    "first_name",
    "last_name",
    "national_id",
    "birth_date",
    "gender",
    "phone",
    "email",
    "address",
    "language_id",
    "interpreter_needed",
    "country_of_birth_id",
    "refugee_background",
    "arrival_year",
    "caseworker_id",
    "status",
    "version",
    "created_at",
    "updated_at",
]


def _clients(
    profile: Profile,
    rng: random.Random,
    offices: list[Office],
    staff: dict[int, list[int]],
    today: datetime.date,
) -> int:
    countries = _code_ids(CodeList.COUNTRY)
    languages = _code_ids(CodeList.LANGUAGE)
    weights = _office_weights(len(offices))
    per_birth_date: dict[tuple[datetime.date, str], Iterator[str]] = {}
    # Numbers already given to anyone with the same date of birth are skipped.
    taken = set(Client.objects.values_list("national_id", flat=True))
    first_day = today - datetime.timedelta(days=365 * YEARS)

    def rows() -> Iterator[tuple[object, ...]]:
        chosen_offices = rng.choices(offices, weights=weights, k=profile.clients)
        for office in chosen_offices:
            refugee = rng.random() < 0.55
            country = rng.choice(list(BACKGROUNDS)) if refugee else "NOR"
            first_names, last_names, language = (
                BACKGROUNDS[country] if refugee else (NORWEGIAN_FIRST, NORWEGIAN_LAST, "no")
            )
            # Adults of working age, most of them young (long-term assistance starts early).
            age = 18 + int(47 * rng.random() ** 1.4)
            birth = today - datetime.timedelta(days=365 * age + rng.randint(0, 364))
            gender = rng.choice("FM")
            national_id = _next_id(birth, gender, per_birth_date, taken)
            # Most clients came in recent years.
            created = today - datetime.timedelta(
                days=int((today - first_day).days * rng.random() ** 1.6)
            )
            created_at = datetime.datetime.combine(created, datetime.time(9), datetime.UTC)
            yield (
                office.pk,
                rng.choice(first_names),
                rng.choice(last_names),
                national_id,
                birth,
                gender,
                "",
                "",
                "",
                languages.get(language),
                refugee and rng.random() < 0.6,
                countries.get(country),
                refugee,
                created.year - rng.randint(0, 4) if refugee else None,
                rng.choice(staff[office.pk]),
                "active" if rng.random() < 0.7 else "inactive",
                1,
                created_at,
                created_at,
            )

    before = _max_id(Client)
    _copy(Client._meta.db_table, CLIENT_COLUMNS, rows())
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE syn_clients AS
            SELECT row_number() OVER (ORDER BY id) AS rn, id, office_id, caseworker_id, status,
                   created_at::date AS since, birth_date
            FROM clients_client WHERE id > %s""",
            [before],
        )
        cursor.execute("CREATE UNIQUE INDEX ON syn_clients (rn)")
        cursor.execute("ANALYZE syn_clients")
    return profile.clients


def _next_id(
    birth: datetime.date,
    gender: str,
    per_birth_date: dict[tuple[datetime.date, str], Iterator[str]],
    taken: set[str | None],
) -> str | None:
    """The next synthetic number of the date no one has (None when all of them are used)."""
    numbers = per_birth_date.setdefault(
        (birth, gender), synthetic_national_ids(birth, gender=gender)
    )
    return next((number for number in numbers if number not in taken), None)


def _code_ids(code_list: CodeList) -> dict[str, int]:
    return dict(Code.objects.of(code_list).values_list("code", "pk"))


def _max_id(model: type[Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")  # noqa: S608
        return int(cursor.fetchone()[0])


def _copy(table: str, columns: list[str], rows: Iterator[tuple[object, ...]]) -> None:
    """COPY rows into a table in text format, 50 000 rows at a time."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    while True:
        buffer = io.StringIO()
        count = 0
        for row in rows:
            buffer.write("\t".join(_text(value) for value in row))
            buffer.write("\n")
            count += 1
            if count == 50_000:
                break
        if not count:
            return
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, buffer)


def _text(value: object) -> str:
    if value is None:
        return r"\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


# Records drawn by PostgreSQL ------------------------------------------------------------------


class _Sql:
    """The INSERT … SELECT statements; each returns how many rows it made."""

    def __init__(self, actor: int, today: datetime.date) -> None:
        self.actor = actor
        self.today = today
        # The first new id of every tracked table, for the history step.
        self.since: dict[type[Model], int] = {}

    def _run(self, model: type[Model], sql: str, params: dict[str, Any]) -> int:
        self.since.setdefault(model, _max_id(model))
        return self._run_plain(sql, params)

    def _run_plain(self, sql: str, params: dict[str, Any]) -> int:
        """A statement on rows that have no history of their own (links, temp tables)."""
        with connection.cursor() as cursor:
            cursor.execute(sql, {"today": self.today, **params})
            return int(cursor.rowcount)

    def _codes(self, code_list: CodeList) -> list[int]:
        return list(Code.objects.offered(code_list).values_list("pk", flat=True))

    @functools.cached_property
    def _clients(self) -> int:
        return self._count("syn_clients")

    def _pick(self, n: int, skew: float = 1.0) -> str:
        """A random client for each of n rows (rn), busy clients drawn more often."""
        return f"""
            SELECT g, 1 + floor(power(random(), {skew}) * {self._clients})::int AS rn
            FROM generate_series(1, {int(n)}) AS g"""  # noqa: S608 - numbers and our own names only

    def episodes(self) -> int:
        made = self._run(
            CaseEpisode,
            """
            INSERT INTO clients_caseepisode (client_id, opened_on, closed_on, closing_reason_id,
                                             version)
            SELECT c.id, c.since,
                   CASE WHEN c.status = 'inactive' THEN closed END,
                   CASE WHEN c.status = 'inactive'
                        THEN (%(closing)s::int[])[1 + floor(random() * %(n_closing)s)::int] END,
                   1
            FROM syn_clients c,
                 LATERAL (SELECT least(%(today)s::date, c.since + (30 + random() * 900)::int)
                          AS closed) d""",
            self._code_params("closing", CodeList.CLOSING_REASON),
        )
        self._run_plain(
            """
            INSERT INTO clients_caseepisode_reasons (caseepisode_id, code_id)
            SELECT DISTINCT e.id, (%(reasons)s::int[])[1 + floor(random() * %(n_reasons)s)::int]
            FROM clients_caseepisode e, generate_series(1, 2)
            WHERE e.id > %(since)s""",
            {
                **self._code_params("reasons", CodeList.CONTACT_REASON),
                "since": self.since[CaseEpisode],
            },
        )
        return made

    def _code_params(self, name: str, code_list: CodeList) -> dict[str, Any]:
        codes = self._codes(code_list)
        return {name: codes, f"n_{name}": len(codes)}

    def benefit_periods(self, n: int) -> int:
        kinds = _code_ids(CodeList.BENEFIT_KIND)
        # Most periods are social assistance; the rest the usual other benefits.
        weighted = (
            [kinds["okonomisk_sosialhjelp_full"]] * 5
            + [kinds["okonomisk_sosialhjelp_supplement"]] * 3
            + [kinds[k] for k in ("kvalifiseringsstonad", "introduksjonsstonad", "aap", "bostotte")]
        )
        return self._run(
            BenefitPeriod,
            f"""
            INSERT INTO clients_benefitperiod (client_id, kind_id, start, "end")
            SELECT c.id, (%(kinds)s::int[])[1 + floor(random() * %(n_kinds)s)::int], s.start,
                   CASE WHEN random() < 0.75 THEN least(%(today)s::date,
                        s.start + (30 + power(random(), 2) * 700)::int) END
            FROM ({self._pick(n, 1.3)}) p JOIN syn_clients c USING (rn),
                 LATERAL (SELECT c.since + (random() * (%(today)s::date - c.since))::int
                          AS start) s""",  # noqa: S608 - numbers and our own names only
            {"kinds": weighted, "n_kinds": len(weighted)},
        )

    def contacts(self, n: int) -> int:
        made = self._run(
            Contact,
            f"""
            INSERT INTO followup_contact (client_id, date, duration_minutes, channel_id,
                interpreter_used, agreed_actions, note, next_contact_on, recorded_by_id,
                recorded_at, version)
            SELECT c.id, d.day, (15 + floor(random() * 4) * 15)::int,
                   (%(channels)s::int[])[1 + floor(random() * %(n_channels)s)::int],
                   random() < 0.2, '', 'Syntetisk samtalenotat.',
                   CASE WHEN random() < 0.3 THEN d.day + 30 END,
                   c.caseworker_id, d.day + time '10:00', 1
            FROM ({self._pick(n, 1.5)}) p JOIN syn_clients c USING (rn),
                 -- Most contacts are recent: days before today, squared toward zero.
                 LATERAL (SELECT %(today)s::date
                          - (power(random(), 2) * (%(today)s::date - c.since))::int AS day) d""",  # noqa: S608 - numbers and our own names only
            self._code_params("channels", CodeList.CONTACT_CHANNEL),
        )
        self._run_plain(
            """
            INSERT INTO followup_contact_topics (contact_id, code_id)
            SELECT id, (%(areas)s::int[])[1 + (id %% %(n_areas)s)::int]
            FROM followup_contact WHERE id > %(since)s AND id %% 4 = 0""",
            {**self._code_params("areas", CodeList.LIFE_AREA), "since": self.since[Contact]},
        )
        return made

    def interventions(self, n: int) -> int:
        return self._run(
            Intervention,
            f"""
            INSERT INTO followup_intervention (client_id, type_id, provider, start, "end",
                                               status, outcome_id, version)
            SELECT c.id, (%(types)s::int[])[1 + floor(random() * %(n_types)s)::int], '',
                   s.start, s.finish,
                   CASE WHEN s.finish IS NULL THEN 'in_progress' ELSE 'completed' END,
                   CASE WHEN s.finish IS NOT NULL
                        THEN (%(outcomes)s::int[])[1 + floor(random() * %(n_outcomes)s)::int]
                   END,
                   1
            FROM ({self._pick(n)}) p JOIN syn_clients c USING (rn),
                 LATERAL (SELECT c.since + (random() * (%(today)s::date - c.since))::int
                          AS start) b,
                 LATERAL (SELECT b.start, CASE WHEN random() < 0.7
                          THEN least(%(today)s::date, b.start + (20 + random() * 300)::int)
                          END AS finish) s""",  # noqa: S608 - numbers and our own names only
            {
                **self._code_params("types", CodeList.INTERVENTION_TYPE),
                **self._code_params("outcomes", CodeList.INTERVENTION_OUTCOME),
            },
        )

    def assessments(self, n: int) -> int:
        made = self._run(
            Assessment,
            f"""
            INSERT INTO clients_assessment (client_id, assessed_on, assessed_by_id)
            SELECT c.id, c.since + (random() * (%(today)s::date - c.since))::int,
                   c.caseworker_id
            FROM ({self._pick(n)}) p JOIN syn_clients c USING (rn)
            -- one assessment per client and day (assessment_one_per_client_and_day)
            ON CONFLICT DO NOTHING""",  # noqa: S608 - numbers and our own names only
            {},
        )
        self._run(
            AssessmentItem,
            """
            INSERT INTO clients_assessmentitem (assessment_id, life_area_id, status_id, need_id)
            SELECT a.id, (%(areas)s::int[])[1 + ((a.id + k) %% %(n_areas)s)::int],
                   (%(statuses)s::int[])[1 + floor(random() * %(n_statuses)s)::int],
                   (%(needs)s::int[])[1 + floor(random() * %(n_needs)s)::int]
            FROM clients_assessment a, generate_series(0, 1) k
            WHERE a.id > %(since)s""",
            {
                **self._code_params("areas", CodeList.LIFE_AREA),
                **self._code_params("statuses", CodeList.ASSESSMENT_STATUS),
                **self._code_params("needs", CodeList.NEED_LEVEL),
                "since": self.since[Assessment],
            },
        )
        return made

    def families(self, n: int) -> int:
        """Families around a parent who is a client; children who are not."""
        self._run_plain(
            f"""
            CREATE TEMP TABLE syn_families AS
            SELECT nextval(pg_get_serial_sequence('families_family', 'id')) AS id,
                   c.id AS parent, c.office_id,
                   -- Followed from when the parent was a client and an adult (a parent is
                   -- 16 or older: families.rules.ADULT_MIN_AGE), never in the future.
                   greatest(c.since, (c.birth_date + interval '18 years')::date) AS since,
                   coordinator.user_id AS coordinator,
                   cl.last_name
            FROM (SELECT * FROM syn_clients ORDER BY random() LIMIT {int(n)}) c
            JOIN clients_client cl ON cl.id = c.id
            LEFT JOIN LATERAL (
                SELECT m.user_id FROM organisation_membership m
                WHERE m.office_id = c.office_id AND m.role = 'coordinator'
                ORDER BY m.user_id LIMIT 1) coordinator ON true""",  # noqa: S608 - numbers and our own names only
            {},
        )
        made = self._run(
            Family,
            """
            INSERT INTO families_family (id, office_id, name, coordinator_id, created_on, version)
            SELECT id, office_id, 'Familien ' || last_name, coordinator, since, 1
            FROM syn_families""",
            {},
        )
        self._run(
            FamilyMember,
            """
            INSERT INTO families_familymember (family_id, client_id, first_name, last_name,
                                               birth_date, role, joined_on, left_on)
            SELECT f.id, f.parent, '', '', NULL::date, 'parent', f.since, NULL::date
            FROM syn_families f
            UNION ALL
            -- A child born after the family was first followed joins it at birth.
            SELECT c.id, NULL, 'Barn' || c.k, c.last_name, c.born, 'child',
                   greatest(c.since, c.born), NULL
            FROM (SELECT f.id, f.last_name, f.since, k,
                         %(today)s::date - (365 * (1 + random() * 19))::int AS born
                  FROM syn_families f, generate_series(1, 1 + (f.id %% 3)::int) k) c""",
            {},
        )
        return made

    def plans(self, revisions: int) -> int:
        self._run(
            FamilyPlan,
            """
            INSERT INTO families_familyplan (family_id, active, created_on, version)
            SELECT id, true, since, 1 FROM syn_families""",
            {},
        )
        self._run(
            PlanGoal,
            """
            INSERT INTO families_plangoal (plan_id, life_area_id, text, position, status,
                                           created_on, closed_on)
            SELECT g.id, (%(areas)s::int[])[1 + ((g.id + g.k) %% %(n_areas)s)::int],
                   'Et mål familien har satt seg', g.k, s.status, g.created_on,
                   CASE WHEN s.status <> 'open'
                        THEN least(%(today)s::date, g.created_on + (60 + random() * 400)::int)
                   END
            -- One draw per goal: a random() in a LATERAL that refers to no row would be
            -- drawn once for all of them.
            FROM (SELECT p.id, p.created_on, k, random() AS r
                  FROM families_familyplan p, generate_series(1, 3) k
                  WHERE p.id > %(since)s) g,
                 LATERAL (SELECT CASE WHEN g.r < 0.35 THEN 'achieved'
                                      WHEN g.r < 0.45 THEN 'closed'
                                      ELSE 'open' END AS status) s""",
            {**self._code_params("areas", CodeList.LIFE_AREA), "since": self.since[FamilyPlan]},
        )
        # The profile's number exactly: every plan has `per_plan` revisions, the first
        # `extra` plans one more.
        per_plan, extra = divmod(revisions, max(1, self._count("syn_families")))
        return self._run(
            PlanRevision,
            """
            INSERT INTO families_planrevision (plan_id, number, by_id, at, summary, snapshot)
            SELECT p.id, k, coalesce(p.coordinator, %(actor)s),
                   (p.created_on + (k - 1) * 90) + time '12:00', 'Planen er oppdatert',
                   jsonb_build_object('goals', jsonb_build_array())
            FROM (SELECT p.id, p.created_on, f.coordinator,
                         row_number() OVER (ORDER BY p.id) AS n
                  FROM families_familyplan p JOIN syn_families f ON f.id = p.family_id) p,
                 LATERAL generate_series(1, %(per_plan)s + (p.n <= %(extra)s)::int) k""",
            {"per_plan": per_plan, "extra": extra, "actor": self.actor},
        )

    def _count(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own temp table
            return int(cursor.fetchone()[0])

    def reviews(self) -> int:
        made = self._run(
            Review,
            """
            INSERT INTO families_review (family_id, reviewed_on, by_id, works, does_not_work,
                                         next_steps, next_review_on)
            SELECT f.id, least(%(today)s::date, f.since + k * 120), coalesce(f.coordinator,
                   %(actor)s), '', '', '', NULL
            FROM syn_families f, generate_series(1, 1 + ((f.id / 3) %% 3)::int) k
            -- One review per family and day (review_one_per_family_per_day): only the
            -- last review may be moved back to today.
            WHERE f.since + (k - 1) * 120 < %(today)s::date""",
            {"actor": self.actor},
        )
        self._run(
            ReviewRating,
            """
            INSERT INTO families_reviewrating (review_id, life_area_id, rating)
            SELECT r.id, (%(areas)s::int[])[1 + ((r.family_id + k) %% %(n_areas)s)::int],
                   least(10, greatest(0, round(4 + random() * 4 + k * 0.2)))::int
            FROM families_review r, generate_series(1, 4) k
            WHERE r.id > %(since)s""",
            {**self._code_params("areas", CodeList.LIFE_AREA), "since": self.since[Review]},
        )
        return made

    def school(self) -> int:
        return self._run(
            SchoolStatus,
            """
            INSERT INTO families_schoolstatus (member_id, valid_from, level, programme, year,
                                               status, risk_flagged_on)
            SELECT m.id, greatest(m.joined_on, %(today)s::date - 300),
                   CASE WHEN a.age < 13 THEN 'primary' WHEN a.age < 16 THEN 'lower_secondary'
                        ELSE 'upper_secondary' END,
                   '', NULL,
                   CASE WHEN a.age >= 16 AND random() < 0.2 THEN 'dropped_out'
                        WHEN a.age >= 19 THEN 'completed' ELSE 'enrolled' END,
                   NULL
            FROM families_familymember m,
                 LATERAL (SELECT extract(year FROM age(%(today)s::date, m.birth_date))::int
                          AS age) a
            WHERE m.id > %(since)s AND m.role = 'child' AND a.age BETWEEN 6 AND 19""",
            {"since": self.since[FamilyMember]},
        )

    def history(self) -> int:
        """One "+" history row per new record, dated when it was made, in one statement each."""
        made = 0
        dated: dict[type[Model], str] = {
            Client: "created_at",
            FamilyMember: "joined_on",
            CaseEpisode: "opened_on",
            BenefitPeriod: "start",
            Contact: "recorded_at",
            Intervention: "start",
            Assessment: "assessed_on",
            Family: "created_on",
            FamilyPlan: "created_on",
            PlanGoal: "created_on",
            Review: "reviewed_on",
            SchoolStatus: "valid_from",
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) - 1 FROM syn_clients")
            since: dict[type[Model], int] = {Client: int(cursor.fetchone()[0]), **self.since}
        for model, first in since.items():
            history = getattr(model, "history", None)
            if history is None:
                continue
            historical = history.model
            own = {f.column for f in historical._meta.concrete_fields}
            columns = [f.column for f in model._meta.concrete_fields if f.column in own]
            when = dated.get(model)
            date = f'"{when}"::timestamptz' if when else "now()"
            quoted = ", ".join(f'"{c}"' for c in columns)
            sql = f"""
                INSERT INTO {historical._meta.db_table}
                    ({quoted}, history_date, history_change_reason, history_type,
                     history_user_id)
                SELECT {quoted}, {date}, NULL, '+', %(actor)s
                FROM {model._meta.db_table} WHERE id > %(since)s"""  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(sql, {"actor": self.actor, "since": first})
                made += cursor.rowcount
            made += self._m2m_history(model, first)
        return made

    def _m2m_history(self, model: type[Model], first: int) -> int:
        """The links of the new records' tracked many-to-many fields (an episode's reasons,
        a contact's topics) under their "+" rows, as simple_history records them on save:
        without them the history says the record was made without any, and the first real
        edit would show them as added."""
        made = 0
        historical = model.history.model  # type: ignore[attr-defined]
        for field in historical._history_m2m_fields:
            through = field.remote_field.through._meta
            columns = ", ".join(f'"{f.column}"' for f in through.concrete_fields)
            linked = field.m2m_column_name()
            sql = f"""
                INSERT INTO {getattr(historical, field.name).model._meta.db_table}
                    ({columns}, history_id)
                SELECT {", ".join(f't."{f.column}"' for f in through.concrete_fields)},
                       h.history_id
                FROM {through.db_table} t
                JOIN {historical._meta.db_table} h ON h.id = t."{linked}"
                WHERE h.id > %(since)s"""  # noqa: S608 - our own table and column names
            with connection.cursor() as cursor:
                cursor.execute(sql, {"since": first})
                made += cursor.rowcount
        return made
