"""Background tasks of research, run by `manage.py db_worker` on any number of machines."""

from django.tasks import task
from django.utils import timezone

from audit.history import acting_as, system_actor
from research import services
from research.models import Export


@task()
def run_export(export_id: int) -> None:
    """Build one requested export; progress and the result are written to its Export row."""
    # Claimed in one statement: a task delivered twice runs once.
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
        status=Export.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    with acting_as(system_actor("research_export")):
        # Archives whose time is up go first: workers are what runs regularly.
        services.exports_expire_due()
        services.export_perform(
            export=Export.objects.select_related("requested_by").get(pk=export_id)
        )
