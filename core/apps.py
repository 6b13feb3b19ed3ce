"""App config of the ground floor (shared helpers and the installation's operations commands)."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "HUSK core"
