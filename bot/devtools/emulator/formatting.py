"""Minimal Telegram text formatting: HTML parse_mode to (plain text, entities).

Offsets and lengths are in UTF-16 code units, as Telegram counts them. MarkdownV2 and
Markdown are accepted but kept as raw text without entities (documented limitation).
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.devtools.emulator.spec import ApiError

_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>|<|&(#?[a-zA-Z0-9]+);?")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML. Raises ``ApiError`` like Telegram on bad markup."""
    out: list[str] = []
    offset = 0
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    pos = 0
    for match in _TOKEN.finditer(source):
        if match.start() > pos:
            chunk = source[pos : match.start()]
            out.append(chunk)
            offset += utf16_len(chunk)
        pos = match.end()
        token = match.group(0)
        if match.group(4) is not None:
            decoded = html.unescape(token)  # unknown entities stay literal text
            out.append(decoded)
            offset += utf16_len(decoded)
            continue
        if match.group(2) is None:  # a bare "<"
            raise ApiError(
                400,
                'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset '
                f"{len(source[: match.start()].encode('utf-8'))}",
            )
        closing, tag, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if tag not in _TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        if closing:
            if not stack or stack[-1][0] != tag:
                raise ApiError(
                    400,
                    f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"',
                )
            _, start, closed = stack.pop()
            length = offset - start
            if length > 0:
                entity: dict[str, Any] = {"type": _TAGS[tag], "offset": start, "length": length}
                entity.update(closed)
                entities.append(entity)
            continue
        extra: dict[str, Any] = {}
        if tag == "a":
            href = _HREF.search(attrs or "")
            if href:
                extra["url"] = html.unescape(next(g for g in href.groups() if g is not None))
        stack.append((tag, offset, extra))
    if pos < len(source):
        chunk = source[pos:]
        out.append(chunk)
        offset += utf16_len(chunk)
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start "
            f'tag "{stack[-1][0]}"',
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def render(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]] | None]:
    """Apply ``parse_mode``; returns the stored text and entities (None when there are none)."""
    if parse_mode and parse_mode.upper() == "HTML":
        plain, entities = parse_html(text)
        return plain, entities or None
    if parse_mode and parse_mode not in ("Markdown", "MarkdownV2"):
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    return text, None
