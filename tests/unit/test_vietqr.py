from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.vietqr import (
    AMOUNT_MAX,
    build_payload,
    crc16_ccitt_false,
    make_reference,
    parse_payload,
    parse_reference,
    render_png,
)

# Payloads published by other open-source VietQR implementations, reproduced exactly (CRC
# included): github.com/subiz/vietqr, README.md ("ung ho lu lut") and vietqr_test.go (the rest).
KNOWN_PAYLOADS = [
    (
        ("970415", "0011001932418", 120000, "ung ho lu lut"),
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
        "530370454061200005802VN62170813ung ho lu lut6304C15C",
    ),
    (
        ("970423", "0099999999", None, ""),
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA"
        "53037045802VN6304CBB4",
    ),
    (
        ("970422", "0023457923442", 40123, "test text string"),
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62200816test text string6304D9C6",
    ),
    (
        ("970422", "0023457923442", 40123, "chuyen khoan"),
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62160812chuyen khoan6304722F",
    ),
    (
        # The longest account (19 characters) and the longest reference (25).
        ("970422", "0023457923442ASDFLJ", 40123, "chuyen khoan alsdkf laksj"),
        "00020101021238630010A0000007270133000697042201190023457923442ASDFLJ0208QRIBFTTA"
        "53037045405401235802VN62290825chuyen khoan alsdkf laksj6304E5DB",
    ),
]

# Payloads made by other generators, in other field orders or with other fields: the parser
# must read them and accept their CRC.
# github.com/duyquoc1508/napas-qr, README.md (bill number 62.01 besides the purpose 62.08)
NAPAS_QR_README = (
    "00020101021238530010A0000007270123000697041601092245284790208QRIBFTTA"
    "53037045405100005802VN62340107NPS68690819TRANSFER TO SOMEONE6304AC13"
)
# pypi.org/project/napas-qr-python, README (53 and 58 before 38)
NAPAS_QR_PYTHON_README = (
    "00020101021153037045802VN38540010A00000072701240006970436011010319334300208QRIBFTTA"
    "62220818Thanh toan hoa don6304FCE9"
)
# github.com/giautm/emvqr-go, emvqr_test.go (62 before 38)
EMVQR_GO_TEST = (
    "00020101021262110807tien le38560010A0000007270126000697041501121133666688880208QRIBFTTA"
    "5303704540460005802VN63046893"
)


def test_crc_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF


@pytest.mark.parametrize(("args", "expected"), KNOWN_PAYLOADS)
def test_known_payloads_are_reproduced_exactly(
    args: tuple[str, str, int | None, str], expected: str
) -> None:
    assert build_payload(*args) == expected
    assert crc16_ccitt_false(expected[:-4].encode()) == int(expected[-4:], 16)


def test_known_payload_fields() -> None:
    fields = parse_payload(KNOWN_PAYLOADS[0][1])
    assert fields == {
        "00": "01",
        "01": "12",
        "38": {
            "00": "A000000727",
            "01": {"00": "970415", "01": "0011001932418"},
            "02": "QRIBFTTA",
        },
        "53": "704",
        "54": "120000",
        "58": "VN",
        "62": {"08": "ung ho lu lut"},
        "63": "C15C",
    }


def test_static_payload_has_no_amount() -> None:
    fields = parse_payload(build_payload("970436", "1031933430", None, "KH2026 P000001"))
    assert fields["01"] == "11"
    assert "54" not in fields
    assert fields["62"] == {"08": "KH2026 P000001"}


def test_payloads_of_other_generators_parse() -> None:
    napas_qr = parse_payload(NAPAS_QR_README)
    assert napas_qr["38"] == {
        "00": "A000000727",
        "01": {"00": "970416", "01": "224528479"},
        "02": "QRIBFTTA",
    }
    assert napas_qr["54"] == "10000"
    assert napas_qr["62"] == {"01": "NPS6869", "08": "TRANSFER TO SOMEONE"}

    python_lib = parse_payload(NAPAS_QR_PYTHON_README)
    assert python_lib["01"] == "11"
    assert python_lib["38"]["01"] == {"00": "970436", "01": "1031933430"}  # type: ignore[index]
    assert python_lib["62"] == {"08": "Thanh toan hoa don"}

    go_lib = parse_payload(EMVQR_GO_TEST)
    assert go_lib["54"] == "6000"
    assert go_lib["62"] == {"08": "tien le"}


def test_merchant_name_is_field_59() -> None:
    payload = build_payload(
        "970422", "0123456789", 500000, "KH2026 P000042", merchant_name="HOI KH"
    )
    assert "5906HOI KH62" in payload
    assert parse_payload(payload)["59"] == "HOI KH"


_ascii_printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


@given(
    bank_bin=st.from_regex(r"[0-9]{6}", fullmatch=True),
    account=st.from_regex(r"[A-Za-z0-9]{1,19}", fullmatch=True),
    amount=st.none() | st.integers(min_value=1, max_value=AMOUNT_MAX),
    reference=st.text(alphabet=_ascii_printable, max_size=25),
    merchant_name=st.none() | st.text(alphabet=_ascii_printable, min_size=1, max_size=25),
)
def test_round_trip(
    bank_bin: str, account: str, amount: int | None, reference: str, merchant_name: str | None
) -> None:
    payload = build_payload(bank_bin, account, amount, reference, merchant_name=merchant_name)
    assert payload.isascii()
    fields = parse_payload(payload)
    assert next(iter(fields)) == "00" and list(fields)[-1] == "63"
    assert fields["00"] == "01"
    assert fields["01"] == ("11" if amount is None else "12")
    assert fields["38"] == {
        "00": "A000000727",
        "01": {"00": bank_bin, "01": account},
        "02": "QRIBFTTA",
    }
    assert fields["53"] == "704"
    assert fields.get("54") == (None if amount is None else str(amount))
    assert fields["58"] == "VN"
    assert fields.get("59") == merchant_name
    assert fields.get("62") == ({"08": reference} if reference else None)


@given(
    amount=st.integers(min_value=1, max_value=AMOUNT_MAX),
    position=st.integers(min_value=0),
    replacement=st.characters(min_codepoint=0x20, max_codepoint=0x7E),
)
def test_any_changed_character_fails_the_crc(amount: int, position: int, replacement: str) -> None:
    payload = build_payload("970415", "113366668888", amount, "KH2026 P000123")
    position %= len(payload) - 4  # any character before the CRC itself
    if payload[position] == replacement:
        return
    corrupted = payload[:position] + replacement + payload[position + 1 :]
    with pytest.raises(ValueError):
        parse_payload(corrupted)


def test_corrupted_payloads_are_refused() -> None:
    good = KNOWN_PAYLOADS[0][1]
    with pytest.raises(ValueError, match="bad CRC"):
        parse_payload(good.replace("120000", "920000"))
    with pytest.raises(ValueError, match="bad CRC"):
        parse_payload(good[:-4] + "C15D")
    with pytest.raises(ValueError, match="CRC"):
        parse_payload(good[:-8])
    with pytest.raises(ValueError, match="hex"):
        parse_payload(good[:-4] + "XYZW")
    for bad in ("", "000201", "6304FFFF"):
        with pytest.raises(ValueError):
            parse_payload(bad)


def _with_crc(body: str) -> str:
    body += "6304"
    return body + f"{crc16_ccitt_false(body.encode()):04X}"


def test_malformed_payloads_with_a_right_crc_are_refused() -> None:
    with pytest.raises(ValueError, match="runs past the end"):
        parse_payload(_with_crc("000201" + "0199"))
    with pytest.raises(ValueError, match="malformed"):
        parse_payload(_with_crc("000201" + "0x0211"))
    with pytest.raises(ValueError, match="twice"):
        parse_payload(_with_crc("000201" + "010211" + "010212"))
    with pytest.raises(ValueError, match="start"):
        parse_payload(_with_crc("010211" + "000201"))
    with pytest.raises(ValueError, match="field 62"):
        parse_payload(_with_crc("000201" + "6205" + "08991"))
    assert parse_payload(_with_crc("000201"))["00"] == "01"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("97041", "0011001932418", 1, "x"), {}, "BIN"),
        (("9704155", "0011001932418", 1, "x"), {}, "BIN"),
        (("97041a", "0011001932418", 1, "x"), {}, "BIN"),
        (("９７０４１５", "0011001932418", 1, "x"), {}, "BIN"),
        (("970415", "", 1, "x"), {}, "account"),
        (("970415", "0" * 20, 1, "x"), {}, "account"),
        (("970415", "0011-0019", 1, "x"), {}, "account"),
        (("970415", "0011 0019", 1, "x"), {}, "account"),
        (("970415", "Đ0011", 1, "x"), {}, "account"),
        (("970415", "0011001932418", 0, "x"), {}, "amount"),
        (("970415", "0011001932418", -5, "x"), {}, "amount"),
        (("970415", "0011001932418", 10**13, "x"), {}, "amount"),
        (("970415", "0011001932418", 1.5, "x"), {}, "amount"),
        (("970415", "0011001932418", True, "x"), {}, "amount"),
        (("970415", "0011001932418", "500", "x"), {}, "amount"),
        (("970415", "0011001932418", 1, "ủng hộ"), {}, "ASCII"),
        (("970415", "0011001932418", 1, "line\nbreak"), {}, "ASCII"),
        (("970415", "0011001932418", 1, "x" * 26), {}, "at most 25"),
        (("970415", "0011001932418", 1, "x"), {"merchant_name": "x" * 26}, "at most 25"),
        (("970415", "0011001932418", 1, "x"), {"merchant_name": "Hội"}, "ASCII"),
        (("970415", "0011001932418", 1, "x"), {"merchant_name": ""}, "empty"),
    ],
)
def test_bad_inputs_raise(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_payload(*args, **kwargs)


def test_limits_are_inclusive() -> None:
    assert parse_payload(build_payload("970415", "1", AMOUNT_MAX, "x" * 25))["54"] == "9" * 13
    assert parse_payload(build_payload("970415", "1" * 19, 1, ""))["54"] == "1"


def test_make_reference() -> None:
    assert make_reference(2026, 123) == "KH2026 P000123"
    assert make_reference(2026, 1_234_567) == "KH2026 P1234567"
    longest = make_reference(9999, 10**17 - 1)
    assert len(longest) == 25
    build_payload("970415", "0011001932418", 100_000, longest)
    for year, pledge in ((26, 1), (20260, 1), (2026, 0), (2026, -1), (2026, 10**17), (True, 1)):
        with pytest.raises(ValueError):
            make_reference(year, pledge)


@given(year=st.integers(1000, 9999), pledge_id=st.integers(1, 10**17 - 1))
def test_reference_fits_and_reads_back(year: int, pledge_id: int) -> None:
    reference = make_reference(year, pledge_id)
    assert reference.isascii() and len(reference) <= 25
    assert parse_reference(reference) == (year, pledge_id)
    # Banks may change case and drop the space or surround the reference with other text.
    assert parse_reference(f"MBVCB.1234.{reference.lower().replace(' ', '')}.CT tu") == (
        year,
        pledge_id,
    )


def test_parse_reference_misses() -> None:
    assert parse_reference("chuyen tien ung ho") is None
    assert parse_reference("KH26 P1") is None
    assert parse_reference("KH2026 P") is None


def test_render_png_without_segno_names_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "segno", None)  # makes `import segno` fail
    with pytest.raises(RuntimeError, match="segno"):
        render_png(KNOWN_PAYLOADS[0][1], tmp_path / "qr.png")


def test_render_png_refuses_a_bad_payload(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_png(KNOWN_PAYLOADS[0][1][:-1] + "0", tmp_path / "qr.png")
    with pytest.raises(ValueError):
        render_png(KNOWN_PAYLOADS[0][1], tmp_path / "qr.png", scale=0)
    assert not (tmp_path / "qr.png").exists()


def test_render_png(tmp_path: Path) -> None:
    pytest.importorskip("segno")
    payload = build_payload("970415", "0011001932418", 1_500_000, make_reference(2026, 123))
    path = tmp_path / "qr.png"
    render_png(payload, path, scale=4)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rendered_png_decodes_back_to_the_payload(tmp_path: Path) -> None:
    pytest.importorskip("segno")
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    for args, payload in KNOWN_PAYLOADS:
        path = tmp_path / f"{args[1]}.png"
        render_png(payload, path)
        with image_module.open(path) as image:
            results = zxingcpp.read_barcodes(image.convert("L"))
        assert [result.text for result in results] == [payload]
        assert results[0].format == zxingcpp.BarcodeFormat.QRCode
