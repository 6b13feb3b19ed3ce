"""App config for followup."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        # Connects the receivers of follow-up's services (a transfer ends enrolments).
        from followup import services  # noqa: F401
