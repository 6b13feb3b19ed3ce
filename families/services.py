"""Workflows of families: create, join, leave, split, services involved."""

import datetime
from collections.abc import Iterable
from typing import Unpack

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from audit.history import one_history_row
from clients.models import Client, age_on, folded_name_contains
from codelists.models import Code
from families.models import (
    Family,
    FamilyContact,
    FamilyMember,
    FamilyService,
    LeisureActivity,
    SchoolStatus,
)
from families.rules import CHILD_MAX_AGE
from followup.services.contacts import ContactFields, contact_log
from organisation.models import Office, User


class MembershipError(Exception):
    """A membership change that would make the family's history wrong; says why."""


@transaction.atomic
def family_create(
    *, office: Office, name: str, coordinator: User | None, created_on: datetime.date
) -> Family:
    return Family.objects.create(
        office=office, name=name, coordinator=coordinator, created_on=created_on
    )


@transaction.atomic
def member_join(
    *,
    family: Family,
    role: str,
    joined_on: datetime.date,
    client: Client | None = None,
    first_name: str = "",
    last_name: str = "",
    birth_date: datetime.date | None = None,
    move: bool = False,
) -> FamilyMember:
    """A person joins the family; ``move``: a client leaves their current family that day."""
    if client is not None:
        if client.office_id != family.office_id:
            raise MembershipError(_("The client belongs to another office."))
        current = (
            FamilyMember.objects.select_for_update()
            .filter(client=client, left_on__isnull=True)
            .select_related("family")
            .first()
        )
        if current is not None:
            if current.family_id == family.pk or not move:
                raise MembershipError(
                    _("%(name)s is already a member of %(family)s.")
                    % {"name": client.full_name, "family": current.family.name}
                )
            if joined_on <= current.joined_on:
                raise MembershipError(_("The move must be after the person joined."))
            # The old membership is closed, never deleted: both families keep their history.
            member_leave(member=current, left_on=joined_on)
    member = FamilyMember(
        family=family,
        client=client,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        role=role,
        joined_on=joined_on,
    )
    member.full_clean()  # FamilyMember.clean: dates within the person's life, no adult child
    member.save()
    return member


@transaction.atomic
def member_leave(*, member: FamilyMember, left_on: datetime.date) -> FamilyMember:
    if member.left_on is not None:
        raise MembershipError(_("This person has already left the family."))
    if left_on < member.joined_on:
        raise MembershipError(_("A person cannot leave before joining."))
    member.left_on = left_on
    member.save()
    return member


@transaction.atomic
def family_split(
    *, family: Family, members: Iterable[FamilyMember], name: str, on: datetime.date
) -> Family:
    """Some members leave to form a new household on a date; both keep their history."""
    moving = list(members)
    if not moving:
        raise MembershipError(_("Choose who moves to the new household."))
    new = Family.objects.create(
        office=family.office,
        name=name,
        coordinator=family.coordinator,
        split_from=family,
        created_on=on,
    )
    for member in moving:
        if member.family_id != family.pk or not member.is_member_on(on):
            raise MembershipError(
                _("%(name)s is not a member of the family on that date.") % {"name": member}
            )
        if on <= member.joined_on:
            raise MembershipError(_("The split must be after the members joined."))
        member_leave(member=member, left_on=on)
        role = member.role
        birth = member.person_birth_date
        if role == FamilyMember.Role.CHILD and birth and age_on(birth, on) > CHILD_MAX_AGE:
            # A grown-up child who moves with a parent is an adult of the new household
            # (FamilyMember.clean would refuse a child of that age, and the move with it).
            role = FamilyMember.Role.OTHER_ADULT
        moved = FamilyMember(
            family=new,
            client=member.client,
            first_name=member.first_name,
            last_name=member.last_name,
            birth_date=member.birth_date,
            role=role,
            joined_on=on,
        )
        moved.full_clean()
        moved.save()
    return new


@transaction.atomic
def service_add(
    *,
    family: Family,
    service: Code,
    since: datetime.date,
    contact_name: str = "",
    contact_phone: str = "",
) -> FamilyService:
    return FamilyService.objects.create(
        family=family,
        service=service,
        since=since,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )


@transaction.atomic
def school_status_record(*, member: FamilyMember, risk: bool, **fields: object) -> SchoolStatus:
    status = SchoolStatus(member=member, **fields)
    status.risk_flagged_on = status.valid_from if risk else None
    status.full_clean()  # SchoolStatus.clean: level, year and status fit; within the child's life
    status.save()
    return status


@transaction.atomic
def leisure_add(*, member: FamilyMember, activity: str, since: datetime.date) -> LeisureActivity:
    activity_ = LeisureActivity(member=member, activity=activity, since=since)
    activity_.full_clean()
    activity_.save()
    return activity_


@transaction.atomic
def family_contact_log(
    *,
    family: Family,
    by: User,
    participants: Iterable[FamilyMember],
    **fields: Unpack[ContactFields],
) -> FamilyContact:
    """One contact with the family, registered on its first participating adult client."""
    members = list(participants)
    primary = next(m.client for m in members if m.client is not None)
    contact = contact_log(client=primary, by=by, **fields)
    family_contact = FamilyContact(contact=contact, family=family)
    with one_history_row(family_contact):
        family_contact.save(force_insert=True)
        family_contact.participants.set(members)
    return family_contact


def family_search(*, user: User, query: str) -> QuerySet[Family]:
    """Families of the user's offices with a member, client or not, matching every word.

    A client member is found by the client's stored folded name, another member by their
    own. Two IN lists rather than one OR across the join to the client: with the OR,
    PostgreSQL scanned every member and client in the country (80 ms nationally).
    """
    clients = Client.objects.visible_to(user).matching_name(query)
    by_client = FamilyMember.objects.filter(client__in=clients.values("pk"))
    by_own_name = FamilyMember.objects.visible_to(user).filter(
        folded_name_contains(query), client=None
    )
    return (
        Family.objects.visible_to(user)
        .filter(Q(pk__in=by_client.values("family_id")) | Q(pk__in=by_own_name.values("family_id")))
        .prefetch_related("memberships")
        .order_by("name")
    )
