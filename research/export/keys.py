"""Keyed pseudonyms and date shifts of one project: HMAC-SHA256 with the project's secret.

The same HMAC is computed in Python and, for streaming, in PostgreSQL from its
built-in sha256() (no extension needed): HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)).
The same person gets the same pseudonym in every export of one project; without
the secret, two projects' pseudonyms cannot be linked.
"""

import hashlib
import hmac
from dataclasses import dataclass

BLOCK_SIZE = 64  # SHA-256's block size in bytes
PSEUDONYM_HEX = 16  # 64 bits: collisions are negligible at national scale
# Pseudonyms spell the hex digits as letters: with no digit in them they are never
# read as a number, nor mistaken for a national id or a phone number by any scan.
HEX_DIGITS = "0123456789abcdef"
LETTERS = "ABCDEFGHJKLMNPQR"
_AS_LETTERS = str.maketrans(HEX_DIGITS, LETTERS)
MAX_SHIFT_DAYS = 182


@dataclass(frozen=True)
class ProjectKey:
    secret: bytes

    @property
    def _block(self) -> bytes:
        key = (
            self.secret if len(self.secret) <= BLOCK_SIZE else hashlib.sha256(self.secret).digest()
        )
        return key.ljust(BLOCK_SIZE, b"\0")

    @property
    def inner_pad(self) -> bytes:
        return bytes(b ^ 0x36 for b in self._block)

    @property
    def outer_pad(self) -> bytes:
        return bytes(b ^ 0x5C for b in self._block)

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


def sql_digest(message_sql: str) -> str:
    """SQL for the hex HMAC of a text expression; takes the params %(ipad)s and %(opad)s."""
    return (
        "encode(sha256(%(opad)s::bytea || sha256(%(ipad)s::bytea || "
        f"convert_to({message_sql}, 'UTF8'))), 'hex')"
    )


def sql_pseudonym(kind: str, key_sql: str) -> str:
    digest = sql_digest(f"'{kind}:' || {key_sql}")
    letters = f"translate(substr({digest}, 1, {PSEUDONYM_HEX}), '{HEX_DIGITS}', '{LETTERS}')"
    return f"'{PREFIX[kind]}' || {letters}"


def sql_shift_digest(kind: str, key_sql: str) -> str:
    """SQL for the digest a shift is taken from; turn it into days with sql_shift_days()."""
    return sql_digest(f"'shift:{kind}:' || {key_sql}")


def sql_shift_days(digest_column: str) -> str:
    """The same arithmetic as shift_from_hex(), on a column holding a shift digest."""
    value = f"(('x' || substr({digest_column}, 1, 8))::bit(32)::bigint %% {2 * MAX_SHIFT_DAYS})"
    return f"({value} - {MAX_SHIFT_DAYS} + ({value} >= {MAX_SHIFT_DAYS})::int)"


def sql_params(key: ProjectKey) -> dict[str, bytes]:
    return {"ipad": key.inner_pad, "opad": key.outer_pad}
