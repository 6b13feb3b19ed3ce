"""Follow-up's writes, one module per topic: keyword-only `<noun>_<verb>` services."""
