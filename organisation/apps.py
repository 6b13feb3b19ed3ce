"""App config for the organisation app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = _("Organisation")
    # The words the access log and the "who has seen the case" report show for a read on these
    # pages (audit.pages).
    read_pages = {"organisation:access_log": _("The access log")}

    def ready(self) -> None:
        # The login stamp's receiver lives beside the middleware that reads it; connected
        # here, not when the first request builds the middleware, so that a login before
        # any request (a test's, a management command's) is stamped too.
        from organisation import middleware  # noqa: F401
