from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain.amounts import (
    MAX_AMOUNT,
    MIN_AMOUNT,
    AmountProblem,
    check_amount,
    format_amount,
    parse_amount,
)

ACCEPTED = [
    ("500000", 500_000),
    ("500.000", 500_000),
    ("500,000", 500_000),
    ("500 000", 500_000),
    ("500\xa0000", 500_000),
    ("1.500.000", 1_500_000),
    ("1,500,000", 1_500_000),
    ("1 500 000", 1_500_000),
    ("  500000 ", 500_000),
    ("0", 0),
    ("500k", 500_000),
    ("500K", 500_000),
    ("500 k", 500_000),
    ("1,5k", 1_500),
    ("12,50k", 12_500),
    ("1,500k", 1_500_000),
    ("500 nghìn", 500_000),
    ("500 ngàn", 500_000),
    ("500 nghin", 500_000),
    ("500 ngan", 500_000),
    ("500 NGHÌN", 500_000),
    ("1tr", 1_000_000),
    ("1 tr", 1_000_000),
    ("1TR", 1_000_000),
    ("1triệu", 1_000_000),
    ("1 triệu", 1_000_000),
    ("1 Triệu", 1_000_000),
    ("1 trieu", 1_000_000),
    ("1 trie\u0302\u0323u", 1_000_000),  # typed with combining marks
    ("1,5 triệu", 1_500_000),
    ("1.5 triệu", 1_500_000),
    ("1,5tr", 1_500_000),
    ("1.25tr", 1_250_000),
    ("2 triệu", 2_000_000),
    ("1,2345 triệu", 1_234_500),
    ("0,5 triệu", 500_000),
    ("0,500 triệu", 500_000),
    ("1,500 triệu", 1_500_000_000),  # a thousands group: 1 500 triệu
    ("1.500 triệu", 1_500_000_000),
    ("1 tỷ", 1_000_000_000),
    ("1 tỉ", 1_000_000_000),
    ("1 ty", 1_000_000_000),
    ("1 ti", 1_000_000_000),
    ("1,2 tỷ", 1_200_000_000),
    ("2,75 tỷ", 2_750_000_000),
    ("10.000đ", 10_000),
    ("10.000 đ", 10_000),
    ("10.000d", 10_000),
    ("10.000 VND", 10_000),
    ("10.000 VNĐ", 10_000),
    ("10.000 vnd", 10_000),
    ("10.000 ₫", 10_000),
    ("10.000₫", 10_000),
    ("₫10,000", 10_000),
    ("VND 10.000", 10_000),
    ("100.000 đồng", 100_000),
    ("100.000 dong", 100_000),
    ("500kđ", 500_000),
    ("500k đ", 500_000),
    ("500k VND", 500_000),
    ("2 triệu đồng", 2_000_000),
    ("500 nghìn đồng", 500_000),
    ("10.000,00", 10_000),
    ("10,000.00", 10_000),
    ("10.000,00 đ", 10_000),
    ("1tr500k", 1_500_000),
    ("1 tr 500 k", 1_500_000),
    ("1 triệu 500 nghìn", 1_500_000),
    ("1 triệu 500 nghìn đồng", 1_500_000),
    ("2 tỷ 300 triệu", 2_300_000_000),
    ("1 tỷ 2 triệu 500k", 1_002_500_000),
    ("1 tỷ 999.999 nghìn", 1_999_999_000),
]

REJECTED = [
    ("1.5", AmountProblem.AMBIGUOUS),
    ("1,5", AmountProblem.AMBIGUOUS),
    ("1,50", AmountProblem.AMBIGUOUS),
    ("500000.00", AmountProblem.AMBIGUOUS),
    ("1.5 đ", AmountProblem.AMBIGUOUS),
    ("1tr5", AmountProblem.AMBIGUOUS),
    ("1 triệu 5", AmountProblem.AMBIGUOUS),
    ("1 tỷ 2", AmountProblem.AMBIGUOUS),
    ("1 000.500", AmountProblem.AMBIGUOUS),
    ("1500,000 k", AmountProblem.AMBIGUOUS),
    ("1.000.00", AmountProblem.NOT_AN_AMOUNT),
    ("1.000,000.5", AmountProblem.NOT_AN_AMOUNT),
    ("1,000.000", AmountProblem.AMBIGUOUS),
    ("10.00.000", AmountProblem.NOT_AN_AMOUNT),
    ("1.000,000", AmountProblem.AMBIGUOUS),
    ("1 5", AmountProblem.NOT_AN_AMOUNT),
    ("500  000", AmountProblem.NOT_AN_AMOUNT),
    ("500\n000", AmountProblem.NOT_AN_AMOUNT),
    ("abc", AmountProblem.NOT_AN_AMOUNT),
    ("", AmountProblem.NOT_AN_AMOUNT),
    ("   ", AmountProblem.NOT_AN_AMOUNT),
    ("k", AmountProblem.NOT_AN_AMOUNT),
    ("triệu", AmountProblem.NOT_AN_AMOUNT),
    ("đ", AmountProblem.NOT_AN_AMOUNT),
    ("500kk", AmountProblem.NOT_AN_AMOUNT),
    ("500 k k", AmountProblem.NOT_AN_AMOUNT),
    ("500m", AmountProblem.NOT_AN_AMOUNT),
    ("-500000", AmountProblem.NOT_AN_AMOUNT),
    ("−500000", AmountProblem.NOT_AN_AMOUNT),
    ("+500000", AmountProblem.NOT_AN_AMOUNT),
    ("1e6", AmountProblem.NOT_AN_AMOUNT),
    ("½", AmountProblem.NOT_AN_AMOUNT),
    ("½ triệu", AmountProblem.NOT_AN_AMOUNT),
    ("500000💰", AmountProblem.NOT_AN_AMOUNT),
    ("👍", AmountProblem.NOT_AN_AMOUNT),
    ("٥٠٠٠٠٠", AmountProblem.NOT_AN_AMOUNT),
    ("５００ｋ", AmountProblem.NOT_AN_AMOUNT),
    ("0912345678", AmountProblem.NOT_AN_AMOUNT),  # a phone number, not 912 million đồng
    ("0.500", AmountProblem.AMBIGUOUS),
    ("0,0000001 triệu", AmountProblem.NOT_AN_AMOUNT),  # a tenth of a đồng
    ("10.000,50", AmountProblem.NOT_AN_AMOUNT),
    ("1,5555k", AmountProblem.NOT_AN_AMOUNT),
    ("500k1tr", AmountProblem.NOT_AN_AMOUNT),
    ("1tr1500k", AmountProblem.NOT_AN_AMOUNT),
    ("1tr1tr", AmountProblem.NOT_AN_AMOUNT),
    ("1,5tr500k", AmountProblem.NOT_AN_AMOUNT),
    ("1tr0k", AmountProblem.NOT_AN_AMOUNT),
    ("đ500", AmountProblem.NOT_AN_AMOUNT),
    ("₫500 đ", AmountProblem.NOT_AN_AMOUNT),
    ("500 đ đ", AmountProblem.NOT_AN_AMOUNT),
    ("k500", AmountProblem.NOT_AN_AMOUNT),
    ("500.", AmountProblem.NOT_AN_AMOUNT),
    (".500", AmountProblem.NOT_AN_AMOUNT),
    ("500k.", AmountProblem.NOT_AN_AMOUNT),
    ("góp 500k", AmountProblem.NOT_AN_AMOUNT),
    ("500k nhé", AmountProblem.NOT_AN_AMOUNT),
    ("9" * 5000, AmountProblem.NOT_AN_AMOUNT),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted(text: str, expected: int) -> None:
    value = parse_amount(text)
    assert value == expected
    assert type(value) is int


@pytest.mark.parametrize(("text", "problem"), REJECTED)
def test_rejected(text: str, problem: AmountProblem) -> None:
    assert parse_amount(text) is None
    checked = check_amount(text)
    assert checked.value is None
    assert checked.problem is problem
    assert not checked.ok


def test_check_amount_limits_are_inclusive() -> None:
    assert check_amount("10.000").ok
    assert check_amount("10.000").value == MIN_AMOUNT
    assert check_amount("10 tỷ").ok
    assert check_amount("10 tỷ").value == MAX_AMOUNT
    small = check_amount("9.999")
    assert (small.value, small.problem) == (9_999, AmountProblem.TOO_SMALL)
    assert check_amount("0").problem == "too_small"
    large = check_amount("10.000.000.001")
    assert (large.value, large.problem) == (10_000_000_001, AmountProblem.TOO_LARGE)
    assert check_amount("1,2 tỷ").problem is None
    assert check_amount("abc").problem == "not_an_amount"
    assert check_amount("1,5").problem == "ambiguous"


def test_format_amount_keeps_babel_output() -> None:
    assert format_amount(500_000, "vi") == "500.000\xa0₫"
    assert format_amount(500_000, "en") == "₫500,000"
    assert format_amount(0, "vi") == "0\xa0₫"


@given(st.integers(min_value=0, max_value=10**12))
@example(0)
@example(999)
@example(1_000)
@example(10**12)
def test_formatted_amounts_parse_back(n: int) -> None:
    for text in (
        format_amount(n, "vi"),
        format_amount(n, "en"),
        f"{n:,}",
        f"{n:_}".replace("_", "."),
        f"{n:_}".replace("_", " "),
        str(n),
    ):
        value = parse_amount(text)
        assert value == n, text
        assert type(value) is int


@given(
    whole=st.integers(min_value=0, max_value=999),
    fraction=st.from_regex(r"[0-9]{1,2}|[0-9]{4,6}", fullmatch=True),
    separator=st.sampled_from([",", "."]),
    unit=st.sampled_from([("k", 10**3), ("tr", 10**6), (" triệu", 10**6), (" tỷ", 10**9)]),
)
def test_decimals_with_a_unit_are_exact(
    whole: int, fraction: str, separator: str, unit: tuple[str, int]
) -> None:
    word, multiplier = unit
    exact = (whole + Fraction(int(fraction), 10 ** len(fraction))) * multiplier
    value = parse_amount(f"{whole}{separator}{fraction}{word}")
    if exact.denominator == 1:
        assert value == exact.numerator
        assert type(value) is int
    else:
        assert value is None  # not whole đồng


@given(
    millions=st.integers(min_value=1, max_value=999),
    thousands=st.integers(min_value=1, max_value=999),
    space=st.sampled_from(["", " "]),
)
def test_compounds(millions: int, thousands: int, space: str) -> None:
    expected = millions * 10**6 + thousands * 10**3
    assert parse_amount(f"{millions}{space}tr{space}{thousands}{space}k") == expected
    assert parse_amount(f"{millions} triệu {thousands} nghìn đồng") == expected


_NO_DIGIT = st.characters(blacklist_categories=("Nd", "Cs"))
_AMOUNT_WORDS = st.sampled_from(
    [" ", ".", ",", "k", "K", "tr", "triệu", "tỷ", "nghìn", "ngàn", "đ", "₫", "VND", "đồng", "½"]
)


@given(st.text(alphabet=_NO_DIGIT) | st.lists(_AMOUNT_WORDS | _NO_DIGIT).map("".join))
def test_text_without_digits_is_never_an_amount(text: str) -> None:
    assert parse_amount(text) is None
    assert check_amount(text).problem is AmountProblem.NOT_AN_AMOUNT


@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    value = parse_amount(text)
    assert value is None or (type(value) is int and value >= 0)
    checked = check_amount(text)
    assert checked.value == value
    assert (checked.problem is None) == (value is not None and MIN_AMOUNT <= value <= MAX_AMOUNT)


_AMOUNT_LIKE = st.from_regex(
    r"(₫|VND )?[0-9]{1,4}([.,  ][0-9]{1,4}){0,3}\s?(k|K|tr|triệu|tỷ|nghìn|ngàn)?\s?(đ|VND|đồng)?",
    fullmatch=True,
)


@given(_AMOUNT_LIKE)
def test_never_a_float(text: str) -> None:
    value = parse_amount(text)
    assert value is None or type(value) is int
    assert check_amount(text).value == value
