"""Offices, staff users and their roles: who works where, as what."""
