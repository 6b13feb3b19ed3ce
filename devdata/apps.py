"""App config of the tooling (demo data, synthetic data, the bench and their commands)."""

from django.apps import AppConfig


class DevdataConfig(AppConfig):
    name = "devdata"
    verbose_name = "HUSK demo and bench data"
