from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import REGISTRY, SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({}, dotenv=None)
    assert settings.sandbox
    assert settings.database_path == Path("./data/khuyenhoc.sqlite3")
    assert settings.province_code == 31
    assert settings.member_prefix == "HP"
    assert settings.default_language == "vi"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.admin_ids == frozenset()


def test_values_and_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nexport ADMIN_IDS=1, 2\nDEFAULT_LANGUAGE='en'\nPROVINCE_CODE=1\n",
        encoding="utf-8",
    )
    settings = load_settings({"ADMIN_IDS": "3", "TELEGRAM_BOT_TOKEN": "12345:abc-DEF_g"}, dotenv)
    assert settings.admin_ids == frozenset({3})  # the environment wins over .env
    assert settings.default_language == "en"
    assert settings.province_code == 1 and settings.member_prefix == "HN"
    assert not settings.sandbox


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("ADMIN_IDS", "12,abc"),
        ("PROVINCE_CODE", "999"),
        ("PROVINCE_CODE", "HP"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("TIMEZONE", "Mars/Olympus"),
        ("MEMBER_PREFIX", "hp1"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({name: value}, dotenv=None)
    assert name in str(error.value)


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for spec in REGISTRY:
        assert f"`{spec.name}`" in readme, spec.name


def test_the_bank_bin_must_be_a_napas_member_bank() -> None:
    account = {"BANK_ACCOUNT": "0011004455667"}
    with pytest.raises(SettingsError, match="BANK_BIN 123456 is not the BIN of a NAPAS"):
        load_settings({"BANK_BIN": "123456", **account}, dotenv=None)
    settings = load_settings({"BANK_BIN": "970418", **account}, dotenv=None)
    assert settings.bank_bin == "970418"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8081", True),
        ("http://localhost:8081/bot", True),
        ("http://[::1]:8081", True),
        ("https://bot-api.example.org", True),
        ("http://bot-api.example.org", False),
        ("http://10.0.0.5:8081", False),
    ],
)
def test_a_plain_http_api_url_only_on_this_machine(url: str, allowed: bool) -> None:
    if allowed:
        assert load_settings({"TELEGRAM_API_URL": url}, dotenv=None).api_url == url.rstrip("/")
        return
    with pytest.raises(SettingsError, match="the bot token would travel in clear"):
        load_settings({"TELEGRAM_API_URL": url}, dotenv=None)
    insecure = {"TELEGRAM_API_URL": url, "ALLOW_INSECURE_API_URL": "true"}
    assert load_settings(insecure, dotenv=None).api_url == url


def test_send_rates_and_their_limits() -> None:
    settings = load_settings({}, dotenv=None)
    assert (settings.send_rate, settings.chat_send_rate) == (29, 1.0)
    off = load_settings({"SEND_RATE": "0", "CHAT_SEND_RATE": "0"}, dotenv=None)
    assert (off.send_rate, off.chat_send_rate) == (0, 0.0)
    for name, value in (("SEND_RATE", "fast"), ("SEND_RATE", "-3"), ("CHAT_SEND_RATE", "x")):
        with pytest.raises(SettingsError, match=name):
            load_settings({name: value}, dotenv=None)


@pytest.mark.parametrize(
    ("before", "after", "narrower"),
    [
        (("admin", None), ("officer", 11341), True),
        (("officer", None), ("officer", 11341), True),
        (("officer", 11341), ("officer", 11346), True),
        (("officer", 11341), ("officer", None), False),
        (("officer", 11341), ("admin", None), False),
        ((None, None), ("officer", 11341), False),
    ],
)
def test_which_new_roles_narrow_an_officer(
    before: tuple[str | None, int | None], after: tuple[str, int | None], narrower: bool
) -> None:
    from bot.domain.roles import narrows

    assert narrows(*before, *after) is narrower
