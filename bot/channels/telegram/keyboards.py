"""Keyboards shared by several journeys."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Gettext

MENU_JOIN = "menu:join"
MENU_PLEDGE = "menu:pledge"
MENU_EVENTS = "menu:events"
MENU_LANGUAGE = "menu:language"
MENU_HELP = "menu:help"
LANGUAGE_PREFIX = "lang:"


def main_menu(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("📝 Join the Association"), callback_data=MENU_JOIN)],
            [InlineKeyboardButton(_("💝 Pledge to the fund"), callback_data=MENU_PLEDGE)],
            [
                InlineKeyboardButton(_("📅 Events"), callback_data=MENU_EVENTS),
                InlineKeyboardButton(_("🌐 Language"), callback_data=MENU_LANGUAGE),
                InlineKeyboardButton(_("❓ Help"), callback_data=MENU_HELP),
            ],
        ]
    )


def language_picker() -> InlineKeyboardMarkup:
    # Each language is named in itself, so nobody needs to read the other one to switch.
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🇻🇳 Tiếng Việt", callback_data=f"{LANGUAGE_PREFIX}vi"),
                InlineKeyboardButton("🇬🇧 English", callback_data=f"{LANGUAGE_PREFIX}en"),
            ]
        ]
    )


def rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    """Buttons laid out `width` to a row."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]
