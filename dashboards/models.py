"""The dashboard's figures as last counted, for scopes too slow to count on every visit."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from followup.models import Programme


class FigureSnapshot(models.Model):
    """The figures of one scope (offices, period, programme, language) before suppression.

    Kept only where counting took long (the national dashboard), served while fresh
    and refreshed by a worker when stale (dashboards.snapshots). Counts of clients,
    never a person: derived data, so it has no history of its own.
    """

    key = models.CharField(max_length=64)
    office_ids = ArrayField(models.IntegerField())
    start = models.DateField()
    end_month = models.DateField()
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=8)
    figures = models.JSONField()
    counted_at = models.DateTimeField(help_text=_("When the counting began."))
    seconds = models.FloatField(help_text=_("How long the counting took."))
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        constraints = [
            # Serves the lookup of a scope's snapshot on every visit, and the upsert.
            models.UniqueConstraint(fields=["key"], name="figure_snapshot_by_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}–{self.end_month:%Y-%m} ({len(self.office_ids)})"


class FigurePage(models.Model):
    """A dashboard page rendered from kept figures, for one choice of what it shows.

    Protecting every table across hundreds of offices and rendering them takes
    seconds of its own; from the same kept figures the result is the same, so it is
    kept beside them and goes with them: a snapshot counted again drops its pages.
    """

    key = models.CharField(max_length=64)
    snapshot = models.ForeignKey(FigureSnapshot, on_delete=models.CASCADE, related_name="pages")
    # With a programme: the snapshot of all clients its counts are protected against.
    whole = models.ForeignKey(
        FigureSnapshot, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    html = models.TextField()

    class Meta:
        verbose_name = _("dashboard page")
        verbose_name_plural = _("dashboard pages")
        constraints = [
            # Serves the lookup of a rendered page on every visit to a kept scope.
            models.UniqueConstraint(fields=["key"], name="figure_page_by_key")
        ]

    def __str__(self) -> str:
        return self.key[:12]
