"""HUSK: case management for the social services of NAV offices."""
