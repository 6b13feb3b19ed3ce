"""App config for followup."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up")
    # The words the access log and the "who has seen the case" report show for a read on these
    # pages (audit.pages).
    read_pages = {
        "followup:caseload": _("A caseworker's work list"),
        "followup:contact_new": _("Logging a contact"),
    }
    read_area = _("A follow-up page (contacts, interventions, programmes)")

    def ready(self) -> None:
        # Connects the receivers of follow-up's services (a transfer ends enrolments).
        from followup.services import enrolments  # noqa: F401
