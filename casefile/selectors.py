"""The client page's reads: the client with every record the page shows, in few queries."""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Subquery

from clients.models import (
    Assessment,
    AssessmentItem,
    BenefitPeriod,
    CaseEpisode,
    Client,
    ClientMerge,
    Transfer,
)
from families.models import FamilyContact, FamilyMember
from followup.models import Contact, Enrolment, Intervention

TIMELINE_LENGTH = 30


def client_page_queryset() -> QuerySet[Client]:
    """Clients with what their page shows prefetched; the access helper picks the one."""
    transfer = Transfer.latest_into_office()
    clients: QuerySet[Client] = (
        Client.objects.select_related(
            "office",
            "caseworker",
            "language",
            "country_of_birth",
            "settlement_municipality",
            "usual_channel",
        )
        .annotate(
            # The note of a transfer into this office: three columns of the client query
            # rather than one more query of the page.
            transferred_from=Subquery(transfer.values("from_office__name")[:1]),
            transferred_at=Subquery(transfer.values("at")[:1]),
            transfer_reason=Subquery(transfer.values("reason")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "episodes",
                queryset=CaseEpisode.objects.select_related("closing_reason").prefetch_related(
                    "reasons"
                ),
            ),
            Prefetch("benefits", queryset=BenefitPeriod.objects.select_related("kind")),
            Prefetch("merges", queryset=ClientMerge.objects.select_related("by")),
            Prefetch(
                "family_memberships",
                queryset=FamilyMember.objects.filter(left_on__isnull=True).select_related("family"),
            ),
            Prefetch(
                "interventions", queryset=Intervention.objects.select_related("type", "outcome")
            ),
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related(
                    "programme", "outcome", "allocation__arm"
                ),
            ),
        )
    )
    return clients


def client_timeline(client: Client) -> QuerySet[Contact]:
    """The client's latest contacts: their own, and the family contacts they took part in."""
    # The family contacts are looked up first: an OR across the join would keep PostgreSQL
    # from using the index on the client's own contacts (a scan of every contact).
    family_contacts = list(
        FamilyContact.objects.filter(participants__client=client).values_list(
            "contact_id", flat=True
        )
    )
    return (
        Contact.objects.filter(Q(client=client) | Q(pk__in=family_contacts))
        .select_related("channel", "recorded_by")
        .prefetch_related("topics")[:TIMELINE_LENGTH]
    )


def latest_assessments(client: Client) -> list[Assessment]:
    """The client's latest assessment and the one before it (newest first), with their items."""
    return list(
        Assessment.objects.filter(client=client)
        .select_related("assessed_by")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AssessmentItem.objects.select_related("life_area", "status", "need"),
            )
        )[:2]
    )


def client_histories(client: Client) -> list[QuerySet[Any]]:
    """The history rows of the client and of every record of theirs, one queryset per table."""
    return [
        Client.history.filter(id=client.pk),
        # An assessment's content: its life areas (corrected with the same reason).
        AssessmentItem.history.filter(
            assessment_id__in=Assessment.all_objects.filter(client=client).values("pk")
        ),
        *(
            model.history.filter(client_id=client.pk)
            for model in (
                CaseEpisode,
                BenefitPeriod,
                Assessment,
                Transfer,
                Contact,
                Intervention,
                Enrolment,
            )
        ),
    ]
