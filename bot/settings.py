"""Settings read from the environment and an optional `.env` file.

Every setting has a default and a help text; the README repeats this registry.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.quiet import QuietHours

TELEGRAM_API_DEFAULT = "https://api.telegram.org/bot"
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names it."""


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: str
    help: str


REGISTRY: tuple[SettingSpec, ...] = (
    SettingSpec("TELEGRAM_BOT_TOKEN", "", "Token from @BotFather. Empty: run the local sandbox."),
    SettingSpec(
        "TELEGRAM_API_URL",
        "",
        "Base URL of a self-hosted Bot API server or of the emulator "
        f"(empty: Telegram's, {TELEGRAM_API_DEFAULT}).",
    ),
    SettingSpec(
        "ALLOW_INSECURE_API_URL",
        "false",
        "Allow a plain http:// TELEGRAM_API_URL to another machine (the token travels in clear);"
        " loopback addresses are always allowed.",
    ),
    SettingSpec("DATABASE_PATH", "./data/khuyenhoc.sqlite3", "SQLite database file."),
    SettingSpec("ADMIN_IDS", "", "Comma-separated Telegram user ids of the administrators."),
    SettingSpec(
        "PROVINCE_CODE", "31", "Province whose communes and wards are offered (31: Hải Phòng)."
    ),
    SettingSpec(
        "DEFAULT_LANGUAGE", "vi", "Language for users whose Telegram language is not vi or en."
    ),
    SettingSpec("TIMEZONE", "Asia/Ho_Chi_Minh", "Time zone for dates shown to users."),
    SettingSpec(
        "MEMBER_PREFIX", "", "Prefix of membership numbers (empty: from the province, HP)."
    ),
    SettingSpec("LOG_LEVEL", "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
    SettingSpec(
        "BROADCAST_RATE",
        "25",
        "Announcements sent per second overall (at most 1 per chat per second); the rest of "
        "Telegram's ~30/s is left for replies. Up to 1000 with BROADCAST_PAID.",
    ),
    SettingSpec(
        "SEND_RATE",
        "29",
        "Messages the bot sends per second overall, replies included, kept below Telegram's"
        " ~30/s (0: no limit, for a Bot API server without flood limits).",
    ),
    SettingSpec(
        "CHAT_SEND_RATE",
        "1",
        "Messages per second to one chat, after a burst of three (0: no limit).",
    ),
    SettingSpec(
        "BROADCAST_PAID",
        "false",
        "Use Telegram's paid broadcasts (allow_paid_broadcast, Stars per message) above 30/s.",
    ),
    SettingSpec("BROADCAST_CONCURRENCY", "8", "Announcement requests in flight at once."),
    SettingSpec(
        "BROADCAST_LATE_LIMIT",
        "6h",
        "A scheduled announcement missed while the bot was down is still sent if it is less "
        "late than this (such as 6h or 90m); otherwise it is marked missed.",
    ),
    SettingSpec(
        "QUIET_HOURS",
        "21:00-07:00",
        "Local hours when scheduled announcements and pledge reminders wait for the morning "
        "(off: none).",
    ),
    SettingSpec(
        "BANK_BIN",
        "",
        "Six-digit NAPAS BIN of the fund's bank, such as 970436 for Vietcombank (empty: "
        "no bank transfer, cash only).",
    ),
    SettingSpec("BANK_ACCOUNT", "", "The fund's account number (letters and digits)."),
    SettingSpec(
        "BANK_ACCOUNT_NAME", "", "The account holder as the bank writes it, shown to donors."
    ),
    SettingSpec("BANK_NAME", "", "The bank's name shown to donors (empty: from the BIN)."),
    SettingSpec(
        "OFFICE_ADDRESS",
        "",
        "Where donors bring cash: the Association's office address and opening hours.",
    ),
    SettingSpec(
        "PLEDGE_REMINDERS",
        "3d,10d",
        "When an unpaid pledge is reminded, after pledging: at most two durations (off: never).",
    ),
    SettingSpec(
        "RETENTION_DAYS",
        "90",
        "Days after which the data of people who never finished joining, pledging or "
        "registering a learning model is deleted (0: never).",
    ),
    SettingSpec(
        "BOT_USERNAME",
        "",
        "The bot's @username, for deep links and posters made on the command line.",
    ),
)

# Short codes for membership numbers; other provinces fall back to "KH" unless MEMBER_PREFIX is set.
_PROVINCE_PREFIXES = {1: "HN", 31: "HP", 79: "HCM", 48: "DN", 92: "CT", 46: "HUE"}


@dataclass
class Settings:
    token: str = ""
    api_url: str = ""
    database_path: Path = Path("./data/khuyenhoc.sqlite3")
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    province_code: int = 31
    default_language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    member_prefix: str = "HP"
    log_level: str = "INFO"
    broadcast_rate: float = 25.0
    broadcast_paid: bool = False
    send_rate: int = 29
    chat_send_rate: float = 1.0
    broadcast_concurrency: int = 8
    broadcast_late_limit: timedelta = timedelta(hours=6)
    quiet_hours: QuietHours = field(default_factory=lambda: QuietHours.parse("21:00-07:00"))
    bank_bin: str = ""
    bank_account: str = ""
    bank_account_name: str = ""
    bank_name: str = ""
    office_address: str = ""
    pledge_reminders: tuple[timedelta, ...] = (timedelta(days=3), timedelta(days=10))
    bot_username: str = ""
    retention_days: int = 90

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sandbox(self) -> bool:
        return not self.token

    @property
    def bank_transfer(self) -> bool:
        """Whether donors can pay by bank transfer (VietQR)."""
        return bool(self.bank_bin and self.bank_account)


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; blank lines, comments and `export ` prefixes are allowed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(
    environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Build Settings from the environment (which wins) and the `.env` file."""
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str:
        spec = next(s for s in REGISTRY if s.name == name)
        return env.get(name, spec.default).strip() or spec.default

    token = get("TELEGRAM_BOT_TOKEN")
    if token and not _TOKEN_RE.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN is not a bot token (expected 123456:ABC...)")

    api_url = get("TELEGRAM_API_URL")
    if api_url and not re.match(r"^https?://[^\s/]+", api_url):
        raise SettingsError("TELEGRAM_API_URL must be an http:// or https:// URL")
    insecure_raw = get("ALLOW_INSECURE_API_URL").lower()
    if insecure_raw not in _BOOLEANS:
        raise SettingsError("ALLOW_INSECURE_API_URL must be true or false")
    if (
        api_url.lower().startswith("http://")
        and not is_loopback_url(api_url)
        and insecure_raw not in _TRUE
    ):
        raise SettingsError(
            "TELEGRAM_API_URL uses plain http:// to another machine: the bot token would travel"
            " in clear. Use https://, or set ALLOW_INSECURE_API_URL=true if the network is yours"
        )

    admin_ids: set[int] = set()
    for part in get("ADMIN_IDS").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"\d{1,15}", part):
            raise SettingsError(
                f"ADMIN_IDS must be Telegram user ids separated by commas: {part!r}"
            )
        admin_ids.add(int(part))

    province_raw = get("PROVINCE_CODE")
    if not province_raw.isdigit():
        raise SettingsError("PROVINCE_CODE must be a province number, such as 31 for Hải Phòng")
    province_code = int(province_raw)
    from bot.domain.wards import province_exists

    if not province_exists(province_code):
        raise SettingsError(f"PROVINCE_CODE {province_code} is not a Vietnamese province code")

    language = get("DEFAULT_LANGUAGE").lower()
    if language not in ("vi", "en"):
        raise SettingsError("DEFAULT_LANGUAGE must be vi or en")

    timezone = get("TIMEZONE")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"TIMEZONE {timezone!r} is not a known time zone") from exc

    prefix = get("MEMBER_PREFIX") or _PROVINCE_PREFIXES.get(province_code, "KH")
    if not re.fullmatch(r"[A-Z]{2,4}", prefix):
        raise SettingsError("MEMBER_PREFIX must be 2 to 4 capital letters, such as HP")

    log_level = get("LOG_LEVEL").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")

    paid_raw = get("BROADCAST_PAID").lower()
    if paid_raw not in _BOOLEANS:
        raise SettingsError("BROADCAST_PAID must be true or false")
    paid = paid_raw in _TRUE
    try:
        rate = float(get("BROADCAST_RATE"))
    except ValueError:
        rate = -1.0
    if not 0 < rate <= (1000 if paid else 30):
        limit = 1000 if paid else 30
        raise SettingsError(f"BROADCAST_RATE must be a number of messages per second, 0 to {limit}")
    send_rate_raw, chat_rate_raw = get("SEND_RATE"), get("CHAT_SEND_RATE")
    if not send_rate_raw.isdigit() or int(send_rate_raw) > 1000:
        raise SettingsError("SEND_RATE must be a whole number of messages per second, 0 to 1000")
    try:
        chat_rate = float(chat_rate_raw)
    except ValueError:
        chat_rate = -1.0
    if not 0 <= chat_rate <= 100:
        raise SettingsError("CHAT_SEND_RATE must be a number of messages per second, 0 to 100")
    concurrency_raw = get("BROADCAST_CONCURRENCY")
    if not concurrency_raw.isdigit() or not 1 <= int(concurrency_raw) <= 256:
        raise SettingsError("BROADCAST_CONCURRENCY must be a whole number from 1 to 256")
    late = parse_duration(get("BROADCAST_LATE_LIMIT"))
    if late is None:
        raise SettingsError("BROADCAST_LATE_LIMIT must be a duration such as 6h, 90m or 0")
    try:
        quiet = QuietHours.parse(get("QUIET_HOURS"))
    except ValueError as exc:
        raise SettingsError(f"QUIET_HOURS: {exc}") from exc

    bank_bin, bank_account = get("BANK_BIN"), get("BANK_ACCOUNT").replace(" ", "")
    if bank_bin and not re.fullmatch(r"[0-9]{6}", bank_bin):
        raise SettingsError("BANK_BIN must be the bank's six-digit NAPAS BIN, such as 970436")
    from bot.domain.banks import NAPAS_BANKS

    if bank_bin and bank_bin not in NAPAS_BANKS:
        raise SettingsError(
            f"BANK_BIN {bank_bin} is not the BIN of a NAPAS member bank (970436 is Vietcombank,"
            " 970418 BIDV, 970405 Agribank): see bot/domain/banks.py"
        )
    if bank_account and not re.fullmatch(r"[A-Za-z0-9]{1,19}", bank_account):
        raise SettingsError("BANK_ACCOUNT must be 1 to 19 letters or digits")
    if bool(bank_bin) != bool(bank_account):
        raise SettingsError("BANK_BIN and BANK_ACCOUNT go together: set both, or neither")
    reminders = parse_reminders(get("PLEDGE_REMINDERS"))
    if reminders is None:
        raise SettingsError("PLEDGE_REMINDERS must be at most two durations, such as 3d,10d")
    retention_raw = get("RETENTION_DAYS")
    if not retention_raw.isdigit() or int(retention_raw) > 3650:
        raise SettingsError("RETENTION_DAYS must be a number of days from 0 to 3650")
    username = get("BOT_USERNAME").removeprefix("@")
    if username and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{4,31}", username):
        raise SettingsError("BOT_USERNAME must be a Telegram username, such as khuyenhoc_bot")

    database = get("DATABASE_PATH")
    return Settings(
        token=token,
        api_url=api_url.rstrip("/"),
        database_path=Path(database),
        admin_ids=frozenset(admin_ids),
        province_code=province_code,
        default_language=language,
        timezone=timezone,
        member_prefix=prefix,
        log_level=log_level,
        broadcast_rate=rate,
        broadcast_paid=paid,
        send_rate=int(send_rate_raw),
        chat_send_rate=chat_rate,
        broadcast_concurrency=int(concurrency_raw),
        broadcast_late_limit=late,
        quiet_hours=quiet,
        bank_bin=bank_bin,
        bank_account=bank_account,
        bank_account_name=get("BANK_ACCOUNT_NAME")[:100],
        bank_name=get("BANK_NAME")[:100],
        office_address=get("OFFICE_ADDRESS")[:300],
        pledge_reminders=reminders,
        bot_username=username,
        retention_days=int(retention_raw),
    )


_TRUE = ("true", "1", "yes", "on")
_BOOLEANS = (*_TRUE, "false", "0", "no", "off")


def is_loopback_url(url: str) -> bool:
    """Whether `url` points to this machine (127.0.0.0/8, ::1 or localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_reminders(text: str) -> tuple[timedelta, ...] | None:
    """'3d,10d' -> two increasing delays; 'off' -> none; None when invalid."""
    if text.strip().lower() in ("off", "none", "0"):
        return ()
    delays = [parse_duration(part) for part in text.split(",")]
    if not 1 <= len(delays) <= 2 or any(d is None or d <= timedelta(0) for d in delays):
        return None
    ordered = tuple(d for d in delays if d is not None)
    return ordered if list(ordered) == sorted(ordered) else None


def parse_duration(text: str) -> timedelta | None:
    """'6h', '90m', '45s', '2d' or a bare number of hours."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2) or "h"
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return timedelta(seconds=amount * seconds)
