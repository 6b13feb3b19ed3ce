"""App config for code lists: loads missing seed codes after each migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CodelistsConfig(AppConfig):
    name = "codelists"
    verbose_name = _("Code lists")

    def ready(self) -> None:
        from codelists.loader import load_missing_codes_after_migrate

        post_migrate.connect(load_missing_codes_after_migrate, sender=self)
