"""App config for families."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamiliesConfig(AppConfig):
    name = "families"
    verbose_name = _("Families")
    # The words the access log and the "who has seen the case" report show for a read on these
    # pages (audit.pages).
    read_pages = {
        "families:detail": _("The family page"),
        "families:history": _("The history of the family"),
        "families:plan": _("The family plan"),
        "families:plan_print": _("The family plan, printed"),
        "families:reviews": _("The family's reviews"),
    }
    read_area = _("Another page about the family")
