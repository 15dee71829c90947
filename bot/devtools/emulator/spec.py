"""Bot API description (api.min.json) loading, parameter decoding and validation.

The JSON file is loaded once per process. Validation answers the way Telegram does:
``ApiError(400, "Bad Request: ...")`` for malformed requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("api.min.json")

MARKUP_TYPES = ("InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply")
MARKUP_ERROR = "Bad Request: can't parse reply keyboard markup JSON object"
BUTTON_DATA_ERROR = "Bad Request: BUTTON_DATA_INVALID"
# Fields of InlineKeyboardButton that do not define the button's action.
_INLINE_NON_ACTION = frozenset({"text", "icon_custom_emoji_id", "style"})
_SCALARS = frozenset({"Integer", "Float", "Boolean", "String", "InputFile"})


class ApiError(Exception):
    """A Telegram-style error answer."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def string_only(self) -> bool:
        return self.types == ("String",)


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


class ApiSpec:
    """Index of the Bot API description: methods by lower-cased name, types by name."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = str(raw.get("version", ""))
        self.methods: dict[str, MethodSpec] = {}
        for name, m in raw.get("methods", {}).items():
            fields = {
                f["name"]: FieldSpec(f["name"], tuple(f.get("types", ())), bool(f.get("required")))
                for f in m.get("fields", [])
            }
            self.methods[name.lower()] = MethodSpec(name, fields, tuple(m.get("returns", ())))
        self.types: dict[str, dict[str, FieldSpec]] = {
            name: {
                f["name"]: FieldSpec(f["name"], tuple(f.get("types", ())), bool(f.get("required")))
                for f in t.get("fields", [])
            }
            for name, t in raw.get("types", {}).items()
        }

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())


@lru_cache(maxsize=1)
def load_spec() -> ApiSpec:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return ApiSpec(json.load(fh))


# --------------------------------------------------------------------------- decoding


def _fits(value: Any, type_name: str) -> bool:
    if type_name.startswith("Array of "):
        return isinstance(value, list)
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name in ("String", "InputFile"):
        return isinstance(value, str)
    return isinstance(value, dict)  # an object type


def decode_form_value(field: FieldSpec | None, raw: str) -> Any:
    """Decode one query/form/multipart string value according to the field's spec types.

    Plain String fields stay strings; everything else is JSON-decoded where possible.
    A value that does not decode into one of the non-string types stays a string.
    """
    if field is None or field.string_only:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if any(t not in ("String", "InputFile") and _fits(value, t) for t in field.types):
        return value
    return raw


def check_types(method: MethodSpec, params: dict[str, Any], files: set[str]) -> None:
    """Check required/unknown parameters and top-level value types."""
    for name in params:
        if name not in method.fields:
            raise ApiError(400, f"Bad Request: unknown parameter {name}")
    for field in method.fields.values():
        if field.required and field.name not in params:
            raise ApiError(400, f"Bad Request: {field.name} is required")
    for name, value in params.items():
        field = method.fields[name]
        if name in files and "InputFile" in field.types:
            continue
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and ("String" in field.types and not any(_fits(value, t) for t in field.types))
        ):
            params[name] = str(value)  # Telegram accepts numbers for String fields
            continue
        if any(_fits(value, t) for t in field.types):
            continue
        if any(t in MARKUP_TYPES for t in field.types):
            raise ApiError(400, MARKUP_ERROR)
        if any(t not in _SCALARS and not t.startswith("Array of") for t in field.types):
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object")
        raise ApiError(400, f"Bad Request: wrong type of parameter {name}")


# --------------------------------------------------------------------------- reply markup


def markup_kind(markup: Any) -> str:
    """Return the markup's type name or raise the Telegram parse error."""
    if not isinstance(markup, dict):
        raise ApiError(400, MARKUP_ERROR)
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return "InlineKeyboardMarkup"
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
        return "ReplyKeyboardMarkup"
    if "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise ApiError(400, MARKUP_ERROR)
        return "ReplyKeyboardRemove"
    if "force_reply" in markup:
        if markup["force_reply"] is not True:
            raise ApiError(400, MARKUP_ERROR)
        return "ForceReply"
    raise ApiError(400, MARKUP_ERROR)


def _rows(keyboard: Any) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(r, list) for r in keyboard):
        raise ApiError(400, MARKUP_ERROR)
    return keyboard


def _check_inline_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard):
        for button in row:
            if not isinstance(button, dict):
                raise ApiError(400, MARKUP_ERROR)
            text = button.get("text")
            if not isinstance(text, str) or not text:
                raise ApiError(400, MARKUP_ERROR)
            actions = [k for k in button if k not in _INLINE_NON_ACTION]
            if len(actions) != 1:
                raise ApiError(400, MARKUP_ERROR)
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise ApiError(400, BUTTON_DATA_ERROR)


def _check_reply_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard):
        for button in row:
            if isinstance(button, str):
                if not button:
                    raise ApiError(400, MARKUP_ERROR)
                continue
            if not isinstance(button, dict):
                raise ApiError(400, MARKUP_ERROR)
            text = button.get("text")
            if not isinstance(text, str) or not text:
                raise ApiError(400, MARKUP_ERROR)


def check_markup(method: MethodSpec, markup: Any) -> str:
    """Validate ``reply_markup`` against the types the method accepts; return its kind."""
    kind = markup_kind(markup)
    field = method.fields.get("reply_markup")
    if field is not None and kind not in field.types:
        raise ApiError(400, MARKUP_ERROR)
    return kind
