"""Bank statement exports (CSV) turned into clean credit lines, for reconciling pledges.

Plain functions, free of Telegram and of the database. An officer uploads the statement the
bank's web banking exports; `parse_statement` returns its credit lines (amount, transfer note,
date, transaction id) so that the reconciler can look for a pledge reference in each note with
`bot.domain.vietqr.parse_reference` and compare amounts. Nothing here knows about pledges.

Reading the file:

* encoding: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else
  Windows-1258 as the last resort; the text is NFC-normalised (Windows-1258 writes most tone
  marks as combining characters). Zip containers (.xlsx), PDFs and old .xls files, files with
  NUL bytes that are not UTF-16, undecodable bytes and text full of control characters are
  refused as NOT_TEXT, and so is a file the csv module can't split;
* delimiter: comma, semicolon or tab, whichever finds a header row that splits into the most
  columns (csv.Sniffer is easily fooled by the notes' punctuation);
* header: the first of the first HEADER_SEARCH_ROWS rows that names an amount column and a
  description column (the bank's name, the account and the period come first). Headers are
  compared folded (lower case, no diacritics, "đ" as "d"), without bracketed parts such as
  "(VND)" and a trailing currency word; a bilingual "Có/Credit" or "Ngày GD\\nDate" is matched
  part by part. A header matches a known name exactly or, for names of four characters or more,
  as its first words ("Mô tả giao dịch" is a description column). Each column takes the role
  of its longest matching name, and each role the column with the longest match, so
  "Số tiền ghi có" is the credit column and "Số tiền ghi nợ" the debit column, not amounts. A
  column whose parts name different roles ("Nợ/Có", a debit/credit indicator) is ignored.
* amounts: the credit column if there is one, else a signed amount column (negative, in
  brackets or marked DR is a debit); a debit column, when present, marks debits.

Rows after the header:

* blank rows, rows repeating the header (or a second, English header row), rows of column
  numbers ("(1)", "(2)", "A", "B"...) and rows whose amount, debit and description cells are
  all empty are skipped and not counted;
* summary rows are skipped and not counted: a row in which some cell starts with "Tổng",
  "Cộng phát sinh", "Số dư", "Total", "Balance", "Opening balance"... and which either has
  no digit in its date and transaction id cells (the label often sits in one of them) or has
  its amount and debit cells empty (a balance in the balance column): totals, opening and
  closing balances;
* a row with no amount at all (every amount cell empty) and neither a date nor a transaction
  id (with a digit) is skipped and not counted: a footer note or the wrapped end of the note
  above;
* a row whose credit is zero or negative, or with an amount in its debit column, counts in
  `debits`;
* a row whose amount can't be read, or with amounts in both its debit and its credit
  columns, goes in `unreadable` - unless its amount cell holds no digit at all and the row
  has neither a date nor a transaction id (signatures under the statement);
* everything else is a credit line.

A header-only statement (a period without transactions) is not an error: it has no lines.

A line's description is its cell with white space collapsed, cut to DESCRIPTION_MAX
characters; `booked` and `transaction_id` are their cells as written (white space collapsed),
None when empty; Excel's ="..." around a cell is taken off. Its fingerprint is the first
FINGERPRINT_LENGTH hex digits of a SHA-256 of the transaction id with the date text and the
amount when the row has one, else of
the date text, the amount, the folded (whole) description and the number of identical earlier
lines in the file: the same file gives the same fingerprints, and two identical transfers on
one day get two.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.text import fold, squeeze

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
DESCRIPTION_MAX = 500
HEADER_SEARCH_ROWS = 30
FINGERPRINT_LENGTH = 32

# An amount written with more digits than this is no amount of đồng (and int() has limits).
_MAX_DIGITS = 18
_MAX_AMOUNT_TEXT = 64

_DELIMITERS = (",", ";", "\t")
# Containers that are not text: zip (.xlsx, .ods), PDF, OLE2 (old .xls).
_BINARY_MAGIC = (b"PK", b"%PDF", b"\xd0\xcf\x11\xe0")
# C0 and C1 control characters other than tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_NOTHING = re.compile(r"[^\s,;\"]")


class StatementProblem(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_TEXT = "not_text"
    NO_COLUMNS = "no_columns"


class StatementError(ValueError):
    """The file can't be read as a statement; `problem` says why."""

    def __init__(self, problem: StatementProblem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem


@dataclass(frozen=True)
class StatementLine:
    """One credit: `row` is the 1-based line of the file on which its record starts."""

    row: int
    amount: int
    description: str
    booked: str | None
    transaction_id: str | None
    fingerprint: str


@dataclass(frozen=True)
class Statement:
    """The credit lines of a statement, the number of debit rows, the unreadable rows."""

    lines: list[StatementLine]
    debits: int
    unreadable: list[int]


# --- amounts ---------------------------------------------------------------------------------

_AMOUNT = re.compile(
    r"""
    (?P<open>\()?\s*
    (?P<lead>[+-])?\s*
    (?:(?:vnd|₫)\s*)?
    (?P<number>[0-9]+(?:[., ][0-9]+)*)
    \s*(?:vnd|d|dong|₫)?
    \s*(?P<trail>-|cr|dr)?
    \s*(?P<close>\))?
    """,
    re.VERBOSE | re.ASCII,
)
_NUMBER_SEPARATOR = re.compile(r"[., ]")
_EMPTY_AMOUNTS = frozenset({"", "-", "--"})


def parse_statement_amount(text: str) -> int | None:
    """The signed amount in whole đồng that a statement cell states, or None if unreadable.

    Credits are positive, debits negative: "-200,000", "(200,000)", "200,000-" and
    "200,000 DR" are all -200000 ("+500,000" and "500,000 CR" are 500000). An empty cell, "-"
    and "--" are 0. A currency word or sign may follow the number ("500,000 VND", "500.000đ")
    or precede it ("VND 500,000").

    Separators: a single "," or "." followed by exactly three digits groups thousands
    ("500.000" and "1,500"); followed by any other number of digits it starts a decimal part
    ("500000.00"). Several separators of one kind (or spaces) group thousands: the first group
    has one to three digits and no leading zero, the others three ("1 500 000"). With two
    kinds, the last one starts the decimals ("500.000,00", "500,000.00", "1 500 000,00").
    Anything else is refused, "5000.000" and "0.500" included. A non-zero decimal part is
    refused too: statements of a đồng account hold whole đồng. Never uses float.
    """
    text = text.replace("\u2212", "-")  # U+2212 MINUS SIGN
    # fold() is slow and only needed for "VNĐ", "đ" and "đồng".
    folded = " ".join(text.split()).lower() if text.isascii() else fold(text)
    if folded in _EMPTY_AMOUNTS:
        return 0
    if len(folded) > _MAX_AMOUNT_TEXT:
        return None
    match = _AMOUNT.fullmatch(folded)
    if match is None:
        return None
    bracketed = match["open"] is not None
    if bracketed != (match["close"] is not None):
        return None
    if bracketed + (match["lead"] is not None) + (match["trail"] is not None) > 1:
        return None
    value = _whole_number(match["number"])
    if value is None:
        return None
    negative = bracketed or match["lead"] == "-" or match["trail"] in ("-", "dr")
    return -value if negative else value


def _whole_number(number: str) -> int | None:
    groups = _NUMBER_SEPARATOR.split(number)
    separators = _NUMBER_SEPARATOR.findall(number)
    fraction = ""
    if not separators:
        integer = number
    elif len(set(separators)) == 1:
        if len(separators) == 1 and separators[0] != " " and len(groups[1]) != 3:
            integer, fraction = groups  # "500000.00", "1.5" (refused below)
        elif _grouped(groups):
            integer = "".join(groups)
        else:
            return None
    else:
        decimal = separators[-1]
        head = separators[:-1]
        if decimal == " " or decimal in head or len(set(head)) != 1 or not _grouped(groups[:-1]):
            return None
        integer, fraction = "".join(groups[:-1]), groups[-1]
    if fraction.strip("0"):
        return None  # a fraction of a đồng
    integer = integer.lstrip("0") or "0"
    if len(integer) > _MAX_DIGITS:
        return None
    return int(integer)


def _grouped(groups: list[str]) -> bool:
    """'1.234.567': a first group of 1-3 digits without a leading zero, then groups of 3."""
    first = groups[0]
    return (
        1 <= len(first) <= 3
        and not first.startswith("0")
        and all(len(group) == 3 for group in groups[1:])
    )


# --- columns ---------------------------------------------------------------------------------


class _Role(StrEnum):
    DESCRIPTION = "description"
    CREDIT = "credit"
    DEBIT = "debit"
    AMOUNT = "amount"  # signed
    DATE = "date"
    TRANSACTION_ID = "transaction_id"


# Header names as _header_parts() writes them: folded, punctuation as single spaces.
_NAMES: dict[_Role, tuple[str, ...]] = {
    _Role.DESCRIPTION: (
        "noi dung",
        "noi dung giao dich",
        "noi dung chuyen khoan",
        "mo ta",
        "mo ta giao dich",
        "dien giai",
        "chi tiet",
        "chi tiet giao dich",
        "description",
        "details",
        "narrative",
        "remark",
        "remarks",
        "transaction details",
        "transaction description",
    ),
    _Role.CREDIT: (
        "ghi co",
        "so tien ghi co",
        "so tien co",
        "phat sinh co",
        "co",
        "credit",
        "credits",
        "credit amount",
        "tien vao",
        "deposit",
        "deposits",
    ),
    _Role.DEBIT: (
        "ghi no",
        "so tien ghi no",
        "so tien no",
        "phat sinh no",
        "no",
        "debit",
        "debits",
        "debit amount",
        "tien ra",
        "withdrawal",
        "withdrawals",
    ),
    _Role.AMOUNT: ("so tien", "amount", "so tien giao dich", "transaction amount"),
    _Role.DATE: (
        "ngay",
        "ngay giao dich",
        "ngay hieu luc",
        "ngay hach toan",
        "ngay gd",
        "thoi gian",
        "thoi gian giao dich",
        "date",
        "transaction date",
        "posting date",
        "value date",
        "booking date",
    ),
    _Role.TRANSACTION_ID: (
        "so tham chieu",
        "ma tham chieu",
        "ma giao dich",
        "so but toan",
        "ma gd",
        "so gd",
        "reference",
        "reference no",
        "reference number",
        "ref",
        "ref no",
        "transaction id",
        "transaction no",
        "transaction number",
    ),
}
# Shorter names ("co", "no", "ref") only match a whole header.
_PREFIX_MIN = 4
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_HEADER_SPLIT = re.compile(r"[/|\r\n]")
_NOT_ALNUM = re.compile(r"[\W_]+")
_CURRENCY_SUFFIXES = ("vnd", "d", "dong")
_COLUMN_LABEL = re.compile(r"\(?\w{1,2}\)?")

_SUMMARY_WORDS = (
    "tong",
    "cong phat sinh",
    "so du",
    "du dau",
    "du cuoi",
    "total",
    "subtotal",
    "grand total",
    "balance",
    "opening balance",
    "closing balance",
    "beginning balance",
    "ending balance",
    "brought forward",
    "carried forward",
)
_SUMMARY = re.compile(rf"(?:{'|'.join(re.escape(word) for word in _SUMMARY_WORDS)})\b")


def _header_parts(cell: str) -> list[str]:
    """'Số tiền ghi có (VND)/Credit' -> ['so tien ghi co', 'credit']."""
    parts = []
    for piece in _HEADER_SPLIT.split(_BRACKETED.sub(" ", cell)):
        words = _NOT_ALNUM.sub(" ", fold(piece)).split()
        while len(words) > 1 and words[-1] in _CURRENCY_SUFFIXES:
            words.pop()
        if words:
            parts.append(" ".join(words))
    return parts


def _match_name(part: str) -> tuple[_Role, int, bool] | None:
    """The role of the longest name `part` is or starts with: (role, length, exact)."""
    found = [
        (role, len(name), part == name)
        for role, names in _NAMES.items()
        for name in names
        if part == name or (len(name) >= _PREFIX_MIN and part.startswith(name + " "))
    ]
    return max(found, key=lambda match: (match[1], match[2]), default=None)


def _column_role(cell: str) -> tuple[_Role, tuple[int, bool]] | None:
    """The role a header cell names and how well: (length of the name, exact)."""
    matches = [found for found in map(_match_name, _header_parts(cell)) if found is not None]
    if not matches or len({role for role, _length, _exact in matches}) > 1:
        return None  # nothing, or "Nợ/Có": an indicator column, not an amount
    role, length, exact = max(matches, key=lambda found: (found[1], found[2]))
    return role, (length, exact)


@dataclass(frozen=True)
class _Columns:
    description: int
    amount: int  # the credit column, else the signed amount column
    signed: bool  # amount is a signed amount column
    debit: int | None
    date: int | None
    transaction_id: int | None
    width: int  # non-empty header cells


def _columns(row: list[str]) -> _Columns | None:
    """The columns that a header row names, or None if it names no amount or description."""
    best: dict[_Role, tuple[tuple[int, bool], int]] = {}
    for index, cell in enumerate(row):
        found = _column_role(cell)
        if found is None:
            continue
        role, score = found
        if role not in best or score > best[role][0]:
            best[role] = (score, index)
    chosen = {role: index for role, (_score, index) in best.items()}
    amount = chosen.get(_Role.CREDIT, chosen.get(_Role.AMOUNT))
    if _Role.DESCRIPTION not in chosen or amount is None:
        return None
    return _Columns(
        description=chosen[_Role.DESCRIPTION],
        amount=amount,
        signed=_Role.CREDIT not in chosen,
        debit=chosen.get(_Role.DEBIT),
        date=chosen.get(_Role.DATE),
        transaction_id=chosen.get(_Role.TRANSACTION_ID),
        width=sum(1 for cell in row if cell.strip()),
    )


# --- the file --------------------------------------------------------------------------------


def parse_statement(data: bytes) -> Statement:
    """The credit lines of a bank statement export; raises StatementError (see the module)."""
    text = _decode(data)
    if not _NOTHING.search(text):
        raise StatementError(StatementProblem.EMPTY, "the file holds no rows")
    delimiter, header_index, columns = _find_header(text)
    lines: list[StatementLine] = []
    debits = 0
    unreadable: list[int] = []
    seen: Counter[tuple[str, int, str]] = Counter()
    for index, (row_number, row) in enumerate(_records(text, delimiter)):
        if index >= MAX_ROWS:
            raise StatementError(StatementProblem.TOO_LARGE, f"more than {MAX_ROWS} rows")
        if index <= header_index:
            continue
        outcome = _read_row(row, columns)
        if outcome is None:
            continue
        if outcome == "debit":
            debits += 1
        elif isinstance(outcome, str):
            unreadable.append(row_number)
        else:
            amount, description, booked, transaction_id = outcome
            if transaction_id is not None:
                # Date and amount too: some banks reuse a "reference" across days or branches.
                material = f"id\x1f{transaction_id}\x1f{booked or ''}\x1f{amount}"
            else:
                key = (booked or "", amount, fold(description))
                material = "row\x1f{}\x1f{}\x1f{}\x1f{}".format(*key, seen[key])
                seen[key] += 1
            lines.append(
                StatementLine(
                    row=row_number,
                    amount=amount,
                    description=description[:DESCRIPTION_MAX],
                    booked=booked,
                    transaction_id=transaction_id,
                    fingerprint=_fingerprint(material),
                )
            )
    return Statement(lines=lines, debits=debits, unreadable=unreadable)


def _decode(data: bytes) -> str:
    if not data:
        raise StatementError(StatementProblem.EMPTY, "the file is empty")
    if len(data) > MAX_BYTES:
        raise StatementError(StatementProblem.TOO_LARGE, f"more than {MAX_BYTES} bytes")
    if data.startswith(_BINARY_MAGIC):
        raise StatementError(StatementProblem.NOT_TEXT, "a zip, PDF or Excel file, not CSV")
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        elif data.startswith(codecs.BOM_UTF8):
            text = data.decode("utf-8-sig")
        elif b"\x00" in data:
            raise StatementError(StatementProblem.NOT_TEXT, "NUL bytes in a file not UTF-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1258")
    except UnicodeDecodeError as error:
        raise StatementError(StatementProblem.NOT_TEXT, "undecodable bytes") from error
    text = text.removeprefix("\ufeff").rstrip("\x1a")  # a BOM left over, a DOS end of file
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls * 100 > len(text):
        raise StatementError(StatementProblem.NOT_TEXT, "control characters: a binary file")
    # Stray control characters become spaces; Windows-1258 writes tone marks combining.
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text))


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(the 1-based line on which the record starts, its cells) for each CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    previous_line = 0
    try:
        for row in reader:
            yield previous_line + 1, row
            previous_line = reader.line_num
    except csv.Error as error:
        raise StatementError(StatementProblem.NOT_TEXT, f"not CSV: {error}") from error


def _find_header(text: str) -> tuple[str, int, _Columns]:
    """The delimiter, the index of the header record and its columns."""
    found: list[tuple[int, int, int, str, _Columns]] = []
    for preference, delimiter in enumerate(_DELIMITERS):
        for index, (_line, row) in enumerate(_records(text, delimiter)):
            if index >= HEADER_SEARCH_ROWS:
                break
            columns = _columns(row)
            if columns is not None:
                found.append((-columns.width, index, preference, delimiter, columns))
                break
    if not found:
        raise StatementError(
            StatementProblem.NO_COLUMNS,
            f"no header naming an amount and a description in the first {HEADER_SEARCH_ROWS} rows",
        )
    _width, index, _preference, delimiter, columns = min(found, key=lambda item: item[:3])
    return delimiter, index, columns


_Outcome = tuple[int, str, str | None, str | None]


def _read_row(row: list[str], columns: _Columns) -> _Outcome | str | None:
    """A credit (amount, description, booked, transaction id), "debit", "unreadable" or None."""
    cells = [_clean(cell) for cell in row]
    if not any(cells):
        return None

    def cell(index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    if _is_header_again(cells, columns):
        return None
    description = squeeze(cell(columns.description))
    amount_text = cell(columns.amount)
    debit_text = cell(columns.debit)
    if not amount_text and not debit_text and not description:
        return None
    booked = squeeze(cell(columns.date)) or None
    transaction_id = squeeze(cell(columns.transaction_id)) or None
    # A real transaction's date and id hold digits; a label such as "Tổng cộng" doesn't.
    dated = _has_digit(booked)
    identified = _has_digit(transaction_id)
    if (not (dated or identified) or not (amount_text or debit_text)) and any(
        _SUMMARY.match(fold(text)) for text in cells
    ):
        return None  # totals, opening and closing balances
    # A row that can be told from a note: it has a date or a transaction id, or the
    # statement has neither column.
    anchored = dated or identified or (columns.date is None and columns.transaction_id is None)
    if not amount_text and not debit_text and not anchored:
        return None  # a note under the table or the wrapped end of the note above
    amount = parse_statement_amount(amount_text)
    debit = parse_statement_amount(debit_text)
    if amount is None or debit is None:
        garbled = amount_text if amount is None else debit_text
        if not anchored and not _has_digit(garbled):
            return None  # signatures and other words under the table
        return "unreadable"
    if debit and amount and not columns.signed:
        return "unreadable"  # money both in and out on one row: let the officer look
    if amount <= 0 or debit:
        return "debit"
    return amount, description, booked, transaction_id


def _has_digit(text: str | None) -> bool:
    return text is not None and any(ch.isdigit() for ch in text)


def _clean(cell: str) -> str:
    """Strip a cell and unwrap Excel's ="..." that keeps long numbers as text."""
    cell = cell.strip()
    if len(cell) >= 3 and cell.startswith('="') and cell.endswith('"'):
        cell = cell[2:-1].strip()
    return cell


def _is_header_again(cells: list[str], columns: _Columns) -> bool:
    """The header repeated on each page, a second header row, or a row of column numbers."""
    amount_cell = cells[columns.amount] if columns.amount < len(cells) else ""
    if amount_cell and not _has_digit(amount_cell) and _column_role(amount_cell) is not None:
        return True
    labels = [cell for cell in cells if cell]
    return len(labels) >= 3 and all(_COLUMN_LABEL.fullmatch(cell) for cell in labels)


def _fingerprint(material: str) -> str:
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]
