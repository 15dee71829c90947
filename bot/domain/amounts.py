"""Amounts of money as people type them, in integer đồng (never float).

Plain functions, free of Telegram and of the database.

What `parse_amount` accepts:

* digits with optional thousands separators: "500000", "500.000", "500,000", "500 000"
  (one separator kind per number; every group after the first has exactly three digits);
* a unit after the number: k / nghìn / ngàn (10³), tr / triệu (10⁶), tỷ / tỉ (10⁹), with or
  without diacritics and in any case: "500k", "1tr", "1,5 triệu", "1.2 ty";
* a currency word or sign before or after: đ, d, ₫, đồng, dong, VND, VNĐ ("10.000đ",
  "100.000 đồng", "₫500,000" as Babel writes it in English, "500k VND");
* a decimal part, only where it can't be mistaken for thousands:
  - with a unit, a single "," or "." followed by any number of digits other than three
    ("1,5 triệu", "1.25tr", "1,2345 triệu"); the result must be whole đồng
    ("0,0000001 triệu" is refused). "1,500 triệu" groups thousands (1 500 triệu, as both the
    Vietnamese and the English convention read it), and "0,500 triệu" is half a million;
  - after a grouped number, the other separator: "10.000,00" or "10,000.00" (whole đồng only);
* compounds with strictly decreasing units, each part below the next unit up:
  "1tr500k", "1 triệu 500 nghìn đồng", "2 tỷ 300 triệu" (all parts whole numbers).

What it refuses (returns None):

* a decimal without a unit ("1.5", "1,50"): is it đồng, thousands or a typo? (ambiguous);
* a bare number after a unit ("1tr5", "1 tỷ 2"): colloquially 1.5 million, but "1tr50" is read
  both ways, so we ask rather than guess (ambiguous);
* badly grouped or mixed separators ("1.000.00", "1.000,000.5"), a leading zero ("0912345678"
  is more likely a phone number than 912 million đồng), signs ("-500000", "+5"), exponents
  ("1e6"), vulgar fractions ("½"), non-ASCII digits, doubled units ("500kk"), other words and
  emoji.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.text import fold
from bot.i18n import money

MIN_AMOUNT = 10_000
MAX_AMOUNT = 10_000_000_000

# A number far longer than any amount is refused before int() sees it (Python limits the
# length of strings that int() converts).
_MAX_DIGITS = 40

_THOUSAND = 10**3
_MILLION = 10**6
_BILLION = 10**9

# Unit words after fold(): lower case, no diacritics, "đ" as "d".
_UNITS: dict[str, int] = {
    "k": _THOUSAND,
    "nghin": _THOUSAND,
    "ngan": _THOUSAND,
    "tr": _MILLION,
    "trieu": _MILLION,
    "ty": _BILLION,
    "ti": _BILLION,
}
_CURRENCY_WORDS = frozenset({"d", "dong", "vnd"})
# The currency may stand before the number only as Babel's English format writes it or as an
# ISO code: "₫500,000", "VND 500.000".
_CURRENCY_PREFIXES = frozenset({"₫", "vnd"})

_TOKEN = re.compile(
    r"""
    (?P<number>[0-9]+(?:[.,\u0020\u00a0\u2009\u202f][0-9]+)*)  # ASCII digits, separators
    | (?P<word>[^\W\d_]+)                      # a run of letters (NFC)
    | (?P<sign>₫)
    | (?P<space>\s+)
    """,
    re.VERBOSE,
)
# Between groups of digits: a dot, a comma or one space (plain, no-break, thin, narrow no-break).
_SEPARATOR = re.compile(r"[.,\u0020\u00a0\u2009\u202f]")


class AmountProblem(StrEnum):
    NOT_AN_AMOUNT = "not_an_amount"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class AmountCheck:
    """The outcome of check_amount.

    `value` is set whenever the text is an amount, even one out of range (so that a reply can
    say "500 ₫ is below the minimum"); it is None only for NOT_AN_AMOUNT and AMBIGUOUS.
    """

    value: int | None = None
    problem: AmountProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Refused(Exception):
    def __init__(self, problem: AmountProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "unit", "currency"
    text: str = ""
    unit: int = 0
    prefix_ok: bool = False


def parse_amount(text: str) -> int | None:
    """The amount in whole đồng that `text` states, or None if it states none unambiguously."""
    try:
        return _parse(text)
    except _Refused:
        return None


def check_amount(text: str) -> AmountCheck:
    """Parse `text` and check MIN_AMOUNT <= amount <= MAX_AMOUNT (both inclusive)."""
    try:
        value = _parse(text)
    except _Refused as refused:
        return AmountCheck(problem=refused.problem)
    if value < MIN_AMOUNT:
        return AmountCheck(value=value, problem=AmountProblem.TOO_SMALL)
    if value > MAX_AMOUNT:
        return AmountCheck(value=value, problem=AmountProblem.TOO_LARGE)
    return AmountCheck(value=value)


def format_amount(value: int, lang: str) -> str:
    """Babel's currency format: 500000 -> '500.000\\xa0₫' in "vi", '₫500,000' in "en"."""
    return money(value, lang)


def _parse(text: str) -> int:
    tokens = _tokenize(unicodedata.normalize("NFC", text))
    i, n = 0, len(tokens)
    prefixed = n > 0 and tokens[0].kind == "currency"
    if prefixed:
        if not tokens[0].prefix_ok:
            raise _Refused(AmountProblem.NOT_AN_AMOUNT)
        i = 1
    terms: list[tuple[str, int | None]] = []
    while i < n and tokens[i].kind == "number":
        number = tokens[i].text
        i += 1
        unit: int | None = None
        if i < n and tokens[i].kind == "unit":
            unit = tokens[i].unit
            i += 1
        terms.append((number, unit))
    if i < n and tokens[i].kind == "currency" and not prefixed:
        i += 1
    if i != n or not terms:
        raise _Refused(AmountProblem.NOT_AN_AMOUNT)
    if len(terms) == 1:
        number, unit = terms[0]
        return _number_value(number, unit)
    return _compound_value(terms)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _Refused(AmountProblem.NOT_AN_AMOUNT)
        pos = match.end()
        kind = match.lastgroup
        if kind == "number":
            tokens.append(_Token("number", text=match.group()))
        elif kind == "sign":
            tokens.append(_Token("currency", prefix_ok=True))
        elif kind == "word":
            tokens.extend(_word_tokens(match.group()))
    return tokens


def _word_tokens(word: str) -> list[_Token]:
    folded = fold(word)
    if folded in _UNITS:
        return [_Token("unit", unit=_UNITS[folded])]
    if folded in _CURRENCY_WORDS:
        return [_Token("currency", prefix_ok=folded in _CURRENCY_PREFIXES)]
    # A unit glued to the currency: "500kđ", "2trd", "1kvnd".
    for currency in _CURRENCY_WORDS:
        head = folded.removesuffix(currency)
        if head != folded and head in _UNITS:
            return [_Token("unit", unit=_UNITS[head]), _Token("currency")]
    raise _Refused(AmountProblem.NOT_AN_AMOUNT)


def _compound_value(terms: list[tuple[str, int | None]]) -> int:
    """'1tr500k' -> 1_500_000: whole parts, units strictly decreasing, each part in range."""
    if any(unit is None for _number, unit in terms[:-1]):
        raise _Refused(AmountProblem.NOT_AN_AMOUNT)  # "500  000": two numbers, no unit
    parts = [(number, unit) for number, unit in terms if unit is not None]
    if len(parts) < len(terms):
        # "1tr5": 1.5 million or 1 000 005? Ask, don't guess.
        raise _Refused(AmountProblem.AMBIGUOUS)
    total = 0
    previous_unit = 0
    for number, unit in parts:
        digits, fraction, _grouped = _split_number(number)
        if fraction is not None:
            raise _Refused(AmountProblem.NOT_AN_AMOUNT)
        part = int(digits)
        if part == 0:
            raise _Refused(AmountProblem.NOT_AN_AMOUNT)
        if previous_unit and (unit >= previous_unit or part * unit >= previous_unit):
            raise _Refused(AmountProblem.NOT_AN_AMOUNT)
        total += part * unit
        previous_unit = unit
    return total


def _number_value(number: str, unit: int | None) -> int:
    digits, fraction, grouped = _split_number(number)
    multiplier = unit or 1
    if fraction is None:
        return int(digits) * multiplier
    if len(fraction) == 3 and digits != "0":
        # "1 000.500" or "1500,000 k": a decimal part or one more group of thousands?
        raise _Refused(AmountProblem.AMBIGUOUS)
    if unit is None and not grouped:
        # "1.5", "1,50", "500000.00": no unit and no grouping tell which separator this is.
        raise _Refused(AmountProblem.AMBIGUOUS)
    numerator = int(digits + fraction) * multiplier
    denominator: int = 10 ** len(fraction)
    if numerator % denominator:
        raise _Refused(AmountProblem.NOT_AN_AMOUNT)  # a fraction of a đồng
    return numerator // denominator


def _split_number(number: str) -> tuple[str, str | None, bool]:
    """Digits of the integer part, digits of the decimal part (None if none), grouped or not."""
    separators = [" " if sep.isspace() else sep for sep in _SEPARATOR.findall(number)]
    groups = _SEPARATOR.split(number)
    if sum(len(group) for group in groups) > _MAX_DIGITS:
        raise _Refused(AmountProblem.NOT_AN_AMOUNT)
    if not separators:
        if not _plain(groups[0]):
            raise _Refused(AmountProblem.NOT_AN_AMOUNT)
        return groups[0], None, False
    if _grouped(groups, separators):
        return "".join(groups), None, True
    decimal = separators[-1]
    head_groups, head_separators, fraction = groups[:-1], separators[:-1], groups[-1]
    if decimal not in ".,":
        raise _Refused(AmountProblem.NOT_AN_AMOUNT)
    if head_separators:
        if head_separators[0] == decimal or not _grouped(head_groups, head_separators):
            raise _Refused(AmountProblem.NOT_AN_AMOUNT)
        return "".join(head_groups), fraction, True
    if not _plain(head_groups[0]):
        raise _Refused(AmountProblem.NOT_AN_AMOUNT)
    return head_groups[0], fraction, False


def _plain(digits: str) -> bool:
    """Digits with no leading zero, or a lone zero."""
    return digits == "0" or not digits.startswith("0")


def _grouped(groups: list[str], separators: list[str]) -> bool:
    """'1.234.567': one kind of separator, a first group of 1-3 digits, then groups of 3."""
    first = groups[0]
    return (
        len(set(separators)) == 1
        and 1 <= len(first) <= 3
        and not first.startswith("0")
        and all(len(group) == 3 for group in groups[1:])
    )
