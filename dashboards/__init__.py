"""Managers' dashboards: aggregates only, with small counts suppressed."""
