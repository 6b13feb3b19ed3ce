"""The benchmark's hand-written dashboard statement counts what the dashboard counts."""

import datetime

import pytest
from django.db import connection

from audit.history import acting_as, system_actor
from dashboards import figures
from dashboards.figures import Scope
from devdata.bench.dashboard_sql import dashboard_sql
from organisation.models import Office
from tests.test_dashboard_outcomes import families_rated, interventions_ended

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date


def test_the_statement_counts_outcomes_and_changes_per_office_as_the_dashboard(
    heimdal: Office, sagene: Office
) -> None:
    with acting_as(system_actor("tests")):
        interventions_ended(heimdal, "work_training", "into_work_full", 2)
        interventions_ended(sagene, "work_training", "into_work_full", 3)
        families_rated(heimdal, [2, 3])
        families_rated(sagene, [-1])
    start, end = D(2025, 1, 1), D(2025, 6, 30)
    with connection.cursor() as cursor:
        cursor.execute(dashboard_sql([heimdal.pk, sagene.pk], start, end, end))
        rows = cursor.fetchall()
    by_figure: dict[str, dict[int, float]] = {}
    for figure, _key, office, value in rows:
        if figure in {"interventions", "quality_families", "quality_change"}:
            by_figure.setdefault(figure, {})[office] = float(value)
    scope = Scope(offices=(heimdal, sagene), start=start, end=end)
    _types, _outcomes, matrices = figures.interventions_by_type_and_outcome(scope)
    assert by_figure["interventions"] == {o: m[0][0] for o, m in matrices.items()}
    ((_area, families, changes),) = figures.quality_of_life(scope)
    assert by_figure["quality_families"] == families
    assert by_figure["quality_change"] == changes
