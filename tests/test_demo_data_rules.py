"""The demo and synthetic data keep the rules every form keeps: each record passes full_clean().

The generators write in bulk, past the models' clean(); these tests read every generated
record back and validate it the way an edit of that saved record would be validated (so a
deadline that passed since the action was planned is no refusal), constraints included.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalChanges

from audit.history import acting_as, system_actor
from devdata.demo.families import seed_plans_and_reviews
from devdata.synthetic import Profile, generate
from families.models import Family, PlanAction, Review
from organisation.models import Office

TINY = Profile("tiny", 3, 300, 60, 3_000, 500, 600, 300, 200)
# The records with rules of their own that the demo must contain for the test to mean much.
DEMO_RECORDS_WITH_RULES = {
    "clients.Client",
    "clients.CaseEpisode",
    "clients.BenefitPeriod",
    "clients.Assessment",
    "followup.Contact",
    "followup.Intervention",
    "followup.Programme",
    "followup.Enrolment",
    "families.FamilyMember",
    "families.PlanAction",
    "families.Review",
    "families.SchoolStatus",
}


def project_apps() -> set[str]:
    """The labels of HUSK's own apps (not Django's nor the libraries')."""
    root = Path(settings.BASE_DIR)
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(root) and ".venv" not in Path(config.path).parts
    }


def own_models() -> Iterator[type[models.Model]]:
    """HUSK's concrete models (not their history tables)."""
    labels = project_apps()
    for model in apps.get_models():
        meta = model._meta
        history = issubclass(model, HistoricalChanges)
        if meta.app_label in labels and meta.managed and not meta.proxy and not history:
            yield model


def validate_all() -> tuple[list[str], Counter[str]]:
    """The saved records their model's rules or constraints refuse (with the messages),
    and how many records of each model with rules were validated."""
    labels = project_apps()
    refused, checked = [], Counter[str]()
    for model in own_models():
        # The project's own rules; Django's (a user name without the system actor's colon)
        # are not domain rules, so those models have their constraints checked only.
        has_rules = model.clean.__module__.partition(".")[0] in labels
        # Every row, those entered in error too: their clean() says what applies to them.
        # A record read back is not "adding": it is validated as an edit of it would be.
        for record in model._base_manager.all():
            try:
                if has_rules:
                    record.full_clean()
                    checked[model._meta.label] += 1
                else:
                    record.validate_constraints()
            except ValidationError as error:
                refused.append(f"{model._meta.label} pk={record.pk}: {error.messages}")
    return refused, checked


def assert_none_refused(refused: list[str]) -> None:
    assert not refused, f"{len(refused)} records break their rules:\n" + "\n".join(refused[:50])


def seed_demo() -> None:
    call_command("seed_demo", clients_per_office=20, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_every_demo_record_keeps_its_model_rules(db: None) -> None:
    seed_demo()
    refused, checked = validate_all()
    assert_none_refused(refused)
    assert set(checked) >= DEMO_RECORDS_WITH_RULES
    # Plans made months ago have actions now overdue, as the coordinator's home shows them.
    assert PlanAction.objects.filter(due_on__lt=timezone.localdate()).exists()


def test_a_family_followed_for_a_few_days_gets_reviews_in_those_days_only(db: None) -> None:
    seed_demo()
    today = timezone.localdate()
    office = Office.objects.get(name="NAV Heimdal")
    actor = system_actor("seed_demo")
    with acting_as(actor):
        family = Family.objects.create(
            office=office, name="Familien Ny", created_on=today - datetime.timedelta(days=3)
        )
        seed_plans_and_reviews({"heimdal": office}, actor, today)
    reviews = list(Review.objects.filter(family=family))
    assert reviews
    for review in reviews:
        assert family.created_on <= review.reviewed_on <= today
        review.full_clean()  # one per day, none in the future


@pytest.mark.usefixtures("codes")
def test_every_synthetic_record_keeps_its_model_rules(db: None) -> None:
    generate(TINY, seed=7, say=lambda line: None)
    assert_none_refused(validate_all()[0])
