from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import statement
from bot.domain.statement import (
    DESCRIPTION_MAX,
    MAX_BYTES,
    MAX_ROWS,
    Statement,
    StatementError,
    StatementLine,
    StatementProblem,
    parse_statement,
    parse_statement_amount,
)
from bot.domain.vietqr import parse_reference

FINGERPRINT = re.compile(r"[0-9a-f]{32}")


def problem_of(data: bytes) -> StatementProblem:
    with pytest.raises(StatementError) as raised:
        parse_statement(data)
    assert isinstance(raised.value, ValueError)
    return raised.value.problem


def cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed where it can, else a combining tone mark."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        kept = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tones))
        out += kept.encode("cp1258")
        out += "".join(m for m in marks if m in tones).encode("cp1258")
    return bytes(out)


# --- bank-like layouts -----------------------------------------------------------------------

VIETCOMBANK = (
    "NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM\r\n"  # 1
    "SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT\r\n"  # 2
    "Số tài khoản: 0071000123456;Hội Khuyến học tỉnh Bắc Ninh\r\n"  # 3
    "Từ ngày 01/03/2026 đến ngày 31/03/2026\r\n"  # 4
    "\r\n"  # 5
    "Số tham chiếu;Ngày giao dịch;Số tiền ghi nợ;Số tiền ghi có;Mô tả giao dịch\r\n"  # 6
    "5213 - 70918;01/03/2026;;500.000;KH2026 P000123 Nguyễn Văn An ủng hộ\r\n"  # 7
    "5213 - 70919;02/03/2026;11.000;;Thu phí SMS Banking\r\n"  # 8
    '5213 - 70920;03/03/2026;;1.500.000;"MBVCB.3301.KH2026 P000124; học bổng"\r\n'  # 9
    "5213 - 70921;03/03/2026;;1.5OO.OOO;Chuyển tiền\r\n"  # 10: letters O, not zeros
    "5213 - 70922;04/03/2026;;2.000.000;  Ủng hộ quỹ   khuyến học \r\n"  # 11
    "Tổng cộng;;11.000;4.000.000;\r\n"  # 12
    "Số dư cuối kỳ;;;;10.000.000\r\n"  # 13
    "\r\n"  # 14
    "Người lập biểu;;;Kế toán trưởng;\r\n"  # 15
)


def test_vietcombank_like_semicolons_with_title_lines() -> None:
    parsed = parse_statement(codecs.BOM_UTF8 + VIETCOMBANK.encode("utf-8"))
    assert isinstance(parsed, Statement)
    assert [line.row for line in parsed.lines] == [7, 9, 11]
    first, second, third = parsed.lines
    assert first == StatementLine(
        row=7,
        amount=500_000,
        description="KH2026 P000123 Nguyễn Văn An ủng hộ",
        booked="01/03/2026",
        transaction_id="5213 - 70918",
        fingerprint=first.fingerprint,
    )
    assert (second.amount, second.description) == (1_500_000, "MBVCB.3301.KH2026 P000124; học bổng")
    assert (second.booked, second.transaction_id) == ("03/03/2026", "5213 - 70920")
    assert (third.amount, third.description) == (2_000_000, "Ủng hộ quỹ khuyến học")
    assert (third.booked, third.transaction_id) == ("04/03/2026", "5213 - 70922")
    assert all(type(line.amount) is int for line in parsed.lines)
    assert all(FINGERPRINT.fullmatch(line.fingerprint) for line in parsed.lines)
    assert len({line.fingerprint for line in parsed.lines}) == 3
    # The fee is a debit; "1.5OO.OOO" is unreadable; totals, balance and signatures are skipped.
    assert parsed.debits == 1
    assert parsed.unreadable == [10]
    assert parse_reference(first.description) == (2026, 123)
    assert parse_reference(second.description) == (2026, 124)


ENGLISH = (
    "Account statement,,,,\n"  # 1
    "Account number: 19036612345018,,,,\n"  # 2
    "Date,Description,Debit,Credit,Balance\n"  # 3
    '01/03/2026,Opening balance,,,"10,000,000.00"\n'  # 4
    '01/03/2026,"KH2026 P000125, school fund",,"500,000.00","10,500,000.00"\n'  # 5
    '02/03/2026,ATM withdrawal,"100,000.00",,"10,400,000.00"\n'  # 6
    '03/03/2026,"Transfer from\n  Tran Thi B KH2026P000126",,"250,000.00","10,650,000.00"\n'  # 7-8
    '03/03/2026,Fee refund,,0.00,"10,650,000.00"\n'  # 9
    '04/03/2026,Monthly donation,,"300,000.00","10,950,000.00"\n'  # 10
    '04/03/2026,Monthly donation,,"300,000.00","11,250,000.00"\n'  # 11
    '05/03/2026,Interest,,"12,345.67","11,262,345.67"\n'  # 12
    ',Closing balance,,,"11,262,345.67"\n'  # 13
)


def test_english_date_description_debit_credit_balance() -> None:
    parsed = parse_statement(ENGLISH.encode("utf-8"))
    rows = [(line.row, line.amount, line.description, line.booked) for line in parsed.lines]
    assert rows == [
        (5, 500_000, "KH2026 P000125, school fund", "01/03/2026"),
        (7, 250_000, "Transfer from Tran Thi B KH2026P000126", "03/03/2026"),
        (10, 300_000, "Monthly donation", "04/03/2026"),
        (11, 300_000, "Monthly donation", "04/03/2026"),
    ]
    assert all(line.transaction_id is None for line in parsed.lines)
    assert parse_reference(parsed.lines[1].description) == (2026, 126)
    # The withdrawal and the zero credit.
    assert parsed.debits == 2
    # A fraction of a đồng.
    assert parsed.unreadable == [12]


def test_identical_rows_get_distinct_fingerprints_stable_across_parses() -> None:
    data = ENGLISH.encode("utf-8")
    once, twice = parse_statement(data), parse_statement(data)
    assert [line.fingerprint for line in once.lines] == [line.fingerprint for line in twice.lines]
    fingerprints = [line.fingerprint for line in once.lines]
    assert len(set(fingerprints)) == len(fingerprints) == 4
    # The two "Monthly donation" rows differ only in their occurrence index.
    booked, amount, description = "04/03/2026", 300_000, "monthly donation"
    expected = [
        hashlib.sha256(f"row\x1f{booked}\x1f{amount}\x1f{description}\x1f{i}".encode()).hexdigest()[
            :32
        ]
        for i in (0, 1)
    ]
    assert fingerprints[2:] == expected


def test_fingerprint_does_not_depend_on_the_row_number() -> None:
    shifted = "Extra title line,,,,\n\n" + ENGLISH
    before = parse_statement(ENGLISH.encode("utf-8"))
    after = parse_statement(shifted.encode("utf-8"))
    assert [line.row + 2 for line in before.lines] == [line.row for line in after.lines]
    assert [line.fingerprint for line in before.lines] == [line.fingerprint for line in after.lines]


def test_fingerprint_uses_the_transaction_id_with_its_date_and_amount() -> None:
    header = "Số tham chiếu;Ngày giao dịch;Số tiền ghi có;Mô tả giao dịch\n"
    one = parse_statement((header + "FT1;01/03/2026;500.000;KH2026 P000001\n").encode())
    # An overlapping export: the same transaction, its note cut differently.
    overlap = parse_statement(
        (header + "FT0;01/03/2026;1.000;x\nFT1;01/03/2026;500.000;KH2026 P000001 ung ho\n").encode()
    )
    # A bank that reuses a reference on another day, for another amount.
    reused = parse_statement((header + "FT1;02/03/2026;600.000;something else\n").encode())
    assert one.lines[0].fingerprint == overlap.lines[1].fingerprint
    assert (
        one.lines[0].fingerprint
        == hashlib.sha256(b"id\x1fFT1\x1f01/03/2026\x1f500000").hexdigest()[:32]
    )
    assert overlap.lines[0].fingerprint != overlap.lines[1].fingerprint
    assert reused.lines[0].fingerprint != one.lines[0].fingerprint


def test_same_transfer_different_description_or_day_is_a_different_line() -> None:
    header = "Ngày,Nội dung,Có\n"
    parsed = parse_statement(
        (
            header + "01/03/2026,Ung ho,100000\n"
            "01/03/2026,Ủng hộ,100000\n"  # folds to the same note as the line above
            "02/03/2026,Ung ho,100000\n"
            "01/03/2026,Ung ho,100001\n"
            "01/03/2026,Ung ho khac,100000\n"
        ).encode()
    )
    fingerprints = [line.fingerprint for line in parsed.lines]
    assert len(set(fingerprints)) == 5


UNICODE_TEXT = (
    "Ngày hiệu lực\tMã GD\tNội dung chuyển khoản\tTiền vào\tTiền ra\r\n"
    "05/03/2026 10:15:02\tFT26064123456\tKH2026 P000127, ủng hộ\t1,000,000\t\r\n"
    "05/03/2026 11:00:00\tFT26064123457\tChuyển tiền đi\t\t50,000\r\n"
    "06/03/2026 08:00:00\tFT26065000001\tKH2026 P000128\t200000\t\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_tab_separated(encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    parsed = parse_statement(bom + UNICODE_TEXT.encode(encoding))
    assert [
        (line.row, line.amount, line.description, line.booked, line.transaction_id)
        for line in parsed.lines
    ] == [
        (2, 1_000_000, "KH2026 P000127, ủng hộ", "05/03/2026 10:15:02", "FT26064123456"),
        (4, 200_000, "KH2026 P000128", "06/03/2026 08:00:00", "FT26065000001"),
    ]
    assert parsed.debits == 1
    assert parsed.unreadable == []


def test_windows_1258() -> None:
    text = (
        "Sao kê tài khoản\r\n"
        "Ngày;Diễn giải;Ghi nợ;Ghi có\r\n"
        "07/03/2026;Trần Thị Bình ủng hộ KH2026 P000129;;300.000\r\n"
        "08/03/2026;Phí quản lý tài khoản;5.500;\r\n"
    )
    data = cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = parse_statement(data)
    (line,) = parsed.lines
    assert line.row == 3
    assert line.amount == 300_000
    assert line.description == "Trần Thị Bình ủng hộ KH2026 P000129"
    assert unicodedata.is_normalized("NFC", line.description)
    assert (line.booked, line.transaction_id) == ("07/03/2026", None)
    assert parsed.debits == 1


def test_signed_amount_column() -> None:
    data = (
        b"Transaction date,Transaction ID,Amount,Narrative\n"
        b'2026-03-09,TX1,"1,500,000 VND",KH2026 P000130\n'
        b"2026-03-09,TX2,-200000,Card payment\n"
        b"2026-03-10,TX3,(50.000),Fee\n"
        b"2026-03-10,TX4,+750.000,KH2026 P000131 scholarship\n"
        b"2026-03-11,TX5,abc,Broken\n"
        b"2026-03-11,TX6,0,Zero\n"
        b"2026-03-12,TX7,,Empty amount\n"
        b'2026-03-12,="0012345678",1 000 000,KH2026 P000132\n'
    )
    parsed = parse_statement(data)
    assert [
        (line.row, line.amount, line.description, line.booked, line.transaction_id)
        for line in parsed.lines
    ] == [
        (2, 1_500_000, "KH2026 P000130", "2026-03-09", "TX1"),
        (5, 750_000, "KH2026 P000131 scholarship", "2026-03-10", "TX4"),
        (9, 1_000_000, "KH2026 P000132", "2026-03-12", "0012345678"),
    ]
    assert parsed.debits == 4  # negative, bracketed, zero and empty
    assert parsed.unreadable == [6]


def test_signed_amount_with_a_debit_column_marking_debits() -> None:
    data = (
        "Ngày,Nội dung,Số tiền,Tiền ra\n"
        "01/03/2026,Rút tiền mặt,200000,200000\n"
        "01/03/2026,KH2026 P000140,300000,\n"
    ).encode()
    parsed = parse_statement(data)
    assert [(line.amount, line.description) for line in parsed.lines] == [
        (300_000, "KH2026 P000140")
    ]
    assert parsed.debits == 1


def test_credit_column_preferred_over_the_more_general_amount() -> None:
    data = (
        "Số tiền;Mô tả;Số tiền ghi có;Nội dung giao dịch;Ngày;Ngày hiệu lực\n"
        "999;wrong note;500.000;KH2026 P000141;01/03;02/03/2026\n"
    ).encode()
    (line,) = parse_statement(data).lines
    assert line.amount == 500_000
    assert line.description == "KH2026 P000141"
    assert line.booked == "02/03/2026"


def test_bilingual_headers_and_a_second_english_header_row() -> None:
    data = (
        "Ngày GD/Transaction date;Số tiền ghi có (VND)/Credit;Ghi nợ/Debit;Nội dung/Details\n"
        "Transaction date;Credit;Debit;Details\n"
        "(1);(2);(3);(4)\n"
        "01/03/2026;500.000;;KH2026 P000142\n"
    ).encode()
    parsed = parse_statement(data)
    assert [(line.row, line.amount) for line in parsed.lines] == [(4, 500_000)]
    assert (parsed.debits, parsed.unreadable) == (0, [])


def test_indicator_column_is_not_an_amount() -> None:
    data = "Ngày,Nợ/Có,Số tiền,Nội dung\n01/03/2026,C,500000,KH2026 P000143\n".encode()
    (line,) = parse_statement(data).lines
    assert line.amount == 500_000


def test_header_repeated_on_each_page_is_skipped() -> None:
    header = "Date,Description,Credit\n"
    data = (
        header + "01/03/2026,first,100000\n" + "Page 2,,\n" + header + "02/03/2026,second,200000\n"
    ).encode()
    parsed = parse_statement(data)
    assert [(line.row, line.description) for line in parsed.lines] == [
        (2, "first"),
        (5, "second"),
    ]
    assert (parsed.debits, parsed.unreadable) == (0, [])


def test_delimiter_with_the_widest_header_wins() -> None:
    data = (
        "Bank, branch, account: 123, period: March\n"
        "Ngày;Nội dung;Ghi có;Số dư\n"
        "01/03/2026;Ung ho, KH2026 P000144, hoc bong;500,000;1,000,000\n"
    ).encode()
    (line,) = parse_statement(data).lines
    assert line.description == "Ung ho, KH2026 P000144, hoc bong"
    assert line.amount == 500_000


def test_delimiter_splitting_its_header_widest_wins_over_an_earlier_header() -> None:
    data = (
        "Nội dung,Số tiền\n"  # a header to a comma reader: 2 columns
        "Số tham chiếu;Ngày;Nội dung;Số tiền ghi có\n"  # to a semicolon reader: 4
        "FT1;01/03/2026;KH2026 P000146, ủng hộ;500,000\n"
    ).encode()
    parsed = parse_statement(data)
    assert [
        (line.row, line.amount, line.description, line.transaction_id) for line in parsed.lines
    ] == [(3, 500_000, "KH2026 P000146, ủng hộ", "FT1")]


def test_money_in_and_out_on_one_row_is_unreadable() -> None:
    data = b"Date,Description,Debit,Credit\n01/03/2026,odd,1000,2000\n01/03/2026,ok,,2000\n"
    parsed = parse_statement(data)
    assert [line.row for line in parsed.lines] == [3]
    assert (parsed.debits, parsed.unreadable) == (0, [2])


def test_header_must_be_within_the_first_30_rows() -> None:
    body = "Date,Description,Credit\n01/03/2026,x,1000\n"
    assert len(parse_statement(("title\n" * 29 + body).encode()).lines) == 1
    assert problem_of(("title\n" * 30 + body).encode()) is StatementProblem.NO_COLUMNS


def test_description_is_truncated_and_empty_cells_are_none() -> None:
    note = "KH2026 P000145 " + "x" * 1000
    data = f"Description,Credit\n{note},100000\n".encode()
    (line,) = parse_statement(data).lines
    assert line.description == note[:DESCRIPTION_MAX]
    assert (line.booked, line.transaction_id) == (None, None)


def test_header_only_statement_has_no_lines() -> None:
    assert parse_statement(b"Date,Description,Credit\r\n") == Statement([], 0, [])


def test_notes_without_amount_date_or_id_are_skipped_not_counted() -> None:
    data = (
        "Số tham chiếu;Ngày;Ghi nợ;Ghi có;Nội dung\n"
        "FT1;01/03/2026;;500.000;Chuyen tien KH2026\n"
        ";;;;P000147 (the wrapped end of the note above)\n"
        ";;;;Quý khách vui lòng kiểm tra sao kê.\n"
        "FT2;01/03/2026;;;A transaction without amounts\n"
    ).encode()
    parsed = parse_statement(data)
    assert [line.row for line in parsed.lines] == [2]
    assert (parsed.debits, parsed.unreadable) == (1, [])


def test_rows_with_neither_amount_nor_description_are_skipped() -> None:
    data = b"Date,Description,Debit,Credit\n01/03/2026,,,\n,,,\n\n01/03/2026,,1000,\n"
    parsed = parse_statement(data)
    assert parsed == Statement([], 1, [])


# --- problems --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\r\n\n  \n", b";;;\n,,,\n\t\t\n", b'"",""\n'],
)
def test_empty(data: bytes) -> None:
    assert problem_of(data) is StatementProblem.EMPTY


def test_too_many_bytes() -> None:
    assert problem_of(b"a" * (MAX_BYTES + 1)) is StatementProblem.TOO_LARGE


def test_too_many_rows() -> None:
    header = b"Description,Credit\n"
    assert parse_statement(header + b"\n" * (MAX_ROWS - 1)) == Statement([], 0, [])
    assert problem_of(header + b"\n" * MAX_ROWS) is StatementProblem.TOO_LARGE


def test_row_limit_is_read_when_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statement, "MAX_ROWS", 3)
    assert len(parse_statement(b"Description,Credit\na,1\nb,2\n").lines) == 2
    assert problem_of(b"Description,Credit\na,1\nb,2\nc,3\n") is StatementProblem.TOO_LARGE


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x06\x00" + b"Description,Credit\n",  # .xlsx
        b"%PDF-1.7\nDescription,Credit\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # old .xls
        "Description,Credit\n".encode("utf-16-le"),  # UTF-16 without a BOM
        b"Description,Credit\nabc\x00,1\n",
        codecs.BOM_UTF16_LE + b"D\x00e",  # odd length
        codecs.BOM_UTF8 + b"Description,Credit\n\xff,1\n",
        b"Description,Credit\n\x81,1\n",  # neither UTF-8 nor Windows-1258
        bytes(range(1, 32)) * 10,
    ],
)
def test_not_text(data: bytes) -> None:
    assert problem_of(data) is StatementProblem.NOT_TEXT


@pytest.mark.parametrize(
    "data",
    [
        b"hello,world\n1,2\n",
        b"Date,Credit,Balance\n01/03/2026,100,100\n",  # no description
        b"Date,Description,Balance\n01/03/2026,x,100\n",  # no amount
        "Nợ/Có;Nội dung\nC;x\n".encode(),
    ],
)
def test_no_columns(data: bytes) -> None:
    assert problem_of(data) is StatementProblem.NO_COLUMNS


def test_problem_values() -> None:
    assert {problem.value for problem in StatementProblem} == {
        "empty",
        "too_large",
        "not_text",
        "no_columns",
    }
    error = StatementError(StatementProblem.EMPTY)
    assert isinstance(error, ValueError)
    assert error.problem is StatementProblem.EMPTY


# --- amounts ---------------------------------------------------------------------------------

AMOUNTS = [
    ("500000", 500_000),
    ("500,000", 500_000),
    ("500.000", 500_000),
    ("500.000,00", 500_000),
    ("500,000.00", 500_000),
    ("1 500 000", 1_500_000),
    ("1\xa0500\xa0000", 1_500_000),
    ("1 500 000,00", 1_500_000),
    ("1.500.000", 1_500_000),
    ("+500,000", 500_000),
    ("-200,000", -200_000),
    ("\u2212200,000", -200_000),
    ("200,000-", -200_000),
    ("(200,000)", -200_000),
    ("( 200.000 )", -200_000),
    ("500,000 VND", 500_000),
    ("500.000 VNĐ", 500_000),
    ("500.000đ", 500_000),
    ("500.000 đồng", 500_000),
    ("VND 500,000", 500_000),
    ("500,000 CR", 500_000),
    ("500,000 DR", -500_000),
    ("", 0),
    ("   ", 0),
    ("-", 0),
    ("0", 0),
    ("0.00", 0),
    ("1,500", 1_500),
    ("1.500", 1_500),
    ("500000.00", 500_000),
    ("500000,0", 500_000),
    ("500000.0000", 500_000),
    ("000500000", 500_000),
    ("  500000  ", 500_000),
    ("999,999,999,999", 999_999_999_999),
]


@pytest.mark.parametrize(("text", "expected"), AMOUNTS)
def test_amounts(text: str, expected: int) -> None:
    value = parse_statement_amount(text)
    assert value == expected
    assert type(value) is int


UNREADABLE_AMOUNTS = [
    "abc",
    "1.5",  # a fraction of a đồng
    "500000.50",
    "500,000.01",
    "500.000,5",
    "5000.000",  # badly grouped
    "0.500",
    "1.000.00",
    "1,000.000.00",
    "1.000,000.00",
    "500 00",
    "1,5OO",
    "--500",
    "+-500",
    "-(500)",
    "(500",
    "500)",
    "- 500 DR",
    "500 USD",
    "1e6",
    "١٢٣",  # non-ASCII digits
    "½",
    "9" * 19,
    "1" * 100,
    "500,000 VND VND",
]


@pytest.mark.parametrize("text", UNREADABLE_AMOUNTS)
def test_unreadable_amounts(text: str) -> None:
    assert parse_statement_amount(text) is None


def _grouped(n: int, separator: str) -> str:
    digits = str(n)
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


@given(
    n=st.integers(1, 10**12),
    thousands=st.sampled_from([",", ".", ""]),
    decimals=st.sampled_from(["", "00", "0"]),
)
def test_formatted_amounts_parse_back(n: int, thousands: str, decimals: str) -> None:
    text = _grouped(n, thousands) if thousands else str(n)
    if decimals:
        text += ("," if thousands == "." else ".") + decimals
    assert parse_statement_amount(text) == n


@given(
    n=st.integers(1, 10**12),
    thousands=st.sampled_from([",", ".", " "]),
    style=st.sampled_from(["{}", "+{}", "{} VND", "{}đ", "-{}", "({})", "{} DR", "{}-"]),
)
def test_signed_and_labelled_amounts_parse_back(n: int, thousands: str, style: str) -> None:
    value = parse_statement_amount(style.format(_grouped(n, thousands)))
    debit = style.startswith(("-", "(")) or style.endswith(("DR", "-"))
    assert value == (-n if debit else n)


# --- robustness ------------------------------------------------------------------------------


def _check(data: bytes) -> None:
    try:
        parsed = parse_statement(data)
    except StatementError as error:
        assert isinstance(error.problem, StatementProblem)
        return
    assert parsed.debits >= 0
    assert parsed.unreadable == sorted(set(parsed.unreadable))
    for line in parsed.lines:
        assert type(line.amount) is int and line.amount > 0
        assert line.row >= 1
        assert len(line.description) <= DESCRIPTION_MAX
        assert line.description == line.description.strip()
        assert FINGERPRINT.fullmatch(line.fingerprint)
    fingerprints = [line.fingerprint for line in parsed.lines if line.transaction_id is None]
    assert len(fingerprints) == len(set(fingerprints))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_statement_errors(data: bytes) -> None:
    _check(data)


CELLS = st.one_of(
    st.sampled_from(
        ["", "-", "500.000", "(1,000)", "1 000,00", "01/03/2026", "Tổng cộng", "Credit", '"']
    ),
    st.text(alphabet='0123456789.,;\t\n"()-+ KHPđăxVND', max_size=12),
    st.text(max_size=8),
)


@settings(max_examples=150, deadline=None)
@given(
    header=st.sampled_from(
        [
            "Số tham chiếu;Ngày giao dịch;Số tiền ghi nợ;Số tiền ghi có;Mô tả giao dịch\n",
            "Date,Description,Debit,Credit,Balance\n",
            "Ngày\tMã GD\tNội dung\tSố tiền\n",
        ]
    ),
    rows=st.lists(st.lists(CELLS, max_size=6), max_size=12),
    delimiter=st.sampled_from([";", ",", "\t"]),
    tail=st.binary(max_size=40),
)
def test_statement_like_input_raises_only_statement_errors(
    header: str, rows: list[list[str]], delimiter: str, tail: bytes
) -> None:
    body = "".join(delimiter.join(row) + "\n" for row in rows)
    _check((header + body).encode("utf-8") + tail)
