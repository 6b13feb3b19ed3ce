"""Families (familier), their members over time, and the dynamic family plan."""
