"""Background tasks of research, run by `manage.py db_worker` on any number of machines."""

from django.tasks import task

from audit.history import acting_as, system_actor
from research import services
from research.models import Export


@task()
def run_export(export_id: int) -> None:
    """Build one requested export; progress and the result are written to its Export row."""
    export = Export.objects.select_related("requested_by").get(pk=export_id)
    if export.status != Export.Status.QUEUED:
        return  # already run (a task delivered twice does nothing the second time)
    with acting_as(system_actor("research_export")):
        services.export_perform(export=export)
