"""Every user-visible text has a Vietnamese translation, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, gettext_for, money

ROOT = Path(__file__).parents[2]
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def catalogue(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def singular(text: str | tuple[str, ...]) -> str:
    return text if isinstance(text, str) else text[0]


def test_every_source_text_is_in_the_catalogues() -> None:
    vi = {singular(m.id) for m in catalogue("vi") if m.id}
    en = {singular(m.id) for m in catalogue("en") if m.id}
    missing = source_messages() - vi
    assert not missing, f"run `make i18n` and translate: {sorted(missing)[:5]}"
    assert vi == en


def test_every_message_has_a_vietnamese_translation() -> None:
    for message in catalogue("vi"):
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        for form in forms:
            assert set(PLACEHOLDER.findall(singular(message.id))) == set(PLACEHOLDER.findall(form))


def test_vietnamese_text_has_diacritics() -> None:
    translated = " ".join(singular(m.string) for m in catalogue("vi") if m.id)
    assert re.search(
        r"[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]", translated
    )
    assert gettext_for("vi")("This button has expired.") == "Nút này đã hết hiệu lực."
    assert gettext_for("en")("This button has expired.") == "This button has expired."


def test_compiled_catalogues_are_current() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from bot.i18n import check_catalogues; check_catalogues()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_money_is_integer_dong() -> None:
    assert money(500_000, "vi") == "500.000\xa0₫"
    assert money(1_500_000, "en") == "₫1,500,000"
