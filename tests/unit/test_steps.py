"""The pieces the journeys share that need neither Telegram's network nor a database."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.domain.validation import Problem
from bot.domain.wards import ward_by_code, wards_of
from bot.i18n import gettext_for
from handlers.steps import (
    button_args,
    page_buttons,
    page_count,
    parse_int,
    pressed_ward,
    problem_text,
)

HAI_PHONG = 31


def pressed(data: str | None) -> Update:
    user = User(1, "Lan", is_bot=False)
    message = Message(1, datetime(2026, 11, 29, tzinfo=UTC), Chat(1, Chat.PRIVATE))
    return Update(1, callback_query=CallbackQuery("q", user, "c", message=message, data=data))


def test_parse_int_takes_plain_digits_only() -> None:
    assert parse_int("0") == 0
    assert parse_int("12345678901") == 12345678901
    for text in ("", "-1", "+1", " 1", "1.0", "١٢", "²", "123456789012"):
        assert parse_int(text) is None, text


def test_button_args_drop_the_prefix() -> None:
    assert button_args(pressed("opl:list:all:2")) == ["list", "all", "2"]
    assert button_args(pressed("oml")) == []
    assert button_args(pressed(None)) == []
    assert button_args(Update(2)) == []


def test_pressed_ward_is_looked_up_by_its_code() -> None:
    ward = wards_of(HAI_PHONG)[0]
    assert pressed_ward([str(ward.code)], HAI_PHONG) == ward
    assert pressed_ward([str(ward.code), "extra"], HAI_PHONG) == ward
    for args in ([], [""], ["0"], ["x1"], ["-1"], ["9" * 12]):
        assert pressed_ward(args, HAI_PHONG) is None, args
    assert ward_by_code(HAI_PHONG, 0) is None


def test_pages_and_their_buttons() -> None:
    assert [page_count(total, 8) for total in (0, 1, 8, 9, 16, 17)] == [1, 1, 1, 2, 2, 3]
    assert page_buttons("opl", "all", 0, 1) == []
    (only,) = page_buttons("oml", "submitted", 0, 3)
    assert [(b.text, b.callback_data) for b in only] == [("▶️", "oml:list:submitted:1")]
    (both,) = page_buttons("opl", "ward", 1, 3)
    assert [(b.text, b.callback_data) for b in both] == [
        ("◀️", "opl:list:ward:0"),
        ("▶️", "opl:list:ward:2"),
    ]
    (last,) = page_buttons("opl", "all", 2, 3)
    assert [(b.text, b.callback_data) for b in last] == [("◀️", "opl:list:all:1")]


def test_problem_text_has_a_sentence_for_every_problem() -> None:
    _ = gettext_for("en")
    texts = {problem_text(_, problem) for problem in Problem}
    assert len(texts) == len(Problem)
    assert problem_text(_, None) == "Please try again."
    assert problem_text(_, Problem.NOT_A_PHONE) == "That is not a valid Vietnamese phone number."
