"""App config for dashboards."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")
    # The words the access log and the "who has seen the case" report show for a read on these
    # pages (audit.pages).
    read_pages = {"dashboards:emergency_access": _("Emergency accesses, for their follow-up")}

    def ready(self) -> None:
        post_migrate.connect(forget_kept_figures, sender=self, dispatch_uid="dashboards.forget")


def forget_kept_figures(using: str, **_: Any) -> None:
    """Every deploy runs `migrate`: the figures and pages kept by the version before go, as
    its counting, its suppression or its templates may have changed (dashboards.snapshots)."""
    from django.db import connections

    from dashboards.models import FigureSnapshot

    # Not where this migrate stopped short of creating the table (`migrate <app> <name>`).
    if FigureSnapshot._meta.db_table in connections[using].introspection.table_names():
        FigureSnapshot.objects.using(using).all().delete()  # and their pages with them
