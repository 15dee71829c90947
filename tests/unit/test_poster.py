from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.poster import (
    HEIGHT,
    START_MAX,
    TARGETS,
    WIDTH,
    PosterText,
    deep_link,
    font_path,
    parse_start_payload,
    poster_lines,
    render_poster,
)

Image = pytest.importorskip("PIL.Image")
ImageFont = pytest.importorskip("PIL.ImageFont")

HAI_PHONG_VI = "Hội Khuyến học thành phố Hải Phòng"
HAI_PHONG_EN = "the Hai Phong City Study Promotion Association"
BOT = "KhuyenHocHPBot"

USERNAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True)
SOURCES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}", fullmatch=True)


def _all_texts() -> list[PosterText]:
    return [
        poster_lines(target, association, lang)
        for target in TARGETS
        for lang, association in (("vi", HAI_PHONG_VI), ("en", HAI_PHONG_EN))
    ]


# Texts


def test_vietnamese_texts() -> None:
    join = poster_lines("join", HAI_PHONG_VI)
    assert join.headline == "THAM GIA HỘI KHUYẾN HỌC"
    assert join.call == (
        "Quét mã QR bằng điện thoại để đăng ký làm hội viên Hội Khuyến học thành phố Hải Phòng "
        "ngay trên Telegram. Mỗi gia đình ít nhất một hội viên!"
    )
    assert join.footer == "Tháng Khuyến học, khuyến tài – Ngày Khuyến học Việt Nam 2/10"
    pledge = poster_lines("pledge", HAI_PHONG_VI, "vi")
    assert pledge.headline == "CHUNG TAY VÌ QUỸ KHUYẾN HỌC"
    assert pledge.call.startswith("Quét mã QR để ủng hộ Quỹ khuyến học qua Telegram")
    assert pledge.footer == join.footer


def test_english_texts_and_fallback_to_vietnamese() -> None:
    join = poster_lines("join", HAI_PHONG_EN, "en")
    assert join.headline == "JOIN THE STUDY PROMOTION ASSOCIATION"
    assert HAI_PHONG_EN in join.call
    assert join.call.isascii()
    assert poster_lines("pledge", HAI_PHONG_EN, "en").headline.isascii()
    # Any other language gets the Vietnamese poster, as the chat catalogues do.
    assert poster_lines("join", HAI_PHONG_VI, "fr") == poster_lines("join", HAI_PHONG_VI)


def test_association_is_tidied_and_composed() -> None:
    decomposed = unicodedata.normalize("NFD", f"  {HAI_PHONG_VI}\n")
    assert decomposed != HAI_PHONG_VI
    assert HAI_PHONG_VI in poster_lines("join", decomposed).call


def test_texts_are_composed_and_headlines_upper_case() -> None:
    for text in _all_texts():
        for part in (text.headline, text.call, text.footer):
            assert unicodedata.is_normalized("NFC", part)
        assert text.headline == text.headline.upper()


@pytest.mark.parametrize(
    ("target", "association"),
    [("donate", HAI_PHONG_VI), ("JOIN", HAI_PHONG_VI), ("join", ""), ("join", "  \n")],
)
def test_poster_lines_refuses(target: str, association: str) -> None:
    with pytest.raises(ValueError):
        poster_lines(target, association)


# Fonts


@pytest.mark.parametrize("bold", [False, True])
def test_font_draws_vietnamese_letters(bold: bool) -> None:
    path = font_path(bold=bold)
    assert path.is_file()
    assert path.name == ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    font = ImageFont.truetype(str(path), 40)
    # A missing glyph would still draw the .notdef box: compare against a private-use letter.
    notdef = font.getmask("\ue000")
    for letter in "ỢẤỄđĐữỹ":
        mask = font.getmask(letter)
        bbox = mask.getbbox()
        assert bbox is not None
        assert bbox[2] > bbox[0]
        assert bbox[3] > bbox[1]
        assert (mask.size, bytes(mask)) != (notdef.size, bytes(notdef))


@pytest.mark.parametrize("bold", [False, True])
def test_font_has_every_letter_of_the_texts(bold: bool) -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    cmap = ttlib.TTFont(str(font_path(bold=bold))).getBestCmap()
    letters = {char for text in _all_texts() for char in text.headline + text.call + text.footer}
    missing = sorted(char for char in letters - {" "} if ord(char) not in cmap)
    assert missing == []


# Rendering


@pytest.fixture(scope="module")
def posters(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[str, Path]]:
    pytest.importorskip("segno")
    folder = tmp_path_factory.mktemp("posters")
    made = {}
    for target in TARGETS:
        for lang, association in (("vi", HAI_PHONG_VI), ("en", HAI_PHONG_EN)):
            link = deep_link(BOT, target, "w11341")
            path = folder / f"{target}-{lang}.png"
            render_poster(link, target, path, association=association, lang=lang)
            made[target, lang] = (link, path)
    return made


def _decode(image) -> list:
    zxingcpp = pytest.importorskip("zxingcpp")
    results = zxingcpp.read_barcodes(image)
    assert all(result.format == zxingcpp.BarcodeFormat.QRCode for result in results)
    return results


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("target", TARGETS)
def test_poster_decodes_back_to_the_link(posters, target: str, lang: str) -> None:
    link, path = posters[target, lang]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        assert image.size == (WIDTH, HEIGHT) == (1240, 1748)
        assert image.mode == "RGB"
        assert tuple(round(value) for value in image.info["dpi"]) == (150, 150)
        results = _decode(image)
    assert [result.text for result in results] == [link]
    assert link == f"https://t.me/{BOT}?start={target}-w11341"


def test_posters_differ_by_target_and_language(posters) -> None:
    contents = {path.read_bytes() for _, path in posters.values()}
    assert len(contents) == len(posters)


def test_qr_is_large_centred_sharp_and_has_a_quiet_zone(posters) -> None:
    segno = pytest.importorskip("segno")
    link, path = posters["pledge", "vi"]
    modules = segno.make_qr(link, error="m", boost_error=False).symbol_size(border=0)[0]
    with Image.open(path) as image:
        (result,) = _decode(image)
        position = result.position
        left, top = position.top_left.x, position.top_left.y
        right, bottom = position.bottom_right.x, position.bottom_right.y
        module = (right - left) / modules
        # An integer scale: every module a whole number of pixels.
        assert abs(module - round(module)) < 0.1
        quiet = round(4 * module)
        assert 600 <= (right - left) + 2 * quiet <= 760
        assert abs((left + right) / 2 - WIDTH / 2) <= module
        # Only pure black and white where the QR code was pasted: nothing was resampled.
        box = image.crop((left - quiet + 1, top - quiet + 1, right + quiet - 1, bottom + quiet - 1))
        assert {colour for _, colour in box.getcolors()} == {(0, 0, 0), (255, 255, 255)}
        # The quiet zone: four modules of white all around the symbol.
        white = ((255, 255), (255, 255), (255, 255))
        for strip in (
            (left - quiet + 1, top - quiet + 1, right + quiet - 1, top - 2),
            (left - quiet + 1, bottom + 2, right + quiet - 1, bottom + quiet - 1),
            (left - quiet + 1, top - quiet + 1, left - 2, bottom + quiet - 1),
            (right + 2, top - quiet + 1, right + quiet - 1, bottom + quiet - 1),
        ):
            assert image.crop(strip).getextrema() == white


def test_nothing_is_drawn_on_the_page_edges(posters) -> None:
    edge = 40
    white = ((255, 255), (255, 255), (255, 255))
    for _, path in posters.values():
        with Image.open(path) as image:
            for strip in (
                (0, 0, WIDTH, edge),
                (0, HEIGHT - edge, WIDTH, HEIGHT),
                (0, 0, edge, HEIGHT),
                (WIDTH - edge, 0, WIDTH, HEIGHT),
            ):
                assert image.crop(strip).getextrema() == white


def test_long_texts_still_fit_and_too_long_ones_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("segno")
    # The longest link deep_link makes, and an association named at great length.
    link = deep_link("B" * 32, "join", "x" * 40)
    long_name = (
        "Hội Khuyến học phường Lê Chân, thành phố Hải Phòng, cùng Ban đại diện cha mẹ học "
        "sinh Trường Trung học cơ sở Ngô Quyền và Hội Cựu giáo chức "
    ) * 3
    path = tmp_path / "long.png"
    render_poster(link, "join", path, association=long_name)
    with Image.open(path) as image:
        assert image.size == (WIDTH, HEIGHT)
        assert [result.text for result in _decode(image)] == [link]
    too_long = tmp_path / "too-long.png"
    with pytest.raises(ValueError, match="too long"):
        render_poster(link, "join", too_long, association=long_name * 3)
    assert not too_long.exists()


@pytest.mark.parametrize(
    ("link", "target"),
    [
        (f"https://t.me/{BOT}?start=join", "donate"),
        (f"https://t.me/{BOT}?start=join", "JOIN"),
        (f"http://t.me/{BOT}?start=join", "join"),
        (f"https://telegram.me/{BOT}?start=join", "join"),
        (f"https://example.com/{BOT}?start=join", "join"),
        (f"t.me/{BOT}?start=join", "join"),
        ("https://t.me/", "join"),
        (f" https://t.me/{BOT}", "join"),
        (f"https://t.me/{BOT}?start=join pledge", "join"),
        (f"https://t.me/{BOT}?start=hội", "join"),
    ],
)
def test_render_poster_refuses(tmp_path: Path, link: str, target: str) -> None:
    path = tmp_path / "poster.png"
    with pytest.raises(ValueError):
        render_poster(link, target, path, association=HAI_PHONG_VI)
    assert not path.exists()


# Deep links


def test_deep_link_examples() -> None:
    assert deep_link(BOT, "pledge", "w11341") == f"https://t.me/{BOT}?start=pledge-w11341"
    assert deep_link(f"@{BOT}", "join", None) == f"https://t.me/{BOT}?start=join"
    assert deep_link(BOT, "join", "") == f"https://t.me/{BOT}?start=join"
    assert deep_link(BOT, "join", "Poster-1") == f"https://t.me/{BOT}?start=join-Poster-1"
    assert deep_link("a2345", "join", "0") == "https://t.me/a2345?start=join-0"
    longest = deep_link("b" * 32, "pledge", "9" * 40)
    assert len(longest.partition("?start=")[2]) <= START_MAX


@pytest.mark.parametrize(
    "username",
    [
        "",
        "@",
        "abcd",  # too short
        "@abcd",
        "a" * 33,  # too long
        "1abcde",  # starts with a digit
        "_abcde",
        "@@abcde",
        "abc-de",
        "abc de",
        "abcdé",
        "abcde!",
        " abcde",
        "abcde\n",
        "https://t.me/abcde",
        None,
    ],
)
def test_deep_link_refuses_usernames(username) -> None:
    with pytest.raises(ValueError, match="username"):
        deep_link(username, "join", None)


@pytest.mark.parametrize("target", ["", "Join", "JOIN", "donate", "join-x", " join", None])
def test_deep_link_refuses_targets(target) -> None:
    with pytest.raises(ValueError, match="target"):
        deep_link(BOT, target, None)


@pytest.mark.parametrize(
    "source",
    [
        "-abc",  # must start with a letter or a digit
        "a_b",  # no underscore
        "a b",
        " a",
        "a\n",
        "a.b",
        "a/b",
        "phường",
        "a" * 41,
        5,
    ],
)
def test_deep_link_refuses_sources(source) -> None:
    with pytest.raises(ValueError, match="source"):
        deep_link(BOT, "join", source)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("pledge-w11341", ("pledge", "w11341")),
        ("join", ("join", None)),
        ("join-", ("join", None)),
        ("pledge", ("pledge", None)),
        ("join-Poster1", ("join", "poster1")),
        ("join-A-", ("join", "a-")),
        ("pledge-" + "Z" * 40, ("pledge", "z" * 40)),
        ("", None),
        ("-", None),
        ("-w1", None),
        ("JOIN", None),
        ("Join-w1", None),
        ("donate-w1", None),
        ("join_w1", None),
        ("join--w1", None),
        ("join-w_1", None),
        ("join-w 1", None),
        ("join-w1\n", None),
        (" join", None),
        ("join ", None),
        ("join-phường", None),
        ("join-" + "a" * 41, None),
        ("pledge-" + "a" * 60, None),
        (None, None),
    ],
)
def test_parse_start_payload(payload, expected) -> None:
    assert parse_start_payload(payload) == expected


@given(USERNAMES, st.sampled_from(TARGETS), SOURCES, st.booleans())
def test_deep_link_round_trip(username: str, target: str, source: str, at: bool) -> None:
    link = deep_link(f"@{username}" if at else username, target, source)
    assert link == f"https://t.me/{username}?start={target}-{source}"
    prefix, _, payload = link.partition("?start=")
    assert prefix == f"https://t.me/{username}"
    assert len(payload) <= START_MAX
    assert parse_start_payload(payload) == (target, source.lower())
    bare = deep_link(username, target, None)
    assert parse_start_payload(bare.partition("?start=")[2]) == (target, None)


@given(
    st.one_of(
        st.text(max_size=80),
        st.from_regex(r"(join|pledge|Join|donate)(-[A-Za-z0-9_ -]{0,45})?", fullmatch=True),
    )
)
def test_parsed_payloads_are_ones_deep_link_makes(payload: str) -> None:
    parsed = parse_start_payload(payload)
    if parsed is None:
        return
    target, source = parsed
    made = deep_link(BOT, target, source).partition("?start=")[2]
    assert made in (payload, payload.lower(), payload.rstrip("-"))
    assert parse_start_payload(made) == parsed
