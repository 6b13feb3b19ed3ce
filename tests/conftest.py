"""Named people of the test suite: one user per role and office, their clients, a task worker."""

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from clients.models import Client
from codelists.loader import load_missing_codes
from organisation.models import Office, User
from organisation.roles import Role
from tests.factories import ClientFactory, MembershipFactory, OfficeFactory, UserFactory, staff
from tests.workers import start_db_worker


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` stands for a whole login, the code step included: the user
    gets a TOTP device (their own if enrolled) and the session counts as verified by it.

    Only the test client's shortcut changes; the login pages, the policies and the middleware
    stay as in production, and tests of two-factor login go through the pages."""
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    original = ClientMixin.force_login

    def force_login(self: ClientMixin, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test ends in the default language: a request in English (core.language)
    leaves its thread in English, and the next test's labels would follow."""
    yield
    translation.deactivate()


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
def manager_of_both(heimdal: Office, sagene: Office) -> User:
    user = staff("leder.begge", Role.MANAGER, heimdal)
    MembershipFactory(user=user, office=sagene, role=Role.MANAGER)
    return User.objects.get(pk=user.pk)


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
def log_reader(db: None) -> User:
    """May read the access log: a role of its own, not the administrator's."""
    return staff("innsyn", Role.ACCESS_LOG_READER)


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


@pytest.fixture(autouse=True)
def exports_directory(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Export archives of a test go to a directory of its own, not to ./var/exports."""
    location = tmp_path_factory.mktemp("exports")
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": str(location)}},
    }
    return location


@pytest.fixture
def task_worker(
    transactional_db: None, exports_directory: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `manage.py db_worker` process on the test database, as in production."""
    worker = start_db_worker(env={"RESEARCH_EXPORT_DIR": str(exports_directory)})
    yield worker
    worker.terminate()
    worker.wait(timeout=30)
