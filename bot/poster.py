"""Printable posters: a Telegram deep link as a QR code, with a headline and a call to act.

A ward or a school prints the poster (A5 portrait at 150 dpi) and pins it up; whoever scans
it opens the bot with a start parameter saying what the poster asks for (the target) and,
optionally, which poster it was (the source), so reports can count sign-ups per poster:

    https://t.me/KhuyenHocHPBot?start=pledge-w11341  ->  ("pledge", "w11341")

The poster texts are fixed strings here rather than gettext messages: they are print
artwork, not chat messages. Everything is drawn with DejaVu Sans, the font that ships with
matplotlib and has every Vietnamese letter; Pillow, segno and matplotlib are imported only
when a poster is rendered, so the deep-link helpers cost nothing to import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image
    from PIL.ImageDraw import ImageDraw
    from PIL.ImageFont import FreeTypeFont

TARGETS = ("join", "pledge")

LINK_PREFIX = "https://t.me/"
START_MAX = 64  # Telegram's limit on a start parameter
SOURCE_MAX = 40

# A5 portrait (148 x 210 mm) at 150 dpi.
WIDTH, HEIGHT = 1240, 1748
DPI = 150
MARGIN_X = 90
MARGIN_Y = 80
QR_TARGET = 700  # rough width of the QR code, quiet zone included, in pixels
QR_BORDER = 4  # quiet zone, in modules

_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_SOURCE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9-]{{0,{SOURCE_MAX - 1}}}")
# What a printed link may hold: printable ASCII without spaces, so it can be typed back.
_LINK = re.compile(rf"{re.escape(LINK_PREFIX)}[\x21-\x7e]+")

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
NAVY = (11, 61, 145)
INK = (26, 26, 26)
GREY = (80, 80, 80)

# Headline and call to act per language and target; {association} is filled in.
_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "vi": {
        "join": (
            "THAM GIA HỘI KHUYẾN HỌC",
            "Quét mã QR bằng điện thoại để đăng ký làm hội viên {association} ngay trên "
            "Telegram. Mỗi gia đình ít nhất một hội viên!",
        ),
        "pledge": (
            "CHUNG TAY VÌ QUỸ KHUYẾN HỌC",
            "Quét mã QR để ủng hộ Quỹ khuyến học qua Telegram: chuyển khoản VietQR hoặc "
            "nộp tiền mặt. Mỗi đóng góp giúp một học sinh đến trường.",
        ),
    },
    "en": {
        "join": (
            "JOIN THE STUDY PROMOTION ASSOCIATION",
            "Scan the QR code with your phone to become a member of {association} right on "
            "Telegram. At least one member in every family!",
        ),
        "pledge": (
            "TOGETHER FOR THE STUDY PROMOTION FUND",
            "Scan the QR code to support the Study Promotion Fund through Telegram: by VietQR "
            "bank transfer or in cash. Every gift helps a pupil go to school.",
        ),
    },
}
_FOOTERS: dict[str, str] = {
    "vi": "Tháng Khuyến học, khuyến tài – Ngày Khuyến học Việt Nam 2/10",
    "en": "Study Promotion Month – Vietnam Study Promotion Day, 2 October",
}

# (headline, call to act, link, footer) font sizes in pixels, largest first: the first that
# fits the page wins.
_SIZES = ((72, 40, 34, 30), (64, 37, 32, 28), (58, 34, 30, 26), (52, 31, 28, 24))


@dataclass(frozen=True)
class PosterText:
    headline: str
    call: str
    footer: str


def deep_link(bot_username: str, target: str, source: str | None) -> str:
    """The t.me link that opens the bot with `target` and, if given, `source` as start payload.

    deep_link("@KhuyenHocHPBot", "pledge", "w11341")
        -> "https://t.me/KhuyenHocHPBot?start=pledge-w11341"
    Raises ValueError on an invalid username, target or source.
    """
    if not isinstance(bot_username, str):
        raise ValueError(f"bot username must be a string: {bot_username!r}")
    username = bot_username.removeprefix("@")
    if not _USERNAME.fullmatch(username):
        raise ValueError(
            "bot username must be 5 to 32 ASCII letters, digits or underscores, starting with "
            f"a letter: {bot_username!r}"
        )
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}: {target!r}")
    payload = target
    if source is not None and source != "":
        if not isinstance(source, str) or not _SOURCE.fullmatch(source):
            raise ValueError(
                f"source must be 1 to {SOURCE_MAX} ASCII letters, digits or hyphens, starting "
                f"with a letter or a digit: {source!r}"
            )
        payload = f"{target}-{source}"
    if len(payload) > START_MAX:
        raise ValueError(f"start parameter must be at most {START_MAX} characters: {payload!r}")
    return f"{LINK_PREFIX}{username}?start={payload}"


def parse_start_payload(payload: str) -> tuple[str, str | None] | None:
    """(target, source or None) of a /start payload made by deep_link, else None.

    The source comes back lower-cased, so reports count "Poster1" and "poster1" together.
    """
    if not isinstance(payload, str) or len(payload) > START_MAX:
        return None
    target, _, source = payload.partition("-")
    if target not in TARGETS:
        return None
    if not source:
        return target, None
    if not _SOURCE.fullmatch(source):
        return None
    return target, source.lower()


def poster_lines(target: str, association: str, lang: str = "vi") -> PosterText:
    """The headline, call to act and footer of a poster; English if lang is "en", else
    Vietnamese. `association` is the association's name, already in that language."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}: {target!r}")
    if not isinstance(association, str) or not association.strip():
        raise ValueError(f"association must be a non-empty name: {association!r}")
    lang = "en" if lang == "en" else "vi"
    # Precomposed letters: decomposed diacritics are placed less well by the renderer.
    name = unicodedata.normalize("NFC", " ".join(association.split()))
    headline, call = _TEXTS[lang][target]
    return PosterText(headline, call.format(association=name), _FOOTERS[lang])


def font_path(bold: bool = False) -> Path:
    """The DejaVu Sans font file that ships with matplotlib (regular or bold).

    Raises RuntimeError if matplotlib is missing or its font file is.
    """
    try:
        import matplotlib
    except ImportError as missing:
        raise RuntimeError(
            "posters need the 'matplotlib' package for its DejaVu Sans font "
            "(pip install matplotlib)"
        ) from missing
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if not path.is_file():
        raise RuntimeError(f"font file {path} is missing from matplotlib")
    return path


def _wrap(draw: ImageDraw, text: str, font: FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to `width` pixels; a word wider than a line is cut between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and draw.textlength(line + char, font=font) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def _wrap_link(draw: ImageDraw, link: str, font: FreeTypeFont, width: int) -> list[str]:
    """The link on one line if it fits, else broken after its "?" (and between letters only
    where a part is still too wide), so the break is easy to read and type back."""
    if draw.textlength(link, font=font) <= width:
        return [link]
    head, mark, tail = link.partition("?")
    return [line for part in (head + mark, tail) if part for line in _wrap(draw, part, font, width)]


def _line_step(font: FreeTypeFont) -> int:
    # 1.3 em per line leaves room for stacked diacritics on capitals ("Ấ", "Ợ").
    return round(font.size * 1.3)


def _block_height(lines: list[str], font: FreeTypeFont) -> int:
    return len(lines) * _line_step(font)


def _draw_block(
    draw: ImageDraw, lines: list[str], font: FreeTypeFont, top: int, fill: tuple[int, int, int]
) -> int:
    """Draw the lines centred from `top` down; return the y just below the block."""
    step = _line_step(font)
    for index, line in enumerate(lines):
        # Baseline 1.05 em below the line's top: stacked marks above, descenders below.
        baseline = top + index * step + round(font.size * 1.05)
        draw.text((WIDTH // 2, baseline), line, font=font, fill=fill, anchor="ms")
    return top + len(lines) * step


def _qr_image(link: str, max_width: int) -> Image.Image:
    """The link's QR code at an integer scale near QR_TARGET pixels wide (quiet zone
    included), so every module is a whole number of pixels and stays sharp."""
    try:
        import segno
    except ImportError as missing:
        raise RuntimeError("posters need the 'segno' package (pip install segno)") from missing
    from PIL import Image

    # make_qr: never a Micro QR, which phone cameras don't read.
    code = segno.make_qr(link, error="m", boost_error=False)
    modules = code.symbol_size(border=QR_BORDER)[0]
    scale = max(1, min(round(QR_TARGET / modules), max_width // modules))
    buffer = BytesIO()
    code.save(buffer, kind="png", scale=scale, border=QR_BORDER, dark="black", light="white")
    buffer.seek(0)
    with Image.open(buffer) as image:
        return image.convert("RGB")


def render_poster(link: str, target: str, out: Path, *, association: str, lang: str = "vi") -> None:
    """Write an A5 portrait PNG poster (WIDTH x HEIGHT pixels, 150 dpi) to `out`.

    From top to bottom: the headline, the call to act, the link's QR code, the link written
    out for those who cannot scan it, and the footer. Raises ValueError on an unknown target,
    a link that is not a t.me link, or texts too long for the page; RuntimeError if Pillow,
    segno or matplotlib is missing.
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}: {target!r}")
    if not isinstance(link, str) or not _LINK.fullmatch(link):
        raise ValueError(
            f"link must start with {LINK_PREFIX} and hold no spaces or non-ASCII: {link!r}"
        )
    text = poster_lines(target, association, lang)
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as missing:
        raise RuntimeError("posters need the 'pillow' package (pip install pillow)") from missing

    content_width = WIDTH - 2 * MARGIN_X
    qr = _qr_image(link, content_width)
    regular, bold = font_path(), font_path(bold=True)
    image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)

    min_gap = 24
    for headline_size, call_size, link_size, footer_size in _SIZES:
        fonts = (
            ImageFont.truetype(str(bold), headline_size),
            ImageFont.truetype(str(regular), call_size),
            ImageFont.truetype(str(regular), link_size),
            ImageFont.truetype(str(regular), footer_size),
        )
        blocks = [
            _wrap(draw, text.headline, fonts[0], content_width),
            _wrap(draw, text.call, fonts[1], content_width),
            _wrap_link(draw, link, fonts[2], content_width),
            _wrap(draw, text.footer, fonts[3], content_width),
        ]
        heights = [_block_height(lines, font) for lines, font in zip(blocks, fonts, strict=True)]
        used = sum(heights) + qr.height
        # Gaps: headline-call, call-QR, QR-link (fixed, small), link-footer.
        free = HEIGHT - 2 * MARGIN_Y - used - min_gap
        if free >= 3 * min_gap:
            break
    else:
        raise ValueError("the poster texts are too long to fit the page")

    # The call stays close to its headline; what is left is shared above and below the QR.
    headline_gap = min(free // 3, 60)
    qr_gap = (free - headline_gap) // 2
    headline_lines, call_lines, link_lines, footer_lines = blocks
    headline_font, call_font, link_font, footer_font = fonts

    y = _draw_block(draw, headline_lines, headline_font, MARGIN_Y, NAVY)
    y = _draw_block(draw, call_lines, call_font, y + headline_gap, INK)
    y += qr_gap
    # Pasted at whole-pixel offsets, never resized: the modules stay sharp.
    image.paste(qr, ((WIDTH - qr.width) // 2, y))
    y += qr.height + min_gap
    _draw_block(draw, link_lines, link_font, y, NAVY)

    # The footer sits on the bottom margin, under a thin rule.
    footer_top = HEIGHT - MARGIN_Y - heights[3]
    rule_y = footer_top - 16
    draw.line((MARGIN_X, rule_y, WIDTH - MARGIN_X, rule_y), fill=NAVY, width=3)
    _draw_block(draw, footer_lines, footer_font, footer_top, GREY)

    image.save(Path(out), "PNG", dpi=(DPI, DPI))
