"""Synthetic demo families: households of an office's clients with children, over time."""

import datetime
import random

from django.db import transaction

from audit import bulk
from clients.models import Client
from codelists.models import Code, CodeList
from families.models import Family, FamilyMember, FamilyService
from husk.demo_clients import BACKGROUNDS, NORWEGIAN_FIRST
from organisation.models import Office, User
from organisation.roles import Role

FAMILIES_PER_OFFICE = 80


@transaction.atomic
def seed_families(
    offices: dict[str, Office],
    actor: User,
    today: datetime.date,
    per_office: int = FAMILIES_PER_OFFICE,
) -> int:
    rng = random.Random(71)  # noqa: S311 - demo data, not security
    services = list(Code.objects.offered(CodeList.PARTICIPANT_SERVICE))
    made = 0
    for office in offices.values():
        if Family.objects.filter(office=office).exists():
            continue
        coordinator = User.objects.filter(
            membership_set__office=office, membership_set__role=Role.COORDINATOR
        ).first()
        adults = list(
            Client.objects.filter(office=office, status=Client.Status.ACTIVE)
            .filter(birth_date__lte=today - datetime.timedelta(days=24 * 365))
            .select_related("country_of_birth")
            .order_by("pk")
        )
        rng.shuffle(adults)
        families, members, family_services = [], [], []
        for adult in adults[:per_office]:
            since = today - datetime.timedelta(days=rng.randint(60, 4 * 365))
            families.append(
                Family(
                    office=office,
                    name=f"Familien {adult.last_name}",
                    coordinator=coordinator,
                    created_on=since,
                )
            )
        families = bulk.bulk_create(Family, families, actor=actor)
        for family, adult in zip(families, adults, strict=False):
            since = family.created_on
            members.append(
                FamilyMember(
                    family=family, client=adult, role=FamilyMember.Role.PARENT, joined_on=since
                )
            )
            country = adult.country_of_birth.code if adult.country_of_birth else "NOR"
            first_names = BACKGROUNDS[country][0] if country in BACKGROUNDS else NORWEGIAN_FIRST
            for _ in range(rng.randint(1, 4)):
                born = _child_birth_date(rng, adult.birth_date, today)
                joined = max(since, born)
                left = None
                if rng.random() < 0.12:  # a young adult moves out
                    left = _between(rng, joined, today)
                members.append(
                    FamilyMember(
                        family=family,
                        first_name=rng.choice(first_names),
                        last_name=adult.last_name,
                        birth_date=born,
                        role=FamilyMember.Role.CHILD,
                        joined_on=joined,
                        left_on=left,
                    )
                )
            for service in rng.sample(services, k=rng.randint(1, 3)):
                family_services.append(
                    FamilyService(
                        family=family,
                        service=service,
                        since=_between(rng, since, today),
                        contact_name=rng.choice(
                            ["Kontaktlærer", "Saksbehandler", "Helsesykepleier", "Fastlege"]
                        ),
                    )
                )
        bulk.bulk_create(FamilyMember, members, actor=actor)
        bulk.bulk_create(FamilyService, family_services, actor=actor)
        made += len(families)
    return made


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _child_birth_date(
    rng: random.Random, parent: datetime.date, today: datetime.date
) -> datetime.date:
    earliest = parent + datetime.timedelta(days=18 * 365)
    latest = min(today - datetime.timedelta(days=30), parent + datetime.timedelta(days=45 * 365))
    return _between(rng, earliest, max(earliest, latest))
