"""Gettext catalogues (Vietnamese first, English second) and locale-aware formatting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
LANGUAGES = ("vi", "en")

Gettext = Callable[[str], str]


class CatalogueMissing(RuntimeError):
    """A catalogue was not compiled: run `make i18n-compile` (make run and make test do)."""


def N_(message: str) -> str:
    return message


def check_catalogues(locales_dir: Path = LOCALES_DIR) -> None:
    for lang in LANGUAGES:
        mo = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        po = mo.with_suffix(".po")
        if not mo.is_file():
            raise CatalogueMissing(f"catalogue {mo} is not compiled; run: make i18n-compile")
        if po.is_file() and po.stat().st_mtime > mo.stat().st_mtime + 1:
            raise CatalogueMissing(f"catalogue {mo} is older than its .po; run: make i18n-compile")


@cache
def translations(lang: str) -> Translations:
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    found = Translations.load(str(LOCALES_DIR), [lang], DOMAIN)
    if not isinstance(found, Translations):
        raise CatalogueMissing(f"no compiled catalogue for {lang} in {LOCALES_DIR}")
    return found


def gettext_for(lang: str) -> Gettext:
    return translations(lang).gettext


def babel_locale(lang: str) -> str:
    return "vi_VN" if lang == "vi" else "en_US"


def money(amount_dong: int, lang: str) -> str:
    """500000 -> '500.000 ₫' (with Babel's non-breaking space) in Vietnamese."""
    if not isinstance(amount_dong, int):
        raise TypeError("money is integer đồng")
    return format_currency(amount_dong, "VND", locale=babel_locale(lang))


def number(value: float, lang: str) -> str:
    """12345 -> '12.345' in Vietnamese, '12,345' in English."""
    return format_decimal(value, locale=babel_locale(lang))


def local_datetime(moment: datetime, lang: str, tz: ZoneInfo) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    pattern = "HH:mm dd/MM/yyyy" if lang == "vi" else "d MMM yyyy, HH:mm"
    return format_datetime(moment, pattern, tzinfo=tz, locale=babel_locale(lang))


def local_date(moment: datetime, lang: str, tz: ZoneInfo) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    pattern = "dd/MM/yyyy" if lang == "vi" else "d MMM yyyy"
    return format_date(moment.astimezone(tz).date(), pattern, locale=babel_locale(lang))
