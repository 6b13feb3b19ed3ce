"""The synthetic dataset: the profile's counts, plausible and synthetic people, history for all."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Min
from django.utils import timezone

from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode, Client
from clients.national_id import NationalIdKind, parse_national_id
from devdata.synthetic import PROFILES, Profile, generate
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

pytestmark = pytest.mark.usefixtures("codes")
TINY = Profile("tiny", 3, 300, 60, 3_000, 500, 600, 300, 200)


@pytest.fixture
def generated(db: None) -> None:
    generate(TINY, seed=7, say=lambda line: None)


@pytest.mark.usefixtures("generated")
def test_the_profile_is_built_to_its_counts() -> None:
    assert Client.objects.count() == TINY.clients
    assert Family.objects.count() == TINY.families
    for model, wanted in [
        (Contact, TINY.contacts),
        (Intervention, TINY.interventions),
        (BenefitPeriod, TINY.benefit_periods),
        (PlanRevision, TINY.plan_revisions),
    ]:
        assert model.objects.count() == wanted, model
    # Every client has a case episode, and clients are spread over offices of unequal size.
    assert CaseEpisode.objects.values("client").distinct().count() == TINY.clients
    sizes = sorted(
        Client.objects.values("office").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert len(sizes) == TINY.offices
    assert sizes[-1] > sizes[0]


@pytest.mark.usefixtures("generated")
def test_the_people_are_synthetic_and_plausible() -> None:
    today = timezone.localdate()
    for number, birth in Client.objects.exclude(national_id=None).values_list(
        "national_id", "birth_date"
    ):
        parsed = parse_national_id(number, allow_synthetic=True)
        assert parsed.kind == NationalIdKind.SYNTHETIC
        assert parsed.birth_date == birth
    assert Client.objects.values("national_id").distinct().count() == TINY.clients
    oldest = Client.objects.aggregate(first=Min("created_at"))["first"].date()
    assert today - oldest <= datetime.timedelta(days=366 * 10)
    # Most contacts are recent: more in the last three years than in the seven before.
    recent = Contact.objects.filter(date__gte=today - datetime.timedelta(days=3 * 365)).count()
    assert recent > TINY.contacts / 2
    assert not Contact.objects.filter(date__gt=today).exists()
    # Children of school age have a school situation; parents are clients of the office.
    assert FamilyMember.objects.filter(role="child", school__isnull=False).exists()
    assert not FamilyMember.objects.filter(role="parent", client__isnull=True).exists()
    assert Review.objects.count() >= TINY.families
    # Goals are achieved, closed or still open, not all alike.
    assert set(PlanGoal.objects.values_list("status", flat=True)) == {"open", "achieved", "closed"}


@pytest.mark.usefixtures("generated")
def test_every_record_has_its_history_by_the_generator() -> None:
    for model in (
        Client,
        CaseEpisode,
        BenefitPeriod,
        Contact,
        Intervention,
        Assessment,
        AssessmentItem,
        Family,
        FamilyMember,
        FamilyPlan,
        PlanGoal,
        Review,
        ReviewRating,
        SchoolStatus,
    ):
        history = model.history.model  # type: ignore[attr-defined]
        assert history.objects.count() == model.objects.count(), model
        assert set(history.objects.values_list("history_user__username", flat=True)) == {
            "system:generate_synthetic"
        }
    first = Contact.objects.order_by("date").first()
    assert first is not None
    row = Contact.history.filter(id=first.pk).get()  # type: ignore[attr-defined]
    assert row.history_type == "+"
    assert row.history_date.date() == first.recorded_at.date()


@pytest.mark.usefixtures("generated")
def test_the_history_holds_the_links_each_record_was_made_with() -> None:
    """An episode's reasons and a contact's topics are in its "+" row, as a save leaves them."""
    for model, field in [(CaseEpisode, "reasons"), (Contact, "topics")]:
        source = model._meta.model_name + "_id"
        links = model._meta.get_field(field).remote_field.through  # type: ignore[union-attr]
        historical_links = getattr(model.history.model, field).model  # type: ignore[attr-defined]
        assert links.objects.exists(), model
        recorded = historical_links.objects.filter(history__history_type="+")
        assert set(recorded.values_list("history__id", "code_id")) == set(
            links.objects.values_list(source, "code_id")
        ), model


def test_the_command_will_not_mix_with_real_data_unasked(db: None, client_heimdal: Client) -> None:
    with pytest.raises(CommandError, match="--yes"):
        call_command("generate_synthetic", "--profile", "small")


def test_the_profiles_are_those_of_the_performance_document() -> None:
    national = PROFILES["national"]
    assert (national.clients, national.families, national.contacts) == (
        200_000,
        60_000,
        3_000_000,
    )
    assert PROFILES["small"].clients == 2_000
