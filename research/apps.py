"""App config for research."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "research"
    verbose_name = _("Research")
    # The words the access log and the "who has seen the case" report show for a read on these
    # pages (audit.pages).
    read_pages = {
        "research:export": _("An anonymised research export (no name or number)"),
        "research:client_consents": _("Research consents"),
        "research:sampled_clients": _("Clients drawn for a research sample"),
    }
    read_area = _("A research page")
