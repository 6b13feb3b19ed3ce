"""Code lists (reasons, life areas, channels, benefit kinds, countries, kommuner …) as data."""
