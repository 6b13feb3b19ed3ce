"""App config for clients."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")
    # The words the access log and the "who has seen the case" report show for a read on these
    # pages (audit.pages).
    read_pages = {
        "clients:edit": _("Editing the client"),
        "clients:list": _("The list of clients"),
        # Also listed in the access log itself, where "this report" would name the wrong page.
        "clients:access_report": _("Who has seen the case"),
        "clients:assessment_detail": _("An assessment"),
        "clients:emergency_access": _("Emergency access: a search by national identity number"),
    }
    read_area = _("Another page about the client")

    def ready(self) -> None:
        from clients import readonly

        readonly.connect()
