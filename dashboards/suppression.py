"""Small-count suppression: a count of 1–4 is never shown as a number."""

THRESHOLD = 5


def display_count(count: int) -> str:
    """The text a dashboard shows for a count of persons."""
    if 0 < count < THRESHOLD:
        return f"<{THRESHOLD}"
    return str(count)
