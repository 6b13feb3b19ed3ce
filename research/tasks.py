"""Background tasks of research, run by `manage.py db_worker` on any number of machines."""

import logging

from django.tasks import task
from django.utils import timezone

from audit.history import acting_as, system_actor
from core.db_router import reading_from_replica
from research import services
from research.models import Export

logger = logging.getLogger(__name__)


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
        export = Export.objects.select_related("requested_by").get(pk=export_id)
        # The export's reads (its data, and the project it checks again) may come from the
        # read replica, a moment behind; its progress, events and access log are writes
        # and go to the primary whatever the context (core.db_router).
        with reading_from_replica():
            services.export_perform(export=export)
        # Archives whose time is up go afterwards (workers are what runs regularly), so that
        # a failure there cannot leave this export unfinished.
        try:
            services.exports_expire_due()
        except Exception:
            logger.exception("Expiring research exports failed")
