"""Case- and accent-folding of names, the same in SQL (husk_fold) and in Python."""

import unicodedata

# Letters that do not decompose into base letter + accent in Unicode.
_SPECIAL = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i"})

ACCENTED = "áàâäãåāăąçćčďéèêëēėęěğíìîïīįľĺłńňñóòôöõőōŕřśšşťúùûüůűūųýÿžźż"


def fold(value: str) -> str:
    """Lower case, accents removed: 'Østbø Ærlig' -> 'ostbo aerlig'."""
    lowered = value.lower().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Derived from fold() so that SQL and Python cannot drift apart.
PLAIN = "".join(fold(ch) for ch in ACCENTED)
assert len(PLAIN) == len(ACCENTED)

# The SQL twin of fold(); installed by migration clients 0003.
FOLD_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION husk_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT replace(replace(replace(translate(lower(value), '{ACCENTED}', '{PLAIN}'),
        'æ', 'ae'), 'ø', 'o'), 'ß', 'ss')
$$;
"""
