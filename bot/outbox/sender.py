"""What the outbox workers ask of a messenger: send one message to one account, and say how it
went in words every channel shares. The broadcast engine and the mailer hold one sender per
channel and pick it by the recipient's account; they never see a messenger's exceptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from storage.broadcasts import Broadcast

SENT = "sent"
UNREACHABLE = "unreachable"  # blocked, deleted, never wrote: not worth trying again
FAILED = "failed"  # refused for this message: trying again would not help
TRANSIENT = "transient"  # the network or the messenger failed: try again later
SLOW_DOWN = "slow_down"  # the messenger asks to wait `wait` seconds, then send again


@dataclass(frozen=True)
class SendResult:
    status: str
    reason: str | None = None
    wait: float = 0.0
    photo_id: str | None = None  # a local picture the messenger now holds, to reuse


@dataclass(frozen=True)
class Choice:
    """An action offered under a message: a button, or a numbered option in text."""

    label: str
    action: str


class Sender(Protocol):
    channel: str

    def ticket(self) -> int:
        """A place in line, kept across the retries of one message."""
        ...

    async def wait_turn(self, address: str, ticket: int) -> None:
        """Wait until the messenger's limits let one more message go to `address`."""
        ...

    def slow_down(self, seconds: float, address: str) -> None:
        """The messenger asked for a pause: hold everything this sender sends."""
        ...

    async def send_announcement(
        self, address: str, broadcast: Broadcast, language: str, upload: Path | None = None
    ) -> SendResult:
        """One recipient's copy of an announcement; `upload`: a local picture to send."""
        ...

    async def send_notice(
        self, address: str, text: str, choices: Sequence[Choice] = ()
    ) -> SendResult:
        """A message owed to one person (a receipt, a reminder), with its actions."""
        ...
