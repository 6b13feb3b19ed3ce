"""The domain rules of clients and their records hold for services and the database too."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.history import acting_as, system_actor
from clients import assessments
from clients.models import BenefitPeriod, CaseEpisode, Client
from clients.services import episodes, registration
from codelists.models import CodeList
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
DAY = datetime.timedelta(days=1)
BIRTH = datetime.date(1990, 3, 1)


@pytest.fixture
def person(heimdal: Office) -> Client:
    return ClientFactory(office=heimdal, birth_date=BIRTH)


def test_the_register_service_refuses_a_birth_date_of_1800(heimdal: Office) -> None:
    with acting_as(system_actor("tests")), pytest.raises(ValidationError) as refused:
        registration.client_register(
            first_name="Ola",
            last_name="Test",
            office=heimdal,
            birth_date=datetime.date(1800, 1, 1),
        )
    assert "birth_date" in refused.value.message_dict
    assert not Client.objects.exists()


def test_the_database_refuses_a_birth_date_before_1900(person: Client) -> None:
    person.birth_date = datetime.date(1899, 12, 31)
    # save() skips clean(): the constraint is the last line of defence.
    with acting_as(system_actor("tests")), pytest.raises(IntegrityError), transaction.atomic():
        person.save()


def test_the_episode_service_refuses_a_future_opening(person: Client) -> None:
    with acting_as(system_actor("tests")), pytest.raises(ValidationError):
        episodes.episode_open(
            client=person,
            opened_on=today() + DAY,
            reasons=[code(CodeList.CONTACT_REASON, "no_income")],
        )
    assert not CaseEpisode.objects.exists()


def test_the_episode_service_refuses_a_closing_in_the_future(person: Client) -> None:
    with acting_as(system_actor("tests")):
        episode = CaseEpisode.objects.create(client=person, opened_on=today() - 10 * DAY)
        episode.closed_on = today() + DAY
        episode.closing_reason = code(CodeList.CLOSING_REASON, "moved")
        with pytest.raises(ValidationError) as refused:
            episodes.episode_update(episode=episode, reasons=[], expected_version=1)
    assert set(refused.value.message_dict) == {"closed_on"}


def test_the_benefit_service_refuses_a_start_years_ahead_and_before_birth(person: Client) -> None:
    kind = code(CodeList.BENEFIT_KIND, "aap")
    with acting_as(system_actor("tests")):
        for start in (today() + 800 * DAY, BIRTH - DAY):
            with pytest.raises(ValidationError):
                episodes.benefit_add(client=person, kind=kind, start=start, end=None)
    assert not BenefitPeriod.objects.exists()


def test_the_assessment_service_refuses_a_second_on_one_day(
    person: Client, caseworker_heimdal: User
) -> None:
    rating = assessments.Rating(
        life_area=code(CodeList.LIFE_AREA, "housing"),
        status=code(CodeList.ASSESSMENT_STATUS, "3"),
        need=code(CodeList.NEED_LEVEL, "some"),
    )
    with acting_as(caseworker_heimdal):
        assessments.assessment_record(
            client=person, by=caseworker_heimdal, assessed_on=today(), items=[rating]
        )
        for when in (today(), today() + DAY, BIRTH - DAY):
            with pytest.raises(ValidationError):
                assessments.assessment_record(
                    client=person, by=caseworker_heimdal, assessed_on=when, items=[rating]
                )
    assert person.assessments.count() == 1
