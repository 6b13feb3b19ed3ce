"""Registering, editing and searching clients: validation, duplicates, conflicts, logging."""

import datetime
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from audit.models import AccessLog
from clients.models import Client, Transfer
from clients.national_id import synthetic_national_id
from clients.services import registration
from organisation.models import Office, User
from tests.factories import ClientFactory

pytestmark = pytest.mark.usefixtures("codes")

BIRTH = datetime.date(1985, 4, 17)


def form_data(office: Office, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Sara",
        "last_name": "Østbø",
        "national_id": synthetic_national_id(BIRTH, 1, gender="F"),
        "duf_number": "",
        "birth_date": "",
        "gender": "U",
        "office": office.pk,
        "caseworker": "",
        "status": "active",
        "arrival_year": "",
    }
    data.update(overrides)
    return data


def test_registration_takes_birth_date_and_gender_from_the_national_id(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(reverse("clients:register"), form_data(heimdal))
    created = Client.objects.get()
    assert response.status_code == 302
    assert (created.birth_date, created.gender) == (BIRTH, "F")
    assert created.history.get().history_user == caseworker_heimdal


@pytest.mark.parametrize(
    ("national_id", "message"),
    [
        ("12345678901", "kontrollsifrene stemmer ikke"),
        ("1234", "11 sifre"),
    ],
)
def test_a_bad_national_id_is_refused_in_norwegian_and_nothing_is_saved(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, national_id: str, message: str
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(reverse("clients:register"), form_data(heimdal, national_id=national_id))
    assert response.status_code == 200
    assert message in response.text.lower()
    assert not Client.objects.exists()


def test_synthetic_ids_are_refused_unless_allowed(
    settings: object, client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    settings.ALLOW_SYNTHETIC_IDS = False  # type: ignore[attr-defined]
    client.force_login(caseworker_heimdal)
    response = client.post(reverse("clients:register"), form_data(heimdal))
    assert "Syntetiske testnumre godtas ikke" in response.text
    assert not Client.objects.exists()


def test_a_future_birth_date_is_refused(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    client.force_login(caseworker_heimdal)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("clients:register"),
        form_data(heimdal, national_id="", birth_date=tomorrow.isoformat()),
    )
    assert "Fødselsdatoen kan ikke være fram i tid" in response.text
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_date": "1800-01-01"}, "birth_date", "Fødselsdatoen kan ikke være før 01.01.1900."),
        ({"arrival_year": "1899"}, "arrival_year", "mellom 1900 og i år"),
        ({"birth_date": "1990-01-01", "arrival_year": "1985"}, "arrival_year", "før fødselsdatoen"),
    ],
    ids=["born-1800", "arrived-1899", "arrived-before-birth"],
)
def test_impossible_dates_are_refused_at_their_field(
    client: HttpClient,
    caseworker_heimdal: User,
    heimdal: Office,
    overrides: dict[str, str],
    field: str,
    message: str,
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:register"),
        form_data(heimdal, **{"national_id": "", "birth_date": BIRTH.isoformat(), **overrides}),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert len(errors) == 1
    assert message in errors[0]
    assert not Client.objects.exists()


def test_a_possible_duplicate_is_shown_before_saving(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    existing = ClientFactory(office=heimdal, first_name="Sara", last_name="Ostbo", birth_date=BIRTH)
    client.force_login(caseworker_heimdal)
    data = form_data(heimdal, national_id="", birth_date=BIRTH.isoformat())
    response = client.post(reverse("clients:register"), data)
    assert 'data-testid="duplicates"' in response.text
    assert existing.get_absolute_url() in response.text
    assert Client.objects.count() == 1
    confirmed = client.post(reverse("clients:register"), {**data, "confirm_new": "1"})
    assert confirmed.status_code == 302
    assert Client.objects.count() == 2


def test_a_national_id_registered_at_another_office_is_named_not_shown(
    client: HttpClient, caseworker_sagene: User, heimdal: Office, sagene: Office
) -> None:
    number = synthetic_national_id(BIRTH, 1, gender="F")
    ClientFactory(office=heimdal, national_id=number, birth_date=BIRTH, last_name="Skjult")
    client.force_login(caseworker_sagene)
    response = client.post(reverse("clients:register"), form_data(sagene, national_id=number))
    assert "allerede registrert ved NAV Heimdal" in response.text
    assert "Skjult" not in response.text
    assert Client.objects.count() == 1


def test_search_by_name_ignores_case_and_accents_and_stays_in_own_offices(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, sagene: Office
) -> None:
    own = ClientFactory(office=heimdal, first_name="Åse", last_name="Østbø")
    ClientFactory(office=sagene, first_name="Åse", last_name="Østbø-Lie")
    client.force_login(caseworker_heimdal)
    response = client.post(reverse("clients:search"), {"query": "ase OSTBO"})
    assert own.get_absolute_url() in response.text
    assert "Østbø-Lie" not in response.text
    entry = AccessLog.objects.get(action=AccessLog.Action.SEARCH)
    assert entry.client_ids == [own.pk]


def test_search_by_national_id_is_exact_and_never_in_the_url(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    number = synthetic_national_id(BIRTH, 2, gender="M")
    found = ClientFactory(office=heimdal, national_id=number, birth_date=BIRTH)
    client.force_login(caseworker_heimdal)
    assert client.get(reverse("clients:search"), {"query": number}).status_code == 200
    assert not AccessLog.objects.filter(
        action=AccessLog.Action.SEARCH
    ).exists()  # GET searches nothing
    response = client.post(reverse("clients:search"), {"query": f"{number[:6]} {number[6:]}"})
    assert found.get_absolute_url() in response.text
    assert not re.search(
        r"\d{11}", response.request["PATH_INFO"] + response.request.get("QUERY_STRING", "")
    )


def test_a_stale_edit_is_refused_with_what_changed(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, first_name="Per", last_name="Hansen", phone="")
    base = form_data(
        heimdal,
        national_id="",
        birth_date=person.birth_date.isoformat(),
        first_name="Per",
        last_name="Hansen",
        version=person.version,
    )
    client.force_login(coordinator_heimdal)
    assert (
        client.post(person.get_absolute_url() + "edit/", {**base, "phone": "41000000"}).status_code
        == 302
    )
    client.force_login(caseworker_heimdal)
    stale = client.post(person.get_absolute_url() + "edit/", {**base, "last_name": "Hansen-Berg"})
    assert stale.status_code == 409
    assert 'data-testid="conflict"' in stale.text
    assert "41000000" in stale.text  # what the other person changed
    assert 'value="Hansen-Berg"' in stale.text  # what this user typed is kept
    person.refresh_from_db()
    assert (person.phone, person.last_name, person.version) == ("41000000", "Hansen", 2)
    assert person.history.count() == 2


def test_changing_the_caseworker_records_a_transfer(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    data = form_data(
        heimdal,
        national_id="",
        birth_date=person.birth_date.isoformat(),
        first_name=person.first_name,
        last_name=person.last_name,
        caseworker=coordinator_heimdal.pk,
        version=person.version,
    )
    assert client.post(person.get_absolute_url() + "edit/", data).status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.from_caseworker, transfer.to_caseworker, transfer.by) == (
        caseworker_heimdal,
        coordinator_heimdal,
        caseworker_heimdal,
    )


def test_other_office_cannot_edit(
    client: HttpClient, caseworker_sagene: User, heimdal: Office
) -> None:
    with acting_as(system_actor("tests")):
        person = ClientFactory(office=heimdal)
    client.force_login(caseworker_sagene)
    for method in ("get", "post"):
        assert getattr(client, method)(person.get_absolute_url() + "edit/").status_code == 404


def test_transfer_to_another_office_is_recorded_and_moves_access(
    client: HttpClient,
    caseworker_heimdal: User,
    caseworker_sagene: User,
    heimdal: Office,
    sagene: Office,
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:transfer", args=[person.pk]),
        {"to_office": sagene.pk, "reason": "Flyttet til Oslo"},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.from_office, transfer.to_office, transfer.by, transfer.reason) == (
        heimdal,
        sagene,
        caseworker_heimdal,
        "Flyttet til Oslo",
    )
    assert client.get(person.get_absolute_url()).status_code == 404  # no longer Heimdal's
    client.force_login(caseworker_sagene)
    assert client.get(person.get_absolute_url()).status_code == 200
    person.refresh_from_db()
    assert person.caseworker is None
    assert person.history.latest().history_user == caseworker_heimdal


def test_transfer_needs_a_reason(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, sagene: Office
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_heimdal)
    client.post(
        reverse("clients:transfer", args=[person.pk]), {"to_office": sagene.pk, "reason": ""}
    )
    person.refresh_from_db()
    assert person.office == heimdal
    assert not Transfer.objects.exists()


def test_search_results_cost_the_same_for_many_hits(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(caseworker_heimdal)
    ClientFactory(office=heimdal, last_name="Nordmann")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.post(reverse("clients:search"), {"query": "nordmann"}).status_code == 200
        return len(queries)

    few = count()
    ClientFactory.create_batch(20, office=heimdal, last_name="Nordmann")
    assert count() == few


def test_name_search_compares_stored_folded_names_not_folding_every_row(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    """Folding each name in the query took 90 ms per office nationally: only the searched
    words are folded; the names are folded once, when saved (Client.folded_name)."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ClientFactory(office=heimdal, first_name="Åse", last_name="Østbø")
    client.force_login(caseworker_heimdal)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("clients:search"), {"query": "ostbo"})
    assert "Østbø" in response.text
    searching = [q["sql"] for q in queries if "husk_fold(" in q["sql"]]
    assert len(searching) == 2  # the clients and the families
    for sql in searching:
        assert '"folded_name"' in sql
        assert re.findall(r"husk_fold\(+(?!')", sql) == []


def test_a_number_search_does_not_scan_families_by_name(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    """A national id or DUF number names one client: only names lead to families."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    number = synthetic_national_id(BIRTH, 3, gender="F")
    found = ClientFactory(office=heimdal, national_id=number, birth_date=BIRTH)
    client.force_login(caseworker_heimdal)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("clients:search"), {"query": number})
    assert found.get_absolute_url() in response.text
    assert not [q for q in queries if "families_familymember" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("clients:search"), {"query": found.last_name})
    assert [q for q in queries if "families_familymember" in q["sql"]]


def test_a_client_is_never_registered_without_its_history(
    heimdal: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client row and its first history row are written in one transaction."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("history table unavailable")

    monkeypatch.setattr(Client.history.model, "save", refuse)
    with acting_as(system_actor("tests")), pytest.raises(RuntimeError):
        registration.client_register(
            first_name="Sara", last_name="Østbø", birth_date=BIRTH, office=heimdal
        )
    assert not Client.objects.filter(last_name="Østbø").exists()
