"""Clients (brukere) of the social services and their case records."""
