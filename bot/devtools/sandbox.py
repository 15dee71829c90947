"""A terminal chat with the real bot, through the local Bot API emulator: no Telegram needed.

Typed text is sent as a message; buttons are shown numbered and typing the number presses one;
the "share phone" button sends the simulated user's phone; `/as NAME [--officer]` switches users.
When standard input is not a terminal, each line is one message, and the sandbox exits at the end.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any, TextIO

from bot.devtools.emulator import BotApiEmulator
from bot.devtools.local import LocalBot, local_bot
from bot.settings import Settings

BOT_PREFIX = "🤖 "
INDENT = "   "


@dataclass
class SandboxUser:
    user_id: int
    name: str
    phone: str


@dataclass
class Button:
    label: str
    message_id: int | None  # None: a reply-keyboard button
    index: int


@dataclass
class Sandbox:
    local: LocalBot
    out: TextIO
    interactive: bool
    users: dict[str, SandboxUser] = field(default_factory=dict)
    current: SandboxUser | None = None
    _seen: dict[int, dict[int, str | None]] = field(default_factory=dict)
    _answers_seen: dict[int, int] = field(default_factory=dict)
    shown: list[Button] = field(default_factory=list)

    @property
    def emu(self) -> BotApiEmulator:
        return self.local.emulator

    def switch(self, name: str, officer: bool = False) -> SandboxUser:
        key = name.casefold()
        user = self.users.get(key)
        if user is None:
            # Stable ids and phones per name, so that the same name finds the same data next run.
            user_id = 100_000 + zlib.crc32(key.encode()) % 900_000
            phone = f"+849{user_id % 100_000_000:08d}"
            user = SandboxUser(user_id, name, phone)
            self.users[key] = user
            self.emu.add_user(user_id, first_name=name, language_code="vi", phone=phone)
        if officer:
            self.local.runtime.admin_ids.add(user.user_id)
        self.current = user
        return user

    def reply_buttons(self) -> list[Button]:
        assert self.current is not None
        keyboard = self.emu.current_reply_keyboard(self.current.user_id) or []
        return [Button(t, None, i) for i, t in enumerate(t for row in keyboard for t in row)]

    def print_new(self) -> None:
        """Print what the bot sent or changed since the last call, with numbered buttons."""
        assert self.current is not None
        chat_id = self.current.user_id
        seen = self._seen.setdefault(chat_id, {})
        printed = False
        answers = self.emu.callback_answers(chat_id)
        for answer in answers[self._answers_seen.get(chat_id, 0) :]:
            if answer:
                self.out.write(f"{BOT_PREFIX}[{answer}]\n")
                printed = True
        self._answers_seen[chat_id] = len(answers)
        with_buttons = None
        for message in self.emu.messages(chat_id):
            previous = seen.get(message.message_id)
            if message.deleted or previous == message.text:
                continue
            seen[message.message_id] = message.text
            edited = "(edited) " if previous is not None else ""
            kind = f"[{message.kind}: {message.file_name or ''}] " if message.kind != "text" else ""
            body = f"{edited}{kind}{message.text or ''}".replace("\n", f"\n{INDENT}")
            self.out.write(f"{BOT_PREFIX}{body}\n")
            printed = True
            if message.buttons:
                with_buttons = message
        if printed:
            # Numbers press the buttons just shown: the newest inline keyboard, then the reply one.
            self.shown = self.reply_buttons()
            if with_buttons is not None:
                inline = [
                    Button(t, with_buttons.message_id, i)
                    for i, t in enumerate(with_buttons.buttons)
                ]
                self.shown = inline + self.shown
            for number, button in enumerate(self.shown, start=1):
                self.out.write(f"{INDENT}[{number}] {button.label}\n")
            self.out.write("\n")
        self.out.flush()

    async def handle(self, line: str) -> None:
        assert self.current is not None
        text = line.rstrip("\n")
        if not text.strip():
            return
        if not self.interactive:
            self.out.write(f"{self.current.name}> {text}\n")
        if text.startswith("/as "):
            words = text.split()[1:]
            officer = "--officer" in words
            name = " ".join(w for w in words if w != "--officer") or "An"
            user = self.switch(name, officer)
            self.shown = []
            role = " (officer)" if officer else ""
            self.out.write(f"-- now chatting as {user.name}{role}, id {user.user_id}\n")
            return
        user_id = self.current.user_id
        buttons = self.shown
        if text.strip().isdigit() and 1 <= int(text.strip()) <= len(buttons):
            button = buttons[int(text.strip()) - 1]
            if button.message_id is None:
                await self.emu.reply_button(user_id, button.label)
            else:
                await self.emu.press(user_id, button.message_id, index=button.index)
        else:
            await self.emu.send_text(user_id, text)
        await self.local.settle()
        self.print_new()

    async def drain(self, limit: float = 15.0) -> None:
        """At the end of piped input: let announcements under way finish, and show them."""
        from storage.broadcasts import broadcasts_with_status

        engine = self.local.runtime.engine
        if engine is not None:
            engine.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while loop.time() < deadline:
            if not await broadcasts_with_status(self.local.runtime.db, "sending"):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.3)  # the engine's final progress edit and report
        self.print_new()


async def read_lines(stream: TextIO, prompt: str | None) -> str | None:
    if prompt is not None:
        sys.stdout.write(prompt)
        sys.stdout.flush()
    line = await asyncio.to_thread(stream.readline)
    return line or None


# A made-up account, so that the sandbox shows the VietQR payment when no bank is set up.
DEMO_BANK: dict[str, Any] = {
    "bank_bin": "970436",
    "bank_account": "0000000000",
    "bank_account_name": "DEMO - KHONG CHUYEN TIEN",
}


async def run_sandbox(settings: Settings, user: str = "An", officer: bool = False) -> int:
    interactive = sys.stdin.isatty()
    if not settings.bank_transfer:
        settings = dataclasses.replace(settings, **DEMO_BANK)
    async with local_bot(settings, poll_timeout=1) as local:
        sandbox = Sandbox(local, sys.stdout, interactive)
        sandbox.switch(user, officer)
        if interactive:
            sys.stdout.write(
                "Local sandbox: you are chatting with the real bot through a Bot API emulator.\n"
                "Type a message, a number to press a button, /as NAME [--officer] to switch "
                "users, Ctrl-D to quit.\n"
            )
        while True:
            assert sandbox.current is not None
            prompt = f"{sandbox.current.name}> " if interactive else None
            line = await read_lines(sys.stdin, prompt)
            if line is None:
                if not interactive:
                    await sandbox.drain()
                break
            await sandbox.handle(line)
    return 0
