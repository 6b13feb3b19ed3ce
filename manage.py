#!/usr/bin/env python
"""Django's command-line utility for HUSK."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husk.settings")
    if not os.environ.get("DATABASE_URL"):
        # No DATABASE_URL means a developer's machine with the embedded PostgreSQL:
        # development settings unless told otherwise. A deployment sets DATABASE_URL
        # and so still fails loudly without SECRET_KEY.
        for name, value in {"DEBUG": "1", "HTTPS": "0", "ALLOW_SYNTHETIC_IDS": "1"}.items():
            os.environ.setdefault(name, value)
    from core.embedded_db import ensure_database_url

    ensure_database_url()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
