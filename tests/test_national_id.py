"""Tests of clients.national_id: fødselsnummer, D-nummer, synthetic and DUF numbers.

Every person number here is computed in the test from a date and an individual number, so
no real person's number is written down. The helpers below compute check digits the way
Skatteetaten describes them ("11 - (weighted sum MOD 11)"), independently of the module's
remainder-based check.
"""

import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from clients.national_id import (
    NationalId,
    NationalIdKind,
    mask,
    parse_duf_number,
    parse_national_id,
    synthetic_national_id,
)

TODAY = datetime.date(2026, 11, 23)
LAST_DAY_OF_SERIES = datetime.date(2039, 12, 31)

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def control_digit(digits: str, weights: tuple[int, ...], offset: int = 11) -> int | None:
    """offset - (weighted sum MOD 11), where 11 means 0; None when that gives 10.

    The legacy rule uses offset 11; the 2032 rule also accepts 12, 13 and 14.
    """
    weighted = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True))
    value = (offset - weighted % 11) % 11
    return None if value == 10 else value


def with_check_digits(first_nine: str, *, k1_remainder: int = 0) -> str | None:
    """The 11-digit number for nine digits, or None if its check digits would be 10."""
    k1 = control_digit(first_nine, K1_WEIGHTS, offset=11 + k1_remainder)
    if k1 is None:
        return None
    k2 = control_digit(f"{first_nine}{k1}", K2_WEIGHTS)
    if k2 is None:
        return None
    return f"{first_nine}{k1}{k2}"


def person_number(
    birth: datetime.date,
    individual: int,
    *,
    day_offset: int = 0,
    month_offset: int = 0,
    k1_remainder: int = 0,
) -> str:
    """The first valid number from this individual number on, stepping by two (same gender)."""
    date_part = (
        f"{birth.day + day_offset:02d}{birth.month + month_offset:02d}{birth.year % 100:02d}"
    )
    for candidate in range(individual, individual + 40, 2):
        number = with_check_digits(f"{date_part}{candidate:03d}", k1_remainder=k1_remainder)
        if number is not None:
            return number
    raise AssertionError("no valid individual number found")


def number_with_date_part(date_part: str, individual: int) -> str:
    """A valid number for a six-digit date part that need not be a real date."""
    for candidate in range(individual, individual + 40):
        number = with_check_digits(f"{date_part}{candidate:03d}")
        if number is not None:
            return number
    raise AssertionError("no valid individual number found")


def error_code(value: str, *, allow_synthetic: bool = False, today: datetime.date = TODAY) -> str:
    with pytest.raises(ValidationError) as excinfo:
        parse_national_id(value, allow_synthetic=allow_synthetic, today=today)
    return str(excinfo.value.code)


def duf_number(first_ten: str) -> str:
    """A DUF number with check digits by the rearranged formulation of tonneask/
    norsk-nummer-validering: LLLLLL then YYYY, weights 4 6 3 2 7 5 4 6 3 2, sum MOD 11."""
    rearranged = first_ten[4:] + first_ten[:4]
    weights = (4, 6, 3, 2, 7, 5, 4, 6, 3, 2)
    remainder = sum(int(digit) * w for digit, w in zip(rearranged, weights, strict=True)) % 11
    return f"{first_ten}{remainder:02d}"


def duf_error_code(value: str) -> str:
    with pytest.raises(ValidationError) as excinfo:
        parse_duf_number(value, today=TODAY)
    return str(excinfo.value.code)


# Nine digits and a k1 remainder give at most one number; every such number is checksum-valid.
checksum_valid_numbers = st.builds(
    lambda first_nine, remainder: with_check_digits(first_nine, k1_remainder=remainder),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.integers(min_value=0, max_value=3),
).filter(lambda number: number is not None)


# --- Valid fødselsnummer -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "individual", "gender"),
    [
        (datetime.date(1985, 3, 14), 120, "F"),
        (datetime.date(1999, 12, 31), 331, "M"),
        (datetime.date(1900, 1, 1), 0, "F"),
        (datetime.date(1890, 6, 15), 600, "F"),
        (datetime.date(1854, 1, 1), 701, "M"),
        (datetime.date(1962, 7, 4), 951, "M"),
        (datetime.date(1940, 5, 5), 900, "F"),
        (datetime.date(2004, 2, 29), 560, "F"),
        (datetime.date(2024, 1, 1), 901, "M"),
    ],
)
def test_valid_number_gives_birth_date_with_century_from_individual_number_and_gender(
    birth: datetime.date, individual: int, gender: str
) -> None:
    number = person_number(birth, individual)

    parsed = parse_national_id(number, allow_synthetic=False, today=TODAY)

    assert parsed.number == number
    assert parsed.kind == NationalIdKind.FNR
    assert parsed.birth_date == birth
    assert parsed.gender == gender
    assert not parsed.is_d_number


@pytest.mark.parametrize("template", ["{d} {p}", "{d}-{p}", " {d}.{p} ", "{d}\t{p}", "{d} {p}\n"])
def test_spaces_dots_and_hyphens_are_stripped_from_the_number(template: str) -> None:
    number = person_number(datetime.date(1985, 3, 14), 120)

    parsed = parse_national_id(
        template.format(d=number[:6], p=number[6:]), allow_synthetic=False, today=TODAY
    )

    assert parsed.number == number


def test_skatteetaten_example_for_a_child_born_in_2032_is_valid_under_the_legacy_rule() -> None:
    # Published in Skatteetaten's "Nytt fødselsnummer fra 2032" (born 2 January 2032).
    parsed = parse_national_id(
        "02013299997", allow_synthetic=False, today=datetime.date(2032, 1, 2)
    )

    assert parsed.birth_date == datetime.date(2032, 1, 2)
    assert parsed.gender == "M"


def test_skatteetaten_example_with_k1_remainder_1_is_valid_only_under_2032_rule() -> None:
    # Published in Skatteetaten's "Nytt fødselsnummer fra 2032": the second person born
    # 30.10.1982 who gets a number in 2032 (k1 = 12 - 196 MOD 11 = 3).
    parsed = parse_national_id("30108299939", allow_synthetic=False, today=TODAY)

    assert parsed.birth_date == datetime.date(1982, 10, 30)
    assert parsed.gender is None


def test_parsed_number_is_frozen_and_its_repr_hides_the_personal_number() -> None:
    number = person_number(datetime.date(1985, 3, 14), 120)
    parsed = parse_national_id(number, allow_synthetic=False, today=TODAY)

    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.number = "0"  # type: ignore[misc]
    assert number not in repr(parsed)
    assert "140385 *****" in repr(parsed)


def test_default_today_is_the_current_date() -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    assert parse_national_id(person_number(yesterday, 500), allow_synthetic=False)
    with pytest.raises(ValidationError) as excinfo:
        parse_national_id(person_number(tomorrow, 500), allow_synthetic=False)
    assert excinfo.value.code == "future"


# --- D-numbers -----------------------------------------------------------------------------


def test_d_number_gives_birth_date_with_day_minus_40() -> None:
    birth = datetime.date(1978, 5, 17)
    number = person_number(birth, 200, day_offset=40)

    parsed = parse_national_id(number, allow_synthetic=False, today=TODAY)

    assert number.startswith("57")
    assert parsed.kind == NationalIdKind.DNR
    assert parsed.birth_date == birth
    assert parsed.gender == "F"
    assert parsed.is_d_number


def test_d_number_from_the_2021_series_750_to_899_is_accepted() -> None:
    # Since August 2021 D-numbers for people born 1940-1999 also use 600-999; a fødselsnummer
    # with the same individual number fits no century series.
    birth = datetime.date(1965, 8, 9)

    d_number = parse_national_id(
        person_number(birth, 800, day_offset=40), allow_synthetic=False, today=TODAY
    )

    assert d_number.birth_date == birth
    assert error_code(person_number(birth, 800)) == "date"


def test_d_number_with_individual_number_600_to_749_gets_the_1900s_not_the_1800s() -> None:
    fnr = parse_national_id(
        person_number(datetime.date(1870, 4, 2), 650), allow_synthetic=False, today=TODAY
    )
    d_number = parse_national_id(
        person_number(datetime.date(1970, 4, 2), 650, day_offset=40),
        allow_synthetic=False,
        today=TODAY,
    )

    assert fnr.birth_date == datetime.date(1870, 4, 2)
    assert d_number.birth_date == datetime.date(1970, 4, 2)


def test_d_number_with_ambiguous_century_gets_the_latest_date_not_in_the_future() -> None:
    # Individual number 300 with year 10 means 1910 in the old series, 2010 since 2021.
    number = person_number(datetime.date(2010, 6, 1), 300, day_offset=40)

    assert parse_national_id(number, allow_synthetic=False, today=TODAY).birth_date == (
        datetime.date(2010, 6, 1)
    )
    assert parse_national_id(
        number, allow_synthetic=False, today=datetime.date(2010, 5, 31)
    ).birth_date == datetime.date(1910, 6, 1)


# --- Invalid numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("position", [9, 10])
def test_wrong_check_digit_is_rejected(position: int) -> None:
    number = person_number(datetime.date(1985, 3, 14), 120)
    wrong = f"{(int(number[position]) + 1) % 10}"
    changed = number[:position] + wrong + number[position + 1 :]

    assert error_code(changed) == "checksum"


@pytest.mark.parametrize("value", ["", "0101901234", "010190123456", "0101 9012 3456 7"])
def test_number_without_11_digits_is_rejected(value: str) -> None:
    assert error_code(value) == "length"


@pytest.mark.parametrize(
    "value",
    ["01019O12345", "0101901234a", "010190/12345", "０１０１９０１２３４５", "0101901234²"],
)
def test_number_with_anything_but_ascii_digits_and_separators_is_rejected(value: str) -> None:
    assert error_code(value) == "digits"


def test_error_message_is_clear_english_before_translation() -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            parse_national_id("123", allow_synthetic=False)
        # The message is lazy: read it while English is active.
        assert excinfo.value.messages == ["A national identity number has 11 digits."]


@pytest.mark.parametrize(
    ("date_part", "individual"),
    [
        ("310285", 100),  # 31 February
        ("290200", 100),  # 29 February 1900: not a leap year
        ("000185", 100),  # day 0
        ("320185", 100),  # day 32
        ("011385", 100),  # month 13
        ("016085", 100),  # month 60: neither H-number nor synthetic
        ("010160", 800),  # 800 with year 60 fits no century series
        ("010145", 600),  # 500-749 is for 1854-1899 only
        ("720185", 100),  # D-number with day 32
    ],
)
def test_number_without_a_valid_date_of_birth_is_rejected(date_part: str, individual: int) -> None:
    assert error_code(number_with_date_part(date_part, individual)) == "date"


def test_29_february_2000_is_a_valid_date_of_birth() -> None:
    number = number_with_date_part("290200", 500)

    parsed = parse_national_id(number, allow_synthetic=False, today=TODAY)

    assert parsed.birth_date == datetime.date(2000, 2, 29)


def test_date_of_birth_after_today_is_rejected_and_today_itself_is_accepted() -> None:
    birth = datetime.date(2030, 1, 1)
    number = person_number(birth, 500)

    assert error_code(number, today=datetime.date(2029, 12, 31)) == "future"
    assert parse_national_id(number, allow_synthetic=False, today=birth).birth_date == birth


def test_h_number_is_rejected() -> None:
    number = person_number(datetime.date(1985, 3, 14), 120, month_offset=40)

    assert error_code(number, allow_synthetic=True) == "kind"


@pytest.mark.parametrize("first_digit", ["8", "9"])
def test_fh_number_is_rejected(first_digit: str) -> None:
    number = number_with_date_part(f"{first_digit}12345", 100)

    assert error_code(number, allow_synthetic=True) == "kind"


# --- Synthetic numbers ---------------------------------------------------------------------


def test_synthetic_number_is_accepted_only_when_allowed() -> None:
    birth = datetime.date(1991, 9, 30)
    number = person_number(birth, 123, month_offset=80)

    parsed = parse_national_id(number, allow_synthetic=True, today=TODAY)

    assert parsed.kind == NationalIdKind.SYNTHETIC
    assert parsed.birth_date == birth
    assert parsed.gender == "M"
    assert error_code(number, allow_synthetic=False) == "synthetic_not_allowed"


def test_synthetic_d_number_gives_birth_date_with_day_minus_40_and_month_minus_80() -> None:
    birth = datetime.date(2001, 12, 24)
    number = person_number(birth, 600, day_offset=40, month_offset=80)

    parsed = parse_national_id(number, allow_synthetic=True, today=TODAY)

    assert number[:4] == "6492"
    assert parsed.kind == NationalIdKind.SYNTHETIC
    assert parsed.is_d_number
    assert parsed.birth_date == birth


@given(
    birth=st.dates(min_value=datetime.date(1854, 1, 1), max_value=LAST_DAY_OF_SERIES),
    index=st.integers(min_value=0, max_value=39),
    gender=st.sampled_from([None, "F", "M"]),
    d_number=st.booleans(),
)
def test_every_synthetic_national_id_round_trips(
    birth: datetime.date, index: int, gender: str | None, d_number: bool
) -> None:
    number = synthetic_national_id(birth, index, gender=gender, d_number=d_number)

    parsed = parse_national_id(number, allow_synthetic=True, today=LAST_DAY_OF_SERIES)

    assert parsed.number == number
    assert parsed.kind == NationalIdKind.SYNTHETIC
    assert parsed.birth_date == birth
    assert parsed.is_d_number == d_number
    # Generated with legacy check digits, so the gender is always readable.
    assert parsed.gender == (gender or parsed.gender)
    assert parsed.gender in {"F", "M"}


def test_synthetic_national_id_is_deterministic_and_distinct_per_index() -> None:
    birth = datetime.date(1980, 1, 31)

    numbers = [synthetic_national_id(birth, index) for index in range(100)]

    assert numbers == [synthetic_national_id(birth, index) for index in range(100)]
    assert len(set(numbers)) == 100
    assert all(number.startswith("318180") for number in numbers)


@pytest.mark.parametrize(
    ("birth", "index", "gender", "message"),
    [
        (datetime.date(1853, 12, 31), 0, None, "1854 to 2039"),
        (datetime.date(2040, 1, 1), 0, None, "1854 to 2039"),
        (datetime.date(1980, 1, 1), 0, "X", "gender"),
        (datetime.date(1980, 1, 1), -1, None, "negative"),
        (datetime.date(1980, 1, 1), 1000, None, "Only"),
    ],
)
def test_synthetic_national_id_rejects_arguments_it_cannot_honour(
    birth: datetime.date, index: int, gender: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        synthetic_national_id(birth, index, gender=gender)


# --- The 2032 rule and the check digits ----------------------------------------------------


@pytest.mark.parametrize("remainder", [1, 2, 3])
def test_number_valid_only_under_2032_rule_is_accepted_with_gender_none(remainder: int) -> None:
    birth = datetime.date(1982, 10, 30)
    number = person_number(birth, 121, k1_remainder=remainder)

    parsed = parse_national_id(number, allow_synthetic=False, today=TODAY)

    assert number != person_number(birth, int(number[6:9]))  # the legacy k1 differs
    assert parsed.birth_date == birth
    assert parsed.gender is None


def test_k1_remainder_4_is_rejected_under_both_rules() -> None:
    number = person_number(datetime.date(1982, 10, 30), 121, k1_remainder=4)

    assert error_code(number) == "checksum"


def test_same_nine_digits_give_up_to_four_valid_numbers_under_2032_rule() -> None:
    first_nine = "301082121"
    numbers = {with_check_digits(first_nine, k1_remainder=r) for r in range(4)} - {None}

    for number in numbers:
        assert number is not None
        assert parse_national_id(number, allow_synthetic=False, today=TODAY)
    assert 1 <= len(numbers) <= 4


@given(number=checksum_valid_numbers)
def test_any_number_with_correct_check_digits_gets_past_the_checksum(number: str) -> None:
    parsed: NationalId | None = None
    code: str | None = None
    try:
        parsed = parse_national_id(number, allow_synthetic=True, today=LAST_DAY_OF_SERIES)
    except ValidationError as error:
        code = str(error.code)

    assert code != "checksum"
    if parsed is not None:
        # Gender only for numbers that are valid under the legacy rule.
        assert (parsed.gender is None) == (with_check_digits(number[:9]) != number)


@given(
    number=checksum_valid_numbers,
    position=st.integers(min_value=0, max_value=10),
    shift=st.integers(min_value=1, max_value=9),
)
def test_changing_any_single_digit_of_a_valid_number_fails_the_checksum(
    number: str, position: int, shift: int
) -> None:
    # The relaxed 2032 rule lets the k1 sum leave remainder 1, 2 or 3, so a single changed
    # digit can pass the k1 check (for example k1 + 1). It never passes both: k2 is still
    # strict and its sum weighs all eleven digits (5 4 3 2 7 6 5 4 3 2 1), with no weight a
    # multiple of 11; a change d -> d' moves that sum by weight * (d' - d), which 11 (a
    # prime) cannot divide. So single-digit typos are still always caught, under both rules.
    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]

    assert error_code(changed, allow_synthetic=True, today=LAST_DAY_OF_SERIES) == "checksum"


# --- Masking -------------------------------------------------------------------------------


def test_mask_shows_only_the_date_part() -> None:
    number = person_number(datetime.date(1990, 1, 1), 120)

    assert mask(number) == "010190 *****"
    assert mask(f"{number[:6]} {number[6:]}") == "010190 *****"


@pytest.mark.parametrize("value", ["", "0101901234", "01019O12345"])
def test_mask_refuses_anything_but_an_11_digit_number_without_echoing_it(value: str) -> None:
    with pytest.raises(ValueError, match="11-digit") as excinfo:
        mask(value)

    assert not value or value not in str(excinfo.value)


# --- DUF numbers ---------------------------------------------------------------------------


def test_duf_number_with_hand_computed_check_digits_is_valid() -> None:
    # 2020 123456: 2*4 + 0*6 + 2*3 + 0*2 + 1*4 + 2*6 + 3*3 + 4*2 + 5*7 + 6*5 = 112,
    # and 112 MOD 11 = 2, so the check digits are 02.
    assert parse_duf_number("202012345602", today=TODAY) == "202012345602"


def test_duf_number_is_normalised() -> None:
    assert parse_duf_number(" 2020-123456 02 ", today=TODAY) == "202012345602"


def test_duf_check_digits_can_be_10() -> None:
    number = next(
        duf_number(f"2015{serial:06d}")
        for serial in range(1000)
        if duf_number(f"2015{serial:06d}").endswith("10")
    )

    assert parse_duf_number(number, today=TODAY) == number


@given(
    year=st.integers(min_value=1900, max_value=TODAY.year),
    serial=st.integers(min_value=0, max_value=999_999),
)
def test_every_duf_number_with_correct_check_digits_is_valid(year: int, serial: int) -> None:
    number = duf_number(f"{year}{serial:06d}")

    assert parse_duf_number(number, today=TODAY) == number


@given(
    year=st.integers(min_value=1900, max_value=TODAY.year),
    serial=st.integers(min_value=0, max_value=999_999),
    position=st.integers(min_value=0, max_value=11),
    shift=st.integers(min_value=1, max_value=9),
)
def test_changing_any_single_digit_of_a_duf_number_fails_the_checksum(
    year: int, serial: int, position: int, shift: int
) -> None:
    # The weights 4 6 3 2 4 6 3 2 7 5 are all non-zero modulo 11, so a changed digit moves
    # the sum and so the check digits; a changed check digit no longer matches the sum.
    number = duf_number(f"{year}{serial:06d}")
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]

    assert duf_error_code(changed) == "checksum"


def test_duf_number_with_wrong_check_digits_is_rejected() -> None:
    assert duf_error_code("202012345603") == "checksum"


@pytest.mark.parametrize("value", ["20201234560", "2020123456020", ""])
def test_duf_number_without_12_digits_is_rejected(value: str) -> None:
    assert duf_error_code(value) == "length"


def test_duf_number_with_letters_is_rejected() -> None:
    assert duf_error_code("2020I2345602") == "digits"


def test_duf_number_from_before_1900_is_rejected() -> None:
    assert duf_error_code(duf_number("1899123456")) == "date"


def test_duf_number_registered_after_this_year_is_rejected() -> None:
    assert duf_error_code(duf_number(f"{TODAY.year + 1}123456")) == "future"
