"""Clients are edited in HUSK's own pages, never in the Django admin."""
