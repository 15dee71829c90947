"""Text normalisation shared by searches and validators."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics and collapse spaces: "Ngô  Quyền" -> "ngo quyen"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", bare).strip().lower()


def squeeze(text: str) -> str:
    """NFC-normalise and collapse runs of white space into one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
