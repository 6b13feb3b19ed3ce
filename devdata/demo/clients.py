"""Synthetic demo clients with several years of plausible history (no real people).

Deterministic (a seeded random generator) and written in bulk through the
history-keeping helpers, as the system actor ``seed_demo``.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from audit import bulk
from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode, Client
from clients.national_id import synthetic_national_id
from codelists.models import Code, CodeList
from followup.models import Contact, Enrolment, Intervention, Programme, Reminder, Status
from organisation.models import Office, User
from organisation.roles import PERSON_LEVEL_ROLES

CLIENTS_PER_OFFICE = 300
NORWEGIAN_FIRST = [
    "Anne",
    "Ole",
    "Kari",
    "Lars",
    "Ingrid",
    "Jonas",
    "Marit",
    "Emil",
    "Sofie",
    "Henrik",
    "Nora",
    "Magnus",
    "Ida",
    "Sander",
    "Hanne",
    "Tor",
    "Silje",
    "Øystein",
    "Åse",
    "Bjørn",
]
NORWEGIAN_LAST = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Eriksen",
    "Bakken",
    "Østby",
    "Sæther",
    "Lien",
]
BACKGROUNDS = {
    # country code: (first names, last names, language code)
    "SYR": (
        ["Ahmad", "Rania", "Omar", "Lina", "Yusuf", "Hiba"],
        ["Al-Hassan", "Haddad", "Khalil", "Nasser"],
        "ar",
    ),
    "ERI": (
        ["Yonas", "Selam", "Dawit", "Helen", "Filmon", "Senait"],
        ["Tesfay", "Gebremedhin", "Berhe", "Kidane"],
        "ti",
    ),
    "SOM": (
        ["Abdi", "Hodan", "Mohamed", "Sahra", "Ayan", "Hassan"],
        ["Ali", "Warsame", "Farah", "Osman"],
        "so",
    ),
    "AFG": (
        ["Ahmad", "Zahra", "Farid", "Mariam", "Reza", "Nazanin"],
        ["Rahimi", "Ahmadi", "Hosseini", "Karimi"],
        "prs",
    ),
    "UKR": (
        ["Olena", "Andrii", "Iryna", "Dmytro", "Oksana", "Taras"],
        ["Kovalenko", "Shevchenko", "Bondarenko", "Melnyk"],
        "uk",
    ),
}
PROGRAMMES = {
    "heimdal": [
        ("71 familier", "Tett oppfølging av familier på full sosialhjelp med familiekoordinator.")
    ],
    "sagene": [
        ("Mattementor sommerleir", "Sommerleir med mattementorer for ungdom."),
        ("Ungdomsjobb", "Jobbprogram for ungdom i familier som følges opp."),
    ],
}


def _codes(code_list: CodeList) -> list[Code]:
    return list(Code.objects.offered(code_list))


def _code(code_list: CodeList, code: str) -> Code:
    return Code.objects.get(list_name=code_list, code=code)


@dataclass(frozen=True)
class DemoCodes:
    """The active codes the demo history is drawn from, read once."""

    channels: list[Code]
    life_areas: list[Code]
    reasons: list[Code]
    closing: list[Code]
    benefit_kinds: dict[str, Code]
    statuses: list[Code]
    needs: list[Code]
    types: list[Code]
    outcomes: list[Code]

    @classmethod
    def load(cls) -> "DemoCodes":
        return cls(
            channels=_codes(CodeList.CONTACT_CHANNEL),
            life_areas=_codes(CodeList.LIFE_AREA),
            reasons=_codes(CodeList.CONTACT_REASON),
            closing=_codes(CodeList.CLOSING_REASON),
            benefit_kinds={c.code: c for c in _codes(CodeList.BENEFIT_KIND)},
            statuses=_codes(CodeList.ASSESSMENT_STATUS),
            needs=_codes(CodeList.NEED_LEVEL),
            types=_codes(CodeList.INTERVENTION_TYPE),
            outcomes=_codes(CodeList.INTERVENTION_OUTCOME),
        )


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


@transaction.atomic
def seed_clients(
    offices: dict[str, Office],
    actor: User,
    today: datetime.date,
    per_office: int = CLIENTS_PER_OFFICE,
) -> int:
    """Create the demo clients of each office that has none yet; return how many were made."""
    rng = random.Random(20261123)  # noqa: S311 - demo data, not security
    made = 0
    per_birth_date: dict[datetime.date, int] = defaultdict(int)
    countries = {
        c.code: c for c in Code.objects.of(CodeList.COUNTRY).filter(code__in=[*BACKGROUNDS, "NOR"])
    }
    languages = {c.code: c for c in Code.objects.of(CodeList.LANGUAGE)}
    codes = DemoCodes.load()
    channels = codes.channels
    office_meeting = _code(CodeList.CONTACT_CHANNEL, "office_meeting")
    municipalities = {
        c.code: c for c in Code.objects.of(CodeList.MUNICIPALITY).filter(code__in=["5001", "0301"])
    }

    for key, office in offices.items():
        if Client.objects.filter(office=office).exists():
            continue
        staff = list(
            User.objects.filter(
                membership_set__office=office, membership_set__role__in=sorted(PERSON_LEVEL_ROLES)
            ).distinct()
        )
        programmes = [
            Programme.objects.get_or_create(
                office=office,
                name=name,
                defaults={"description": text, "start": today - datetime.timedelta(days=3 * 365)},
            )[0]
            for name, text in PROGRAMMES.get(key, [])
        ]
        clients = []
        for _ in range(per_office):
            refugee = rng.random() < 0.55
            country = rng.choice(list(BACKGROUNDS)) if refugee else "NOR"
            first_names, last_names, language = (
                BACKGROUNDS[country] if refugee else (NORWEGIAN_FIRST, NORWEGIAN_LAST, "no")
            )
            birth = _date_between(rng, datetime.date(1958, 1, 1), datetime.date(2006, 12, 31))
            gender = rng.choice("FM")
            per_birth_date[birth] += 1
            clients.append(
                Client(
                    office=office,
                    first_name=rng.choice(first_names),
                    last_name=rng.choice(last_names),
                    birth_date=birth,
                    gender=gender,
                    national_id=synthetic_national_id(birth, per_birth_date[birth], gender=gender),
                    phone=f"4{rng.randint(1000000, 9999999)}",
                    caseworker=rng.choice(staff) if staff and rng.random() < 0.9 else None,
                    language=languages.get(language),
                    interpreter_needed=refugee and rng.random() < 0.5,
                    country_of_birth=countries.get(country),
                    refugee_background=refugee,
                    arrival_year=rng.randint(max(birth.year + 1, 2010), today.year)
                    if refugee
                    else None,
                    settlement_municipality=municipalities.get(office.municipality_number),
                    usual_channel=rng.choice([office_meeting, office_meeting, *channels[:4]]),
                    status=Client.Status.ACTIVE if rng.random() < 0.85 else Client.Status.INACTIVE,
                )
            )
        clients = bulk.bulk_create(Client, clients, actor=actor)
        made += len(clients)
        _seed_history(rng, clients, staff, programmes, actor, today, codes)
    return made


def _seed_history(
    rng: random.Random,
    clients: list[Client],
    staff: list[User],
    programmes: list[Programme],
    actor: User,
    today: datetime.date,
    codes: "DemoCodes",
) -> None:
    reasons, closing, benefit_kinds = codes.reasons, codes.closing, codes.benefit_kinds
    life_areas, statuses, needs = codes.life_areas, codes.statuses, codes.needs
    types, outcomes, channels = codes.types, codes.outcomes, codes.channels
    episodes, benefits, assessments, contacts, interventions, enrolments = [], [], [], [], [], []
    episode_reasons, contact_topics, assessment_plans = [], [], []
    for client in clients:
        opened = _date_between(
            rng, today - datetime.timedelta(days=6 * 365), today - datetime.timedelta(days=30)
        )
        closed = None
        if client.status == Client.Status.INACTIVE:
            closed = _date_between(rng, opened, today)
        episode = CaseEpisode(
            client=client,
            opened_on=opened,
            closed_on=closed,
            closing_reason=rng.choice(closing) if closed else None,
        )
        episodes.append(episode)
        episode_reasons.append((episode, rng.sample(reasons, k=rng.randint(1, 3))))
        kind = benefit_kinds[
            "okonomisk_sosialhjelp_full"
            if rng.random() < 0.6
            else "okonomisk_sosialhjelp_supplement"
        ]
        benefits.append(BenefitPeriod(client=client, kind=kind, start=opened, end=closed))
        if client.refugee_background and rng.random() < 0.4:
            intro_end = min(opened + datetime.timedelta(days=700), today)
            benefits.append(
                BenefitPeriod(
                    client=client,
                    kind=benefit_kinds["introduksjonsstonad"],
                    start=opened - datetime.timedelta(days=400),
                    end=intro_end,
                )
            )
        # Contacts: more in recent years; the latest one agrees the next.
        end = closed or today
        dates = sorted(_date_between(rng, opened, end) for _ in range(rng.randint(2, 14)))
        if closed is None:
            # An active client was seen lately, so the caseload shows a living mix:
            # a few overdue, meetings today and this week, most agreed for later.
            dates.append(max(dates[-1], today - datetime.timedelta(days=rng.randint(1, 45))))
        for position, date in enumerate(dates):
            is_last = position == len(dates) - 1
            next_on = None
            if is_last and closed is None:
                next_on = max(date, today + datetime.timedelta(days=rng.randint(-10, 35)))
            contact = Contact(
                client=client,
                date=date,
                duration_minutes=rng.choice([15, 30, 45, 60, 90]),
                channel=client.usual_channel if rng.random() < 0.6 else rng.choice(channels),
                interpreter_used=client.interpreter_needed,
                agreed_actions="",
                note="",
                next_contact_on=next_on,
                recorded_by=client.caseworker or rng.choice(staff),
            )
            contacts.append(contact)
            contact_topics.append((contact, rng.sample(life_areas, k=rng.randint(1, 3))))
        for when in sorted({_date_between(rng, opened, end) for _ in range(rng.randint(0, 2))}):
            assessment = Assessment(
                client=client, assessed_on=when, assessed_by=client.caseworker or rng.choice(staff)
            )
            assessments.append(assessment)
            assessment_plans.append((assessment, rng.sample(life_areas, k=rng.randint(4, 8))))
        for _ in range(rng.randint(0, 2)):
            start = _date_between(rng, opened, end)
            status = rng.choice(
                [
                    Status.PLANNED,
                    Status.IN_PROGRESS,
                    Status.COMPLETED,
                    Status.COMPLETED,
                    Status.CANCELLED,
                ]
            )
            finished = status in {Status.COMPLETED, Status.CANCELLED}
            interventions.append(
                Intervention(
                    client=client,
                    type=rng.choice(types),
                    start=start,
                    end=_date_between(rng, start, end) if finished else None,
                    status=status,
                    outcome=rng.choice(outcomes) if finished else None,
                )
            )
        if programmes and rng.random() < 0.15:
            enrolled = _date_between(rng, max(opened, programmes[0].start), end)
            enrolments.append(
                Enrolment(client=client, programme=rng.choice(programmes), enrolled_on=enrolled)
            )
    bulk.bulk_create(CaseEpisode, episodes, actor=actor)
    bulk.bulk_link(CaseEpisode.reasons, episode_reasons)
    bulk.bulk_create(BenefitPeriod, benefits, actor=actor)
    bulk.bulk_create(Contact, contacts, actor=actor)
    bulk.bulk_link(Contact.topics, contact_topics)
    bulk.bulk_link(Contact.staff, [(c, [c.recorded_by]) for c in contacts])
    bulk.bulk_create(Assessment, assessments, actor=actor)
    bulk.bulk_create(
        AssessmentItem,
        [
            AssessmentItem(
                assessment=a, life_area=area, status=rng.choice(statuses), need=rng.choice(needs)
            )
            for a, areas in assessment_plans
            for area in areas
        ],
        actor=actor,
    )
    bulk.bulk_create(Intervention, interventions, actor=actor)
    bulk.bulk_create(Enrolment, enrolments, actor=actor)
    caseworkers = {c.caseworker for c in clients if c.caseworker}
    bulk.bulk_create(
        Reminder,
        [
            Reminder(
                owner=owner,
                client=rng.choice([c for c in clients if c.caseworker == owner]),
                text=rng.choice(
                    ["Ring om husleie", "Sjekk svar fra NAV stat", "Følg opp legetime"]
                ),
                due_on=today + datetime.timedelta(days=rng.randint(0, 10)),
            )
            for owner in caseworkers
        ],
        actor=actor,
    )
