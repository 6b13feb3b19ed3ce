"""Demo research: children's schooling, an approved project with consents, a study and a sample.

Deterministic where it can be (a seeded random generator); the study's
allocations are drawn as in real use, so their arms differ between installations.
"""

import datetime
import random

from django.db import transaction

from audit import bulk
from audit.history import one_history_row
from clients.models import Client
from families.models import FamilyMember, SchoolStatus
from followup.models import Enrolment, Programme, StudyArm
from followup.services import studies
from organisation.models import Office, User
from organisation.roles import Role
from research import services
from research.models import Consent, ResearchProject, Table

PROJECT_CODE = "fellesprosjektet"
CONSENT_SHARE = 0.7


def _school_level(age: int) -> str:
    if age < 13:
        return SchoolStatus.Level.PRIMARY
    if age < 16:
        return SchoolStatus.Level.LOWER_SECONDARY
    return SchoolStatus.Level.UPPER_SECONDARY


@transaction.atomic
def seed_school(offices: dict[str, Office], actor: User, today: datetime.date) -> int:
    """School situations of the demo families' children aged 6–19, some at risk or dropped out."""
    rng = random.Random(2002)  # noqa: S311 - demo data, not security
    children = (
        FamilyMember.objects.filter(
            family__office__in=offices.values(),
            client__isnull=True,
            birth_date__lte=today - datetime.timedelta(days=6 * 365),
            birth_date__gte=today - datetime.timedelta(days=20 * 365),
        )
        .filter(school__isnull=True)
        .order_by("pk")
    )
    statuses = []
    for child in children:
        assert child.birth_date is not None
        age = (today - child.birth_date).days // 365
        level = _school_level(age)
        started = max(child.joined_on, today - datetime.timedelta(days=rng.randint(30, 700)))
        status = SchoolStatus.Status.ENROLLED
        risk = None
        if level == SchoolStatus.Level.UPPER_SECONDARY:
            roll = rng.random()
            if roll < 0.15:
                status = SchoolStatus.Status.DROPPED_OUT
            elif roll < 0.3:
                risk = started + datetime.timedelta(days=rng.randint(10, 120))
        elif rng.random() < 0.1:
            risk = started + datetime.timedelta(days=rng.randint(10, 120))
        statuses.append(
            SchoolStatus(
                member=child,
                valid_from=started,
                level=level,
                programme="Helse- og oppvekstfag"
                if level == SchoolStatus.Level.UPPER_SECONDARY
                else "",
                year=min(13, max(1, age - 5)),
                status=status,
                risk_flagged_on=min(risk, today) if risk else None,
            )
        )
    bulk.bulk_create(SchoolStatus, statuses, actor=actor)
    return len(statuses)


@transaction.atomic
def seed_research(
    offices: dict[str, Office], actor: User, today: datetime.date
) -> ResearchProject | None:
    """The approved demo project over both demo offices, with `forsker` as a member."""
    if ResearchProject.objects.filter(code=PROJECT_CODE).exists():
        return None
    rng = random.Random(1)  # noqa: S311 - demo data, not security
    project = ResearchProject(
        code=PROJECT_CODE,
        title="Fellesprosjektet – hvem kommer, hva får de, hva virker?",
        institution="NTNU, Institutt for sosialt arbeid (demo)",
        responsible_researcher="Sigrid Forsberg",
        rek_reference="REK 2026/000001 (demo)",
        sikt_reference="Sikt 000001 (demo)",
        legal_basis=ResearchProject.LegalBasis.CONSENT,
        period_start=datetime.date(today.year - 8, 1, 1),
        period_end=datetime.date(today.year + 1, 12, 31),
        tables=list(Table.values),
        expires_on=today + datetime.timedelta(days=2 * 365),
    )
    with one_history_row(project):
        project.save(force_insert=True)
        project.offices.set(offices.values())
        project.members.set(User.objects.filter(username="forsker"))

    clients = list(Client.objects.filter(office__in=offices.values()).order_by("pk"))
    consents = [
        Consent(
            project=project,
            client=client,
            given_on=today - datetime.timedelta(days=rng.randint(30, 700)),
            recorded_by=client.caseworker or actor,
        )
        for client in clients
        if rng.random() < CONSENT_SHARE
    ]
    for consent in consents[:5]:  # a few have changed their minds
        consent.withdrawn_on = today - datetime.timedelta(days=rng.randint(1, 20))
    bulk.bulk_create(Consent, consents, actor=actor)

    _seed_study(offices["sagene"], clients, actor, today, rng)
    for manager in User.objects.filter(
        membership_set__role=Role.MANAGER, membership_set__office__in=offices.values()
    ).distinct():
        services.project_approve(project=project, by=manager)
    services.sample_draw(
        project=project,
        by=actor,
        offices=list(offices.values()),
        criteria={
            "start": project.period_start.isoformat(),
            "end": today.isoformat(),
            "benefit": None,
            "programme": None,
            "refugee_background": True,
        },
        size=40,
        seed=2009,
    )
    return project


def _seed_study(
    office: Office, clients: list[Client], actor: User, today: datetime.date, rng: random.Random
) -> None:
    """A youth job programme run as a randomised study: arms drawn at enrolment."""
    programme, created = Programme.objects.get_or_create(
        office=office,
        name="Jobbsjansen ung – studie",
        defaults={
            "description": "Randomisert utprøving: sommerjobb med mentor mot vanlig oppfølging.",
            "start": today - datetime.timedelta(days=400),
            "study": Programme.Study.RANDOMISED,
        },
    )
    if not created:
        return
    StudyArm.objects.create(programme=programme, name="Sommerjobb med mentor", position=1)
    StudyArm.objects.create(programme=programme, name="Vanlig oppfølging", position=2)
    young = [
        c
        for c in clients
        if c.office_id == office.pk and c.birth_date >= today - datetime.timedelta(days=30 * 365)
    ]
    for client in young[:40]:
        enrolled = today - datetime.timedelta(days=rng.randint(5, 380))
        enrolment = Enrolment.objects.create(
            client=client, programme=programme, enrolled_on=enrolled, index_date=enrolled
        )
        studies.allocation_draw(enrolment=enrolment, by=actor)
