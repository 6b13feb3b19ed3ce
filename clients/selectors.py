"""Reads of the client register: search, possible duplicates, a client's merged records."""

import datetime
from difflib import SequenceMatcher

from django.db.models import QuerySet

from clients.folding import fold
from clients.models import BenefitPeriod, CaseEpisode, Client
from codelists.models import Code
from core.periods import overlapping
from organisation.models import User

# How alike two folded full names must be to count as a possible duplicate.
SIMILAR_NAME = 0.75


def identifier_in(query: str) -> tuple[str, str] | None:
    """("national_id" or "duf_number", the digits) where the query is a number, not a name."""
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) < len(query.replace(" ", "")) - 2:
        return None
    return {11: ("national_id", digits), 12: ("duf_number", digits)}.get(len(digits))


def client_search(*, user: User, query: str) -> QuerySet[Client]:
    """Clients of the user's offices by national id (11 digits), DUF number or by name."""
    clients = (
        Client.objects.visible_to(user)
        .exclude(status=Client.Status.MERGED)
        .select_related("office", "caseworker")
    )
    if identifier := identifier_in(query):
        field, digits = identifier
        return clients.filter(**{field: digits})
    return clients.matching_name(query)


def possible_duplicates(
    *,
    user: User,
    first_name: str,
    last_name: str,
    birth_date: datetime.date | None,
    exclude_pk: int | None = None,
) -> list[Client]:
    """Clients of the user's offices with the same date of birth and a similar name.

    Case, accents and æøå are folded: "Østby" and "Ostby" match. (The same
    national id is refused outright by the form.)
    """
    visible = (
        Client.objects.visible_to(user)
        .exclude(status=Client.Status.MERGED)
        .select_related("office")
    )
    if exclude_pk is not None:
        visible = visible.exclude(pk=exclude_pk)
    found: dict[int, Client] = {}
    if birth_date:
        wanted = fold(f"{first_name} {last_name}")
        for candidate in visible.filter(birth_date=birth_date):
            name = fold(f"{candidate.first_name} {candidate.last_name}")
            if SequenceMatcher(None, wanted, name).ratio() >= SIMILAR_NAME:
                found[candidate.pk] = candidate
    return list(found.values())


def records_of(client: Client) -> list[int]:
    """The client's record and every record merged into it, however many merges back."""
    records, newest = [client.pk], [client.pk]
    while newest := list(
        Client.objects.filter(merged_into__in=newest).values_list("pk", flat=True)
    ):
        records += newest
    return records


def other_open_episode(client: Client, exclude_pk: int | None = None) -> CaseEpisode | None:
    """The client's open episode other than exclude_pk, the latest if several."""
    episodes = CaseEpisode.objects.filter(client=client, closed_on__isnull=True)
    if exclude_pk is not None:
        episodes = episodes.exclude(pk=exclude_pk)
    return episodes.order_by("-opened_on", "-pk").first()


def overlapping_benefit(
    *,
    client: Client,
    kind: Code,
    start: datetime.date,
    end: datetime.date | None,
    exclude_pk: int | None = None,
) -> BenefitPeriod | None:
    """Another period of the same kind sharing at least one day (both ends inclusive)."""
    periods = BenefitPeriod.objects.filter(overlapping("start", "end", start, end)).filter(
        client=client, kind=kind
    )
    if exclude_pk is not None:
        periods = periods.exclude(pk=exclude_pk)
    return periods.order_by("start", "pk").first()
