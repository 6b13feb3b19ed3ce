"""App config of the configuration package (settings, URLs, WSGI, formats; home and health)."""

from django.apps import AppConfig


class HuskConfig(AppConfig):
    name = "husk"
    verbose_name = "HUSK"
