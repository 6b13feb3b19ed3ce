"""The anonymised research export: population, tables, protection, files and archive."""
