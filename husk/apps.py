"""App config for the project package itself (home, health, demo data, commands)."""

from django.apps import AppConfig


class HuskConfig(AppConfig):
    name = "husk"
    verbose_name = "HUSK"
