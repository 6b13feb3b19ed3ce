"""The demo installation: offices and one user per role, all synthetic."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.history import acting_as, system_actor
from codelists.loader import load_missing_codes
from devdata.demo.clients import CLIENTS_PER_OFFICE, seed_clients
from devdata.demo.families import seed_families, seed_plans_and_reviews
from devdata.demo.research import seed_research, seed_school
from organisation.models import Membership, Office, User
from organisation.roles import Role
from organisation.two_factor import enrol_with_secret, has_second_factor

DEMO_PASSWORD = "husk-demo"  # noqa: S105 - documented demo password, demo data only
# Every demo user's authenticator secret (base32), documented beside the password:
# `oathtool --totp -b HUSKDEMOHUSKDEMO` gives the code. Demo data only.
DEMO_TOTP_SECRET = "HUSKDEMOHUSKDEMO"  # noqa: S105

OFFICES = {
    "heimdal": {"name": "NAV Heimdal", "municipality_number": "5001", "unit_number": "1662"},
    "sagene": {"name": "NAV Sagene", "municipality_number": "0301", "unit_number": "0312"},
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    office: str | None = None
    also: tuple[Role, ...] = ()


DEMO_USERS = [
    DemoUser("veileder.heimdal", "Ingrid", "Berg", Role.CASEWORKER, "heimdal"),
    DemoUser("koordinator.heimdal", "Kari", "Nilsen", Role.COORDINATOR, "heimdal"),
    DemoUser("leder.heimdal", "Per", "Hansen", Role.MANAGER, "heimdal"),
    DemoUser(
        "innsyn.heimdal",
        "Jonas",
        "Dahl",
        Role.CASEWORKER,
        "heimdal",
        # Answers clients' requests to see who has read their case (innsyn).
        also=(Role.ACCESS_LOG_READER,),
    ),
    DemoUser("veileder.sagene", "Amir", "Haddad", Role.CASEWORKER, "sagene"),
    DemoUser("koordinator.sagene", "Marte", "Lunde", Role.COORDINATOR, "sagene"),
    DemoUser("leder.sagene", "Ola", "Strand", Role.MANAGER, "sagene"),
    DemoUser("forsker", "Sigrid", "Forsberg", Role.RESEARCHER),
    DemoUser("admin", "Anne", "Admin", Role.ADMINISTRATOR, also=(Role.ACCESS_LOG_READER,)),
]


@transaction.atomic
def seed_organisation(clients_per_office: int = CLIENTS_PER_OFFICE) -> dict[str, Office]:
    """Create the demo offices, users and roles; running it again changes nothing."""
    load_missing_codes()
    actor = system_actor("seed_demo")
    with acting_as(actor):
        offices = {
            key: Office.objects.get_or_create(unit_number=data["unit_number"], defaults=data)[0]
            for key, data in OFFICES.items()
        }
        for demo in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=demo.username,
                defaults={
                    "first_name": demo.first_name,
                    "last_name": demo.last_name,
                    "email": f"{demo.username}@husk.invalid",
                    "is_staff": demo.role == Role.ADMINISTRATOR,
                    "is_superuser": demo.role == Role.ADMINISTRATOR,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if created or not has_second_factor(user):
                # Enrolled with the documented secret, unless enrolled anew since.
                enrol_with_secret(user, DEMO_TOTP_SECRET)
            Membership.objects.get_or_create(
                user=user,
                role=demo.role,
                office=offices[demo.office] if demo.office else None,
            )
            for role in demo.also:
                # Roles without an office (reading the access log is one).
                Membership.objects.get_or_create(user=user, role=role, office=None)
        seed_clients(offices, actor, timezone.localdate(), per_office=clients_per_office)
        # Families are made of the clients: as many as there are adults, at most 80.
        seed_families(offices, actor, timezone.localdate())
        seed_plans_and_reviews(offices, actor, timezone.localdate())
        seed_school(offices, actor, timezone.localdate())
        seed_research(offices, actor, timezone.localdate())
    return offices
