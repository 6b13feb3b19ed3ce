"""Keyed pseudonyms and date shifts of one project: HMAC-SHA256 with the project's secret.

The same person gets the same pseudonym in every export of one project; without
the secret, two projects' pseudonyms cannot be linked. The secret never leaves
this process: it is not sent to the database, where query texts are visible to
other sessions and may be logged.
"""

import hashlib
import hmac
from dataclasses import dataclass, field

PSEUDONYM_HEX = 16  # 64 bits: collisions are negligible at national scale
# Pseudonyms spell the hex digits as letters: with no digit in them they are never
# read as a number, nor mistaken for a national id or a phone number by any scan.
_AS_LETTERS = str.maketrans("0123456789abcdef", "ABCDEFGHJKLMNPQR")
MAX_SHIFT_DAYS = 182


@dataclass(frozen=True)
class ProjectKey:
    # Never in a repr: a debug page or an error report may show local variables.
    secret: bytes = field(repr=False)

    def digest(self, message: str) -> str:
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()

    def pseudonym(self, kind: str, key: object) -> str:
        """'P…' for persons, 'F…' for families, then 16 letters."""
        return PREFIX[kind] + self.digest(f"{kind}:{key}")[:PSEUDONYM_HEX].translate(_AS_LETTERS)

    def shift_days(self, kind: str, key: object) -> int:
        """A fixed, non-zero offset in [-182, 182] days for one person or family."""
        return shift_from_hex(self.digest(f"shift:{kind}:{key}"))


PREFIX = {"client": "P", "member": "P", "family": "F"}


def shift_from_hex(hex_digest: str) -> int:
    offset = int(hex_digest[:8], 16) % (2 * MAX_SHIFT_DAYS) - MAX_SHIFT_DAYS
    return offset + 1 if offset >= 0 else offset
