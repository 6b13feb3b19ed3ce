"""A small population with every kind of record, for the research export tests.

Every person has a national id, a name, a phone number and notes that must
never reach an export: the names and the canary are distinctive, so a scan of
the exported cells finds them if they leak.
"""

import datetime
from dataclasses import dataclass, field

from audit.history import acting_as, system_actor
from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode, Client
from clients.national_id import synthetic_national_id
from codelists.models import CodeList
from families.models import (
    Family,
    FamilyMember,
    FamilyPlan,
    FamilyService,
    PlanGoal,
    Review,
    ReviewRating,
    SchoolStatus,
)
from followup.models import Contact, Enrolment, Intervention, Programme
from organisation.models import Office, User
from research import services
from research.models import Consent, ResearchProject, Table
from tests.dates import today
from tests.factories import code

CANARY = "KANARIFUGL-7f3a91"


def data_start() -> datetime.date:
    """The first day of the synthetic data: 1 January five years ago."""
    return datetime.date(today().year - 5, 1, 1)


@dataclass
class Population:
    clients: list[Client] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    national_ids: list[str] = field(default_factory=list)


def _name(i: int) -> tuple[str, str]:
    # Distinctive, so that a leak is found and nothing else matches by chance.
    letters = "bcdfghjklmnpqrstvwxz"
    return f"Qy{letters[i % 20]}{letters[i // 20 % 20]}ne", f"Zorvath{letters[i % 7]}sen"


def make_population(office: Office, author: User, *, size: int = 30, first: int = 0) -> Population:
    """Clients with episodes, benefits, assessments, contacts, interventions and programmes."""
    population = Population()
    with acting_as(system_actor("tests")):
        programme, _ = Programme.objects.get_or_create(
            office=office,
            name='=HYPERLINK("http://angrep.invalid")',  # a formula a spreadsheet would run
            defaults={"start": data_start()},
        )
        for i in range(first, first + size):
            born = datetime.date(1960 + i % 40, 1 + i % 12, 1 + i % 27)
            first_name, last_name = _name(i)
            phone = f"9{i:07d}"
            national_id = synthetic_national_id(born, i % 30)
            client = Client.objects.create(
                office=office,
                first_name=first_name,
                last_name=last_name,
                national_id=national_id,
                birth_date=born,
                gender="F" if i % 2 else "M",
                phone=phone,
                email=f"{first_name.lower()}@example.invalid",
                address=f"{CANARY} gate {i}",
                country_of_birth=code(CodeList.COUNTRY, "SYR" if i % 3 else "NOR"),
                refugee_background=bool(i % 3),
                arrival_year=2015 + i % 5 if i % 3 else None,
                caseworker=author,
            )
            population.clients.append(client)
            population.names += [first_name, last_name]
            population.phones.append(phone)
            population.national_ids.append(national_id)
            opened = data_start() + datetime.timedelta(days=30 * (i % 20))
            episode = CaseEpisode.objects.create(client=client, opened_on=opened)
            episode.reasons.set([code(CodeList.CONTACT_REASON, "no_income")])
            BenefitPeriod.objects.create(
                client=client,
                kind=code(CodeList.BENEFIT_KIND, "okonomisk_sosialhjelp_full"),
                start=opened,
                end=opened + datetime.timedelta(days=200),
            )
            assessment = Assessment.objects.create(
                client=client, assessed_on=opened, assessed_by=author
            )
            AssessmentItem.objects.create(
                assessment=assessment,
                life_area=code(CodeList.LIFE_AREA, "work"),
                status=code(CodeList.ASSESSMENT_STATUS, "3"),
                need=code(CodeList.NEED_LEVEL, "some"),
            )
            for n in range(3):
                contact = Contact.objects.create(
                    client=client,
                    date=opened + datetime.timedelta(days=40 * n),
                    channel=code(CodeList.CONTACT_CHANNEL, "office_meeting"),
                    note=f"{CANARY} {first_name} {last_name} ringte fra {phone} ({national_id})",
                    agreed_actions=f"{CANARY} søke jobb",
                    recorded_by=author,
                )
                contact.topics.set([code(CodeList.LIFE_AREA, "work")])
            Intervention.objects.create(
                client=client,
                type=code(CodeList.INTERVENTION_TYPE, "work_training"),
                provider=f"{CANARY} AS",
                start=opened + datetime.timedelta(days=60),
                end=opened + datetime.timedelta(days=150),
                status="completed",
                outcome=code(CodeList.INTERVENTION_OUTCOME, "into_work_full"),
            )
            Enrolment.objects.create(client=client, programme=programme, enrolled_on=opened)
    return population


def make_family(office: Office, parent: Client) -> Family:
    """A family around one client: a child in upper secondary, a plan and a review."""
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=office, name=f"Familien {CANARY}", created_on=data_start()
        )
        FamilyMember.objects.create(
            family=family, client=parent, role="parent", joined_on=data_start()
        )
        child = FamilyMember.objects.create(
            family=family,
            first_name="Qyxbarn",
            last_name=parent.last_name,
            birth_date=datetime.date(today().year - 17, 5, 5),
            role="child",
            joined_on=data_start(),
        )
        SchoolStatus.objects.create(
            member=child,
            valid_from=data_start() + datetime.timedelta(days=100),
            level="upper_secondary",
            programme=f"{CANARY} linje",
            year=11,
            status="dropped_out",
        )
        FamilyService.objects.create(
            family=family,
            service=code(CodeList.PARTICIPANT_SERVICE, "school"),
            contact_name=f"{CANARY} lærer",
            contact_phone="22334455",
            since=data_start(),
        )
        plan = FamilyPlan.objects.create(family=family, created_on=data_start())
        PlanGoal.objects.create(
            plan=plan, life_area=code(CodeList.LIFE_AREA, "housing"), text=f"{CANARY} større bolig"
        )
        review = Review.objects.create(
            family=family,
            reviewed_on=data_start() + datetime.timedelta(days=200),
            by=User.objects.get(username="system:tests"),
            works=f"{CANARY} fungerer",
        )
        ReviewRating.objects.create(
            review=review, life_area=code(CodeList.LIFE_AREA, "housing"), rating=4
        )
    return family


def make_project(
    offices: list[Office],
    *,
    members: list[User],
    approvers: list[User],
    legal_basis: str = ResearchProject.LegalBasis.EXEMPTION,
    code_name: str = "studie",
    **extra: object,
) -> ResearchProject:
    with acting_as(system_actor("tests")):
        project = ResearchProject.objects.create(
            code=code_name,
            title=f"Studie {code_name}",
            institution="NTNU",
            responsible_researcher="Forsker Forsberg",
            legal_basis=legal_basis,
            period_start=data_start(),
            period_end=datetime.date(today().year, 12, 31),
            tables=list(Table.values),
            expires_on=today() + datetime.timedelta(days=365),
            **extra,
        )
        project.offices.set(offices)
        project.members.set(members)
    for approver in approvers:
        services.project_approve(project=project, by=approver)
    return project


def consent_all(project: ResearchProject, clients: list[Client], by: User) -> list[Consent]:
    with acting_as(system_actor("tests")):
        return [
            Consent.objects.create(
                project=project,
                client=client,
                given_on=today() - datetime.timedelta(days=10),
                recorded_by=by,
            )
            for client in clients
        ]
