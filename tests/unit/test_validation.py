from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.validation import (
    Problem,
    check_birth_year,
    check_name,
    check_organisation,
    display_phone,
    needs_guardian,
    normalise_phone,
)


def test_names() -> None:
    assert check_name("  Nguyễn   Thị  Lan ").value == "Nguyễn Thị Lan"
    assert check_name("Đặng Văn Đức").ok
    assert check_name("H'Hen Niê").ok
    assert check_name("H’Hen Niê").ok
    assert check_name("").problem is Problem.EMPTY
    assert check_name("😀😀😀").problem is Problem.NOT_A_NAME
    assert check_name("12345").problem is Problem.NOT_A_NAME
    assert check_name("An 2").problem is Problem.NOT_A_NAME
    assert check_name("A").problem is Problem.NOT_A_NAME
    assert check_name("a" * 101).problem is Problem.TOO_LONG


def test_name_is_normalised_to_nfc() -> None:
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" typed with combining marks
    assert check_name(decomposed).value == "Nguyễn"


@given(st.text(alphabet=st.characters(whitelist_categories=("Nd", "So", "Sm", "Pc"))))
def test_nothing_without_letters_is_a_name(text: str) -> None:
    assert not check_name(text).ok


def test_phones() -> None:
    assert normalise_phone("0912345678") == "+84912345678"
    assert normalise_phone("0912 345 678") == "+84912345678"
    assert normalise_phone("+84 912-345-678") == "+84912345678"
    assert normalise_phone("84912345678") == "+84912345678"
    assert normalise_phone("02253 123 456") == "+842253123456"  # a Hải Phòng landline
    assert normalise_phone("1900 1234") is None  # a hotline is nobody's own number
    for bad in ("12345", "abc", "", "+1 202 555 0143", "0912", "😀", "0" * 30):
        assert normalise_phone(bad) is None, bad
    assert display_phone("+84912345678") == "0912 345 678"


@given(st.text(max_size=30))
def test_phone_parser_never_crashes_and_returns_e164(text: str) -> None:
    phone = normalise_phone(text)
    assert phone is None or (phone.startswith("+84") and phone[1:].isdigit())


def test_birth_years() -> None:
    assert check_birth_year("1990", 2026).value == 1990
    assert check_birth_year(" 2020 ", 2026).value == 2020
    assert check_birth_year("2021", 2026).problem is Problem.YEAR_OUT_OF_RANGE
    assert check_birth_year("1905", 2026).problem is Problem.YEAR_OUT_OF_RANGE
    assert check_birth_year("2030", 2026).problem is Problem.YEAR_OUT_OF_RANGE
    for bad in ("abcd", "20", "１９９０", "19901", "-199"):
        assert check_birth_year(bad, 2026).problem is Problem.NOT_A_YEAR, bad
    assert needs_guardian(2011, 2026)
    assert needs_guardian(2010, 2026)  # may still be 15 until their birthday
    assert not needs_guardian(2009, 2026)


def test_organisation() -> None:
    assert check_organisation(" Trường  THPT Trần Phú ").value == "Trường THPT Trần Phú"
    assert check_organisation("x" * 201).problem is Problem.TOO_LONG
    assert check_organisation("!!!").problem is Problem.NOT_A_NAME
