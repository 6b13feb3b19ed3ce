"""Named people of the test suite: one user per role and office, and their clients."""

import pytest

from clients.models import Client
from codelists.loader import load_missing_codes
from organisation.models import Office, User
from organisation.roles import Role
from tests.factories import ClientFactory, OfficeFactory, UserFactory, staff


@pytest.fixture
def codes(db: None) -> None:
    """The seeded code lists (a transactional test's flush removes them)."""
    load_missing_codes()


@pytest.fixture
def heimdal(db: None) -> Office:
    return OfficeFactory(name="NAV Heimdal", municipality_number="5001", unit_number="1662")


@pytest.fixture
def sagene(db: None) -> Office:
    return OfficeFactory(name="NAV Sagene", municipality_number="0301", unit_number="0312")


@pytest.fixture
def caseworker_heimdal(heimdal: Office) -> User:
    return staff("veileder.heimdal", Role.CASEWORKER, heimdal)


@pytest.fixture
def coordinator_heimdal(heimdal: Office) -> User:
    return staff("koordinator.heimdal", Role.COORDINATOR, heimdal)


@pytest.fixture
def manager_heimdal(heimdal: Office) -> User:
    return staff("leder.heimdal", Role.MANAGER, heimdal)


@pytest.fixture
def caseworker_sagene(sagene: Office) -> User:
    return staff("veileder.sagene", Role.CASEWORKER, sagene)


@pytest.fixture
def coordinator_sagene(sagene: Office) -> User:
    return staff("koordinator.sagene", Role.COORDINATOR, sagene)


@pytest.fixture
def manager_sagene(sagene: Office) -> User:
    return staff("leder.sagene", Role.MANAGER, sagene)


@pytest.fixture
def researcher(db: None) -> User:
    return staff("forsker", Role.RESEARCHER)


@pytest.fixture
def administrator(db: None) -> User:
    user = staff("admin", Role.ADMINISTRATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def outsider(db: None) -> User:
    """Signed in, but holds no role anywhere."""
    return UserFactory(username="uten.rolle")


@pytest.fixture
def client_heimdal(heimdal: Office) -> Client:
    return ClientFactory(office=heimdal, first_name="Kari", last_name="Testesen")


@pytest.fixture
def client_sagene(sagene: Office) -> Client:
    return ClientFactory(office=sagene, first_name="Ola", last_name="Prøvesen")
