"""App config of the case file (the client page, its history and the search across apps)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasefileConfig(AppConfig):
    name = "casefile"
    verbose_name = "Case file"  # no models: never shown
    # The words the access log and the "who has seen the case" report show for a read on these
    # pages (audit.pages). They keep the clients' URL names (husk.urls mounts them there).
    read_pages = {
        "clients:detail": _("The client page"),
        "clients:history": _("The history of the case"),
        "clients:search": _("A search"),
    }
