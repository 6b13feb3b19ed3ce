"""Spreadsheet cells made safe: text a spreadsheet would run as a formula becomes plain text."""

# Spreadsheets run cells starting with these (research-export.md, rule 7).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A text cell a spreadsheet would run as a formula is made plain text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
