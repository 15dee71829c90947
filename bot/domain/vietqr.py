"""VietQR payloads: the EMVCo merchant-presented QR that NAPAS 247 banking apps scan.

Plain functions, free of Telegram and of the database. A payload is a string of fields, each
an ID (2 digits), a length (2 digits, in characters) and a value; templates nest fields inside
the value. For a transfer to a bank account:

    00  payload format indicator      "01"
    01  point of initiation method    "12" dynamic (amount set), "11" static
    38  merchant account information  (template)
          00  GUID                    "A000000727" (NAPAS)
          01  beneficiary organisation (template)
                00  acquirer id       the bank's six-digit BIN
                01  consumer id       the account number
          02  service code            "QRIBFTTA": transfer to an account
    53  transaction currency          "704" (VND, ISO 4217)
    54  transaction amount            integer đồng, dynamic payloads only
    58  country code                  "VN"
    59  merchant name                 optional
    62  additional data               (template)
          08  purpose of transaction  the transfer reference
    63  CRC                           CRC-16/CCITT-FALSE over everything before it, "6304"
                                      included, as 4 upper-case hex digits

Every banking app prefills the amount and the reference, but the payer may still change
them: the reference is what ties a transfer to a pledge, so keep it short and ASCII.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

NAPAS_GUID = "A000000727"
SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
FORMAT_INDICATOR = "01"
STATIC = "11"
DYNAMIC = "12"

REFERENCE_MAX = 25
MERCHANT_NAME_MAX = 25
ACCOUNT_MAX = 19
AMOUNT_MAX = 10**13 - 1  # the amount field holds at most 13 characters

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(rf"[A-Za-z0-9]{{1,{ACCOUNT_MAX}}}")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_REFERENCE = re.compile(r"KH\s*([0-9]{4})\s*[-_.]?\s*P\s*([0-9]{1,17})(?![0-9])", re.IGNORECASE)

# Root tags whose values are templates (EMVCo: 26-51 merchant account information,
# 62 additional data, 64 merchant information in another language).
_TEMPLATE_TAGS = frozenset({f"{tag:02d}" for tag in range(26, 52)} | {"62", "64"})
_CRC_FIELD = "6304"


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _crc_table()


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0 (check: 0x29B1)."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ byte]
    return crc


def _field(tag: str, value: str) -> str:
    if not 1 <= len(value) <= 99:
        raise ValueError(f"field {tag} must hold 1 to 99 characters, not {len(value)}")
    return f"{tag}{len(value):02d}{value}"


def _check_ascii_text(what: str, value: str, max_len: int) -> None:
    if not isinstance(value, str) or not _PRINTABLE.fullmatch(value):
        raise ValueError(f"{what} must be printable ASCII (no diacritics): {value!r}")
    if len(value) > max_len:
        raise ValueError(f"{what} must be at most {max_len} characters, not {len(value)}")


def build_payload(
    bank_bin: str,
    account: str,
    amount: int | None,
    reference: str,
    *,
    merchant_name: str | None = None,
) -> str:
    """The VietQR text for a NAPAS 247 transfer of `amount` đồng to `account` at `bank_bin`.

    With an amount the QR is dynamic ("12"), without one static ("11"). An empty reference
    leaves out the additional data field (62). Raises ValueError on an invalid input.
    """
    if not isinstance(bank_bin, str) or not _BIN.fullmatch(bank_bin):
        raise ValueError(f"bank BIN must be 6 digits: {bank_bin!r}")
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
        raise ValueError(f"account must be 1 to {ACCOUNT_MAX} ASCII letters or digits: {account!r}")
    if amount is not None and (
        not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= AMOUNT_MAX
    ):
        raise ValueError(f"amount must be whole đồng from 1 to {AMOUNT_MAX}: {amount!r}")
    _check_ascii_text("reference", reference, REFERENCE_MAX)
    if merchant_name is not None:
        _check_ascii_text("merchant name", merchant_name, MERCHANT_NAME_MAX)
        if not merchant_name:
            raise ValueError("merchant name must not be empty (pass None to leave it out)")

    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant_account = (
        _field("00", NAPAS_GUID)
        + _field("01", beneficiary)
        + _field("02", SERVICE_TRANSFER_TO_ACCOUNT)
    )
    parts = [
        _field("00", FORMAT_INDICATOR),
        _field("01", STATIC if amount is None else DYNAMIC),
        _field("38", merchant_account),
        _field("53", CURRENCY_VND),
    ]
    if amount is not None:
        parts.append(_field("54", str(amount)))
    parts.append(_field("58", COUNTRY_VN))
    if merchant_name is not None:
        parts.append(_field("59", merchant_name))
    if reference:
        parts.append(_field("62", _field("08", reference)))
    body = "".join(parts) + _CRC_FIELD
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def make_reference(year: int, pledge_id: int) -> str:
    """The transfer reference of a pledge: make_reference(2026, 123) -> 'KH2026 P000123'."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError(f"year must have 4 digits: {year!r}")
    if isinstance(pledge_id, bool) or not isinstance(pledge_id, int) or pledge_id < 1:
        raise ValueError(f"pledge id must be a positive integer: {pledge_id!r}")
    reference = f"KH{year} P{pledge_id:06d}"
    if len(reference) > REFERENCE_MAX:
        raise ValueError(
            f"pledge id {pledge_id} is too large for a {REFERENCE_MAX}-character reference"
        )
    return reference


def parse_reference(text: str) -> tuple[int, int] | None:
    """(year, pledge id) of the first reference found in a transfer's description, else None.

    Banks may change case and drop or change the space: "kh2026p000123", "KH2026-P123".
    """
    match = _REFERENCE.search(text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def _parse_fields(data: str, where: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        tag, length = data[pos : pos + 2], data[pos + 2 : pos + 4]
        if len(length) < 2 or not (tag + length).isascii() or not (tag + length).isdigit():
            raise ValueError(
                f"malformed field at position {pos} of {where}: {data[pos : pos + 4]!r}"
            )
        end = pos + 4 + int(length)
        if end > len(data):
            raise ValueError(f"field {tag} of {where} runs past the end")
        if tag in fields:
            raise ValueError(f"field {tag} appears twice in {where}")
        fields[tag] = data[pos + 4 : end]
        pos = end
    return fields


def parse_payload(payload: str) -> dict[str, str | dict[str, Any]]:
    """The fields of an EMVCo payload, templates as nested dicts; checks the CRC.

    Templates: 26-51 (merchant account information; in a NAPAS one, field 01, the beneficiary,
    is a template too), 62 and 64. Raises ValueError on a malformed payload or a bad CRC.
    """
    if not isinstance(payload, str) or len(payload) < 8 or payload[-8:-4] != _CRC_FIELD:
        raise ValueError("payload must end with its CRC field (6304 and 4 hex digits)")
    written = payload[-4:]
    if not re.fullmatch(r"[0-9A-Fa-f]{4}", written):
        raise ValueError(f"CRC must be 4 hex digits: {written!r}")
    expected = crc16_ccitt_false(payload[:-4].encode("utf-8"))
    if int(written, 16) != expected:
        raise ValueError(f"bad CRC: payload says {written}, content gives {expected:04X}")
    fields = _parse_fields(payload, "the payload")
    if next(iter(fields)) != "00":
        raise ValueError("payload must start with the payload format indicator (00)")
    if list(fields)[-1] != "63":
        raise ValueError("the CRC field (63) must be the last one")
    parsed: dict[str, str | dict[str, Any]] = {}
    for tag, value in fields.items():
        if tag not in _TEMPLATE_TAGS:
            parsed[tag] = value
            continue
        inner: dict[str, str | dict[str, Any]] = dict(_parse_fields(value, f"field {tag}"))
        if inner.get("00") == NAPAS_GUID and isinstance(inner.get("01"), str):
            inner["01"] = dict(_parse_fields(str(inner["01"]), f"field {tag}.01"))
        parsed[tag] = inner
    return parsed


def render_png(payload: str, path: Path, scale: int = 8) -> None:
    """Write the payload as a QR code PNG (error correction M, quiet zone of 4 modules).

    Needs the `segno` package, imported here only; raises RuntimeError if it is missing and
    ValueError if the payload is malformed or its CRC is wrong.
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive integer: {scale!r}")
    parse_payload(payload)
    try:
        import segno
    except ImportError as missing:
        raise RuntimeError(
            "rendering a VietQR image needs the 'segno' package (pip install segno)"
        ) from missing
    # make_qr: never a Micro QR, which banking apps don't read.
    code = segno.make_qr(payload, error="m", boost_error=False)
    with Path(path).open("wb") as out:
        code.save(out, kind="png", scale=scale, border=4)
