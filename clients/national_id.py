"""Validate and parse Norwegian person identifiers: fødselsnummer, D-nummer and DUF number."""

# Sources for the rules implemented here:
#
# * Check digits, both the legacy rule and the rule for numbers issued from 2032:
#   Skatteetaten, "Nytt fødselsnummer fra 2032" (folkeregisteret-api-dokumentasjon,
#   src/om-tjenestene/nyttfnr2032.md). From 2032 the weighted sum for k1 may leave the
#   remainder 0, 1, 2 or 3 (only 0 before); k2 is unchanged. Both rules apply in parallel.
#   New numbers are gender-neutral and their individual number no longer gives the century.
# * Century from the individual number: Forskrift om folkeregistrering (1854-1899: 749-500,
#   1900-1999: 499-000, 1940-1999 also 999-900, 2000-2039: 999-500).
# * D-numbers issued from August 2021 use more individual-number series per century:
#   Skatteetaten, "Utvidelse av D-nummerserien" (2021-06-24): 1858-1899: 500-599,
#   1900-1939: 000-199, 1940-1999: 000-499 and 600-999, 2000-2039: 200-999.
# * DUF check digits: no specification from UDI was found. Two independent open-source
#   implementations agree: oyms/NorwegianTypes (Skaar.Fodselsnummer, NummerParser.cs) and
#   tonneask/norsk-nummer-validering (docs/dufnummer.js): the weighted sum of the first ten
#   digits with weights 4, 6, 3, 2, 4, 6, 3, 2, 7, 5, modulo 11, written as two digits 00-10.
#   The published sample numbers in the former's tests satisfy this rule.

import datetime
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

type Gender = Literal["F", "M"]

_MSG_DIGITS: Final = _("A national identity number can only contain digits.")
_MSG_LENGTH: Final = _("A national identity number has 11 digits.")
_MSG_CHECKSUM: Final = _("The check digits do not match: check the number for typing errors.")
_MSG_HELP_NUMBER: Final = _(
    "H-numbers and FH-numbers are help numbers and are not accepted here: "
    "use the person's national identity number or D-number."
)
_MSG_SYNTHETIC: Final = _("Synthetic test numbers are not accepted here.")
_MSG_DATE: Final = _("The number does not contain a valid date of birth.")
_MSG_FUTURE: Final = _("The date of birth in the number is in the future.")
_MSG_DUF_DIGITS: Final = _("A DUF number can only contain digits.")
_MSG_DUF_LENGTH: Final = _("A DUF number has 12 digits.")
_MSG_DUF_YEAR: Final = _("The first four digits of a DUF number must be the year of registration.")
_MSG_DUF_FUTURE: Final = _("The year of registration in the DUF number is in the future.")

# Weights of the eleven digits in the two control sums; k1 and k2 have weight 1 in their own.
_K1_WEIGHTS: Final = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_K2_WEIGHTS: Final = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
_LEGACY_K1_REMAINDERS: Final = frozenset({0})
_RULE_2032_K1_REMAINDERS: Final = frozenset({0, 1, 2, 3})

_DUF_WEIGHTS: Final = (4, 6, 3, 2, 4, 6, 3, 2, 7, 5)
_DUF_FIRST_YEAR: Final = 1900

_D_NUMBER_DAY_OFFSET: Final = 40
_H_NUMBER_MONTHS: Final = range(41, 53)
_SYNTHETIC_MONTH_OFFSET: Final = 80
_SYNTHETIC_MONTHS: Final = range(81, 93)
_SEPARATORS: Final = frozenset(".-")


class NationalIdKind(enum.StrEnum):
    """What kind of 11-digit person number a valid number is."""

    FNR = "fnr"  # fødselsnummer
    DNR = "dnr"  # D-nummer: day of birth + 40
    SYNTHETIC = "synthetic"  # Skatteetaten's test numbers: month + 80 (may also have day + 40)


@dataclass(frozen=True, slots=True, repr=False)
class NationalId:
    """A valid fødselsnummer, D-nummer or synthetic test number, and what it says.

    birth_date follows the Folkeregister's century rules. For D-numbers issued from 2021 and
    for numbers issued from 2032 the number alone cannot always tell the century, so the date
    of birth from the Folkeregister (or from the person's papers) takes precedence.
    gender is None for numbers that are only valid under the 2032 rule: those are
    gender-neutral. A number issued from 2032 whose k1 remainder happens to be 0 is
    indistinguishable from an older number, so read gender from the register when it matters.
    """

    number: str
    kind: NationalIdKind
    birth_date: datetime.date
    gender: Gender | None

    @property
    def is_d_number(self) -> bool:
        """True for D-numbers, including synthetic ones (day of birth + 40)."""
        return self.number[0] in "4567"

    def __repr__(self) -> str:
        # The full number stays out of logs and tracebacks.
        return f"NationalId({mask(self.number)!r}, kind={self.kind.value!r})"


def _normalise(value: str) -> str:
    """Strip whitespace, dots and hyphens, the separators people type in numbers."""
    return "".join(char for char in value if not char.isspace() and char not in _SEPARATORS)


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() also accepts "²" and digits of other scripts (and rejects "").
    return all(char in "0123456789" for char in value)


def _weighted_sum(digits: Sequence[int], weights: Sequence[int]) -> int:
    return sum(digit * weight for digit, weight in zip(digits, weights, strict=True))


def _legacy_check_digits(first_nine: Sequence[int]) -> tuple[int, int] | None:
    """k1 and k2 by the legacy rule, or None when either would be 10 (no valid number)."""
    k1 = -_weighted_sum(first_nine, _K1_WEIGHTS[:9]) % 11
    if k1 == 10:
        return None
    k2 = -_weighted_sum([*first_nine, k1], _K2_WEIGHTS[:10]) % 11
    if k2 == 10:
        return None
    return k1, k2


def _legacy_birth_years(individual: int, year: int) -> set[int]:
    """Full birth year from the individual number and two-digit year (Forskrift om
    folkeregistrering). The series do not overlap, so there is at most one year."""
    years: set[int] = set()
    if individual <= 499:
        years.add(1900 + year)
    if 500 <= individual <= 749 and year >= 54:
        years.add(1800 + year)
    if individual >= 500 and year <= 39:
        years.add(2000 + year)
    if individual >= 900 and year >= 40:
        years.add(1900 + year)
    return years


def _d_number_2021_birth_years(individual: int, year: int) -> set[int]:
    """Full birth year by the series Skatteetaten uses for D-numbers since August 2021."""
    years: set[int] = set()
    if 500 <= individual <= 599 and year >= 58:
        years.add(1800 + year)
    if individual <= 199 and year <= 39:
        years.add(1900 + year)
    if (individual <= 499 or individual >= 600) and year >= 40:
        years.add(1900 + year)
    if individual >= 200 and year <= 39:
        years.add(2000 + year)
    return years


def _candidate_birth_years(individual: int, year: int, *, d_number: bool) -> set[int]:
    years = _legacy_birth_years(individual, year)
    if d_number:
        years |= _d_number_2021_birth_years(individual, year)
    return years


def _birth_date(
    day: int, month: int, year: int, individual: int, *, d_number: bool, today: datetime.date
) -> datetime.date:
    """The date of birth; of several possible centuries (D-numbers only), the latest one
    that is not in the future: the person is alive and being followed up today."""
    candidates: list[datetime.date] = []
    for full_year in _candidate_birth_years(individual, year, d_number=d_number):
        try:
            candidates.append(datetime.date(full_year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValidationError(_MSG_DATE, code="date")
    past = [candidate for candidate in candidates if candidate <= today]
    if not past:
        raise ValidationError(_MSG_FUTURE, code="future")
    return max(past)


def parse_national_id(
    value: str, *, allow_synthetic: bool, today: datetime.date | None = None
) -> NationalId:
    """Validate a fødselsnummer or D-nummer (spaces, dots and hyphens allowed) and parse it.

    Raises ValidationError with code "digits", "length", "checksum", "kind" (H- and
    FH-numbers), "synthetic_not_allowed", "date" or "future".
    """
    number = _normalise(value)
    if not _is_ascii_digits(number):
        raise ValidationError(_MSG_DIGITS, code="digits")
    if len(number) != 11:
        raise ValidationError(_MSG_LENGTH, code="length")

    digits = [int(char) for char in number]
    k1_remainder = _weighted_sum(digits[:10], _K1_WEIGHTS) % 11
    k2_remainder = _weighted_sum(digits, _K2_WEIGHTS) % 11
    if k2_remainder != 0 or k1_remainder not in _RULE_2032_K1_REMAINDERS:
        raise ValidationError(_MSG_CHECKSUM, code="checksum")
    legacy = k1_remainder in _LEGACY_K1_REMAINDERS

    day_field = int(number[0:2])
    month_field = int(number[2:4])
    # FH-numbers begin with 8 or 9 and carry no date; H-numbers have month + 40.
    if digits[0] >= 8 or month_field in _H_NUMBER_MONTHS:
        raise ValidationError(_MSG_HELP_NUMBER, code="kind")
    synthetic = month_field in _SYNTHETIC_MONTHS
    if synthetic and not allow_synthetic:
        raise ValidationError(_MSG_SYNTHETIC, code="synthetic_not_allowed")

    d_number = digits[0] >= 4
    birth_date = _birth_date(
        day_field - _D_NUMBER_DAY_OFFSET if d_number else day_field,
        month_field - _SYNTHETIC_MONTH_OFFSET if synthetic else month_field,
        int(number[4:6]),
        int(number[6:9]),
        d_number=d_number,
        today=today or timezone.localdate(),
    )

    if synthetic:
        kind = NationalIdKind.SYNTHETIC
    elif d_number:
        kind = NationalIdKind.DNR
    else:
        kind = NationalIdKind.FNR
    gender: Gender | None = None
    if legacy:
        gender = "M" if digits[8] % 2 else "F"
    return NationalId(number=number, kind=kind, birth_date=birth_date, gender=gender)


def _duf_check_digits(first_ten: str) -> str:
    return f"{_weighted_sum([int(char) for char in first_ten], _DUF_WEIGHTS) % 11:02d}"


def parse_duf_number(value: str, *, today: datetime.date | None = None) -> str:
    """Validate a DUF number (UDI's 12-digit case-person number) and return it normalised.

    Raises ValidationError with code "digits", "length", "checksum", "date" or "future".
    """
    number = _normalise(value)
    if not _is_ascii_digits(number):
        raise ValidationError(_MSG_DUF_DIGITS, code="digits")
    if len(number) != 12:
        raise ValidationError(_MSG_DUF_LENGTH, code="length")
    if number[10:] != _duf_check_digits(number[:10]):
        raise ValidationError(_MSG_CHECKSUM, code="checksum")
    year = int(number[:4])
    if year < _DUF_FIRST_YEAR:
        raise ValidationError(_MSG_DUF_YEAR, code="date")
    if year > (today or timezone.localdate()).year:
        raise ValidationError(_MSG_DUF_FUTURE, code="future")
    return number


def synthetic_national_ids(
    birth_date: datetime.date, *, gender: str | None = None, d_number: bool = False
) -> Iterator[str]:
    """The valid synthetic numbers for a date of birth, in order, made as they are asked
    for: a generator of many people keeps one of these per date instead of a list."""
    if not 1854 <= birth_date.year <= 2039:
        raise ValueError("Person numbers exist for years of birth 1854 to 2039 only.")
    year = birth_date.year % 100
    day_field = birth_date.day + (_D_NUMBER_DAY_OFFSET if d_number else 0)
    month_field = birth_date.month + _SYNTHETIC_MONTH_OFFSET
    prefix = f"{day_field:02d}{month_field:02d}{year:02d}"
    for individual in range(1000):
        # Only individual numbers that give this year and no other, so that parsing returns
        # the same date of birth whatever day it is.
        if _candidate_birth_years(individual, year, d_number=d_number) != {birth_date.year}:
            continue
        if gender is not None and (individual % 2 == 0) != (gender == "F"):
            continue
        first_nine = f"{prefix}{individual:03d}"
        check_digits = _legacy_check_digits([int(char) for char in first_nine])
        if check_digits is None:
            continue
        yield f"{first_nine}{check_digits[0]}{check_digits[1]}"


def synthetic_national_id(
    birth_date: datetime.date,
    index: int,
    *,
    gender: str | None = None,
    d_number: bool = False,
) -> str:
    """The index-th valid synthetic number (month + 80) for a date of birth, for demo data
    and tests; with d_number=True a synthetic D-number (day + 40 as well).

    Deterministic. Individual numbers whose legacy check digits would be 10 are skipped.
    gender "F" or "M" picks even or odd individual numbers. Raises ValueError for a year of
    birth outside 1854-2039, an unknown gender, or an index past the numbers available
    (at least 40 for any date, gender and kind).
    """
    if gender not in (None, "F", "M"):
        raise ValueError('gender must be "F", "M" or None.')
    if index < 0:
        raise ValueError("index must not be negative.")
    numbers = list(synthetic_national_ids(birth_date, gender=gender, d_number=d_number))
    if index >= len(numbers):
        raise ValueError(f"Only {len(numbers)} synthetic numbers exist for this date and gender.")
    return numbers[index]


def mask(number: str) -> str:
    """The date part of an 11-digit number, the rest hidden: "010190 *****"."""
    normalised = _normalise(number)
    if len(normalised) != 11 or not _is_ascii_digits(normalised):
        # The value itself stays out of the message: it may be a person's number.
        raise ValueError("mask() takes an 11-digit national identity number.")
    return f"{normalised[:6]} *****"
