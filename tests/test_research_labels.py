"""Labels of the research export and its log: every column named for what it holds."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from families.models import FamilyMember, GoalStatus, SchoolStatus
from followup.models import Status
from organisation.models import Office, User
from research.export.tables import SPECS
from research.models import ExportEvent
from tests.research_data import make_project

VALUE_CHOICES = [Status, GoalStatus, FamilyMember.Role, SchoolStatus.Level, SchoolStatus.Status]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_column_is_labelled_with_a_value_of_another_variable(language: str) -> None:
    # "Enrolled" (a programme's start date) once read "Går på skolen", a school status.
    with translation.override(language):
        values = {str(label) for choices in VALUE_CHOICES for _value, label in choices.choices}
        for spec in SPECS.values():
            for column in spec.columns:
                assert str(column.label) not in values, (spec.table, column.name)


def test_the_programme_enrolment_columns_say_what_they_are() -> None:
    with translation.override("nb"):
        labels = {c.name: str(c.label) for c in SPECS["programmes"].columns}
        interventions = {c.name: str(c.label) for c in SPECS["interventions"].columns}
    assert labels["enrolled"] == "Innskrevet"
    assert labels["left"] == "Sluttet i programmet"
    assert (interventions["start"], interventions["end"]) == ("Tiltak startet", "Tiltak avsluttet")


def test_the_export_log_shows_its_details_with_labels(
    client: HttpClient, log_reader: User, researcher: User, heimdal: Office, manager_heimdal: User
) -> None:
    project = make_project([heimdal], members=[researcher], approvers=[manager_heimdal])
    ExportEvent.objects.create(
        project=project,
        kind="requested",
        user=researcher,
        detail={"tables": ["episodes", "persons"], "formats": ["csv", "sav"]},
    )
    ExportEvent.objects.create(
        project=project, kind="downloaded", user=researcher, detail={"archive_sha256": "ab" * 32}
    )
    client.force_login(log_reader)
    page = client.get(reverse("research:export_log")).text
    assert "archive_sha256" not in page
    assert "['episodes'" not in page
    assert "Sjekksum (SHA-256)" in page
    assert "Saker, Personer" in page
    assert "CSV (UTF-8), SPSS (.sav)" in page
