"""Test support shipped with the project: the pytest environment plugin."""
