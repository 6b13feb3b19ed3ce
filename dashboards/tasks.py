"""Background tasks of the dashboards, run by `manage.py db_worker` on any number of machines."""

from django.tasks import task

from dashboards import snapshots


@task()
def refresh_snapshot(snapshot_id: int) -> None:
    """Count a kept dashboard scope again (dashboards.snapshots)."""
    snapshots.refresh(snapshot_id)
