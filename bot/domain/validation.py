"""Rules of the domain: what a valid name, phone and year of birth are.

Plain functions, free of Telegram and of the database, so that another channel can reuse them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

from bot.domain.text import squeeze

NAME_MAX = 100
ORGANISATION_MAX = 200
OLDEST_AGE = 120
YOUNGEST_AGE = 6  # school age: younger children do not chat with the bot themselves
GUARDIAN_AGE = 16  # under this age a parent or guardian consents (Decree 356/2025)


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_A_NAME = "not_a_name"
    NOT_A_PHONE = "not_a_phone"
    NOT_A_YEAR = "not_a_year"
    YEAR_OUT_OF_RANGE = "year_out_of_range"


@dataclass(frozen=True)
class Checked:
    value: str | int | None = None
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _name_char_ok(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category.startswith("L") or category.startswith("M") or ch in " '’ʼ-."


def check_name(raw: str, max_len: int = NAME_MAX) -> Checked:
    """A person's full name: letters (any script), spaces, apostrophes, hyphens and dots."""
    name = squeeze(raw)
    if not name:
        return Checked(problem=Problem.EMPTY)
    if len(name) > max_len:
        return Checked(problem=Problem.TOO_LONG)
    letters = sum(1 for ch in name if unicodedata.category(ch).startswith("L"))
    if letters < 2 or not all(_name_char_ok(ch) for ch in name):
        return Checked(problem=Problem.NOT_A_NAME)
    return Checked(value=name)


def check_organisation(raw: str) -> Checked:
    """A free-text organisation name; needs at least one letter or digit."""
    text = squeeze(raw)
    if not text:
        return Checked(problem=Problem.EMPTY)
    if len(text) > ORGANISATION_MAX:
        return Checked(problem=Problem.TOO_LONG)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return Checked(problem=Problem.NOT_A_NAME)
    return Checked(value=text)


_PERSONAL_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def normalise_phone(raw: str) -> str | None:
    """A valid Vietnamese phone number in E.164 (+84...), or None."""
    text = raw.strip()
    if not text or len(text) > 25:
        return None
    if not all(ch.isdigit() or ch in "+-. ()" for ch in text):
        return None
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _PERSONAL_TYPES:
        return None  # hotlines (1900, 1800) and the like are nobody's own number
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_phone(raw: str) -> Checked:
    phone = normalise_phone(raw)
    return Checked(value=phone) if phone else Checked(problem=Problem.NOT_A_PHONE)


def check_birth_year(raw: str, current_year: int) -> Checked:
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        return Checked(problem=Problem.NOT_A_YEAR)
    year = int(text)
    if not current_year - OLDEST_AGE <= year <= current_year - YOUNGEST_AGE:
        return Checked(problem=Problem.YEAR_OUT_OF_RANGE)
    return Checked(value=year)


def needs_guardian(birth_year: int, current_year: int) -> bool:
    """True when the person may be under 16 this year, so an adult must consent for them."""
    return current_year - birth_year <= GUARDIAN_AGE


def display_phone(e164: str) -> str:
    """+84912345678 -> 0912 345 678, the way Vietnamese people write numbers."""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
