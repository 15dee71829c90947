"""Local Telegram Bot API emulator served over real HTTP (aiohttp).

The bot (python-telegram-bot or anything else) talks to it exactly as to
``https://api.telegram.org``; tests and the sandbox drive simulated users through the
Python API of :class:`BotApiEmulator`, separate processes through ``/_emu/`` routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from itertools import islice
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from bot.devtools.emulator.formatting import render
from bot.devtools.emulator.limits import RateLimiter
from bot.devtools.emulator.spec import (
    ApiError,
    MethodSpec,
    check_markup,
    check_types,
    decode_form_value,
    load_spec,
)
from bot.devtools.emulator.state import (
    CallbackRecord,
    ChatState,
    FileInfo,
    SentMessage,
    SimUser,
)
from bot.devtools.emulator.users import CAPTION_LIMIT, SimulatedUsers

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
# Telegram lets a bot download files up to 20 MB; bytes of bigger files are not kept.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
_LIMITED_PREFIXES = ("send", "edit", "copy", "forward")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
# Status codes whose rejection means "the bot sent an invalid request" (-> api_errors).
_CLIENT_ERRORS = frozenset({400, 401, 404})
_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9._-]+")

Handler = Callable[[MethodSpec, dict[str, Any]], Coroutine[Any, Any, Any]]
# Called with (chat_id, message, edited) whenever the bot sends or edits a message.
Listener = Callable[[int, SentMessage, bool], None]


@dataclass(slots=True)
class Upload:
    """An uploaded multipart file; ``content`` is None when over :data:`DOWNLOAD_LIMIT`."""

    filename: str | None
    size: int
    content: bytes | None = field(default=None, repr=False)
    content_type: str | None = None


@dataclass(slots=True)
class _Fault:
    status: int  # 0 = hang (timeout)
    count: int
    methods: frozenset[str] | None  # lower-cased names; None = all but getUpdates
    seconds: float = 30.0

    def matches(self, method: str) -> bool:
        if self.count <= 0:
            return False
        if self.methods is None:
            return method != "getupdates"
        return method in self.methods


def _is_limited(method_lower: str) -> bool:
    return method_lower.startswith(_LIMITED_PREFIXES) and method_lower != "sendchataction"


class BotApiEmulator(SimulatedUsers):
    """A Telegram Bot API server for one bot, with simulated users in private chats
    (their side is `SimulatedUsers`, in users.py)."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "khuyenhoc_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Khuyến Học Bot",
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.host = host
        self.port = port
        try:
            self.bot_id = int(token.split(":", 1)[0])
        except ValueError:
            self.bot_id = 123456
        self._spec = load_spec()
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.users: dict[int, SimUser] = {}
        self._chats: dict[int, ChatState] = {}
        self._queue: deque[tuple[int, dict[str, Any]]] = deque()
        self._next_update_id = 1
        self._has_updates = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._callbacks: dict[str, CallbackRecord] = {}
        self._next_query = 1
        self._files: dict[str, FileInfo] = {}
        self._files_by_path: dict[str, FileInfo] = {}
        self._next_file = 1
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._limiter: RateLimiter | None = None
        self._faults: list[_Fault] = []
        self._latency = 0.0
        self._latencies: list[float] = []
        self._listeners: list[Listener] = []
        self.requests: list[tuple[float, str, int | str | None, int]] = []
        self.api_errors: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.stats: dict[str, Any] = self._new_stats()
        self.bot_settings: dict[str, Any] = {}
        self.other_calls: list[tuple[str, dict[str, Any]]] = []
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._true,
            "getwebhookinfo": self._get_webhook_info,
            "logout": self._true,
            "close": self._true,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._store_setting,
            "setmyshortdescription": self._store_setting,
            "setchatmenubutton": self._store_setting,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "editmessagecaption": self._edit_message_caption,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
            "getfile": self._get_file,
        }

    # ------------------------------------------------------------------ lifecycle

    @staticmethod
    def _new_stats() -> dict[str, Any]:
        return {
            "requests": 0,
            "methods": {},
            "429": 0,
            "403": 0,
            "4xx": 0,
            "5xx": 0,
            "messages_sent": 0,
            "edits": 0,
            "updates": 0,
        }

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        from bot.devtools.emulator.control import add_control_routes

        add_control_routes(app, self)
        return app

    async def start(self) -> None:
        """Bind the HTTP server (a free port when ``port == 0``)."""
        self._stopping.clear()
        self._runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop serving; wakes pending long polls and injected hangs."""
        self._stopping.set()
        self._has_updates.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(chat_id, message, edited)`` synchronously on every message the bot
        sends or edits (after it is stored), e.g. to await replies without polling."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _notify(self, chat: ChatState, msg: SentMessage, edited: bool) -> None:
        for listener in self._listeners:
            try:
                listener(chat.user.user_id, msg, edited)
            except Exception:
                log.exception("emulator listener failed")

    def _answered(self, chat: ChatState) -> None:
        if chat.pending:
            now = time.monotonic()
            pending = chat.pending
            while pending:
                self._latencies.append(now - pending.popleft())

    # ------------------------------------------------------------------ behaviour switches

    def enable_rate_limits(
        self, global_per_sec: int = 30, per_chat_per_sec: float = 1.0, per_chat_burst: int = 3
    ) -> None:
        self._limiter = RateLimiter(global_per_sec, per_chat_per_sec, per_chat_burst)

    def disable_rate_limits(self) -> None:
        self._limiter = None

    @staticmethod
    def _method_set(methods: Iterable[str] | None) -> frozenset[str] | None:
        return None if methods is None else frozenset(m.lower() for m in methods)

    def inject_errors(
        self, status: int = 502, count: int = 1, methods: Iterable[str] | None = None
    ) -> None:
        """The next ``count`` matching calls answer ``status`` (methods=None: all but
        getUpdates)."""
        self._faults.append(_Fault(status, count, self._method_set(methods)))

    def inject_timeout(
        self, count: int = 1, methods: Iterable[str] | None = None, seconds: float = 30.0
    ) -> None:
        """The next ``count`` matching calls hang ``seconds`` (cut short by stop())."""
        self._faults.append(_Fault(0, count, self._method_set(methods), seconds))

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_latency(self, seconds: float) -> None:
        self._latency = max(0.0, seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # ------------------------------------------------------------------ HTTP entry points

    async def _handle_api(self, request: web.Request) -> web.Response:
        method_name = request.match_info["method"]
        status = 200
        chat_id: int | str | None = None
        params: dict[str, Any] = {}
        self.stats["requests"] += 1
        try:
            if self._latency:
                await self._sleep(self._latency)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            spec = self._spec.method(method_name)
            if spec is None:
                raise ApiError(404, "Not Found")
            method_name = spec.name
            methods = self.stats["methods"]
            methods[method_name] = methods.get(method_name, 0) + 1
            await self._apply_faults(spec.name.lower())
            params = await self._read_params(request, spec)
            cid = params.get("chat_id")
            chat_id = cid if isinstance(cid, int | str) else None
            result = await self._dispatch(spec, params)
            body: dict[str, Any] = {"ok": True, "result": result}
        except ApiError as err:
            status = err.status
            body = {"ok": False, "error_code": err.status, "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            self._record_error(method_name, params, err)
        self.requests.append((time.monotonic(), method_name, chat_id, status))
        return web.Response(
            status=status,
            body=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
        )

    def _record_error(self, method: str, params: dict[str, Any], err: ApiError) -> None:
        entry = {
            "method": method,
            "params": {
                k: (repr(v) if isinstance(v, Upload) else v)
                for k, v in params.items()
                if k != "_markup_kind"
            },
            "status": err.status,
            "description": err.description,
        }
        self.rejected.append(entry)
        if err.status == 429:
            self.stats["429"] += 1
        elif err.status == 403:
            self.stats["403"] += 1
        elif err.status >= 500:
            self.stats["5xx"] += 1
        else:
            self.stats["4xx"] += 1
        if err.status in _CLIENT_ERRORS:
            self.api_errors.append(entry)
            log.debug("rejected %s: %s", method, err.description)

    async def _apply_faults(self, method_lower: str) -> None:
        for fault in self._faults:
            if fault.matches(method_lower):
                fault.count -= 1
                if fault.status == 0:
                    await self._sleep(fault.seconds)
                    raise ApiError(504, "Gateway Timeout")
                try:
                    phrase = HTTPStatus(fault.status).phrase
                except ValueError:
                    phrase = "Error"
                raise ApiError(fault.status, phrase)
        if self._faults and all(f.count <= 0 for f in self._faults):
            self._faults.clear()

    async def _read_params(self, request: web.Request, spec: MethodSpec) -> dict[str, Any]:
        fields = spec.fields
        params: dict[str, Any] = {
            k: decode_form_value(fields.get(k), v) for k, v in request.query.items()
        }
        files: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    data = await request.json()
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON request body") from exc
                if data is not None and not isinstance(data, dict):
                    raise ApiError(400, "Bad Request: JSON request body must be an object")
                params.update(data or {})
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, FileField):
                        files[key] = self._upload_of(value)
                    elif isinstance(value, bytes | bytearray):
                        params[key] = decode_form_value(fields.get(key), value.decode())
                    else:
                        params[key] = decode_form_value(fields.get(key), str(value))
        # Resolve uploads: a part named like a field, or an attach://name reference.
        for key, upload in files.items():
            if key in fields:
                params[key] = upload
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = files.get(value[len("attach://") :])
                if attached is None:
                    raise ApiError(400, f"Bad Request: file {value} not found in the request")
                params[key] = attached
        check_types(spec, params, {k for k, v in params.items() if isinstance(v, Upload)})
        return params

    @staticmethod
    def _upload_of(part: FileField) -> Upload:
        fh = part.file
        fh.seek(0, 2)
        size = fh.tell()
        content: bytes | None = None
        if size <= DOWNLOAD_LIMIT:
            fh.seek(0)
            content = fh.read()
        ctype: str | None = part.content_type
        if ctype == "application/octet-stream":
            ctype = None  # the client's "unknown", not a type Telegram would report
        return Upload(part.filename, size, content, ctype)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        info = self._files_by_path.get(request.match_info["path"])
        if info is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        # Bytes not kept (a file given by URL): zero bytes of the recorded size.
        body = info.content if info.content is not None else b"\0" * info.file_size
        return web.Response(body=body, content_type=info.mime_type or "application/octet-stream")

    # ------------------------------------------------------------------ dispatch helpers

    async def _dispatch(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        if "reply_markup" in params:
            params["_markup_kind"] = check_markup(spec, params["reply_markup"])
        handler = self._handlers.get(spec.name.lower(), self._generic)
        return await handler(spec, params)

    def _target(self, params: dict[str, Any]) -> ChatState:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _admit(self, spec: MethodSpec, chat: ChatState | None) -> None:
        """Blocked/deactivated users and flood limits, checked after validation."""
        lower = spec.name.lower()
        if chat is not None and lower.startswith(_LIMITED_PREFIXES):
            if chat.user.deactivated:
                raise ApiError(403, "Forbidden: user is deactivated")
            if chat.user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self._limiter is not None and _is_limited(lower):
            retry = self._limiter.check(chat.user.user_id if chat else None)
            if retry is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

    @staticmethod
    def _render(
        params: dict[str, Any], key: str, entities_key: str, limit: int, empty: str | None
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        raw = params.get(key)
        if raw is None or raw == "":
            if empty is not None:
                raise ApiError(400, empty)
            return None, None
        text, entities = render(str(raw), params.get("parse_mode"))
        if isinstance(params.get(entities_key), list):
            entities = params[entities_key] or None
        if not text.strip():
            if empty is not None:
                raise ApiError(400, empty)
            return None, None
        if len(text) > limit:
            what = "message caption" if key == "caption" else "message"
            raise ApiError(400, f"Bad Request: {what} is too long")
        return text, entities

    def _store_message(
        self,
        chat: ChatState,
        kind: str,
        text: str | None,
        entities: list[dict[str, Any]] | None,
        params: dict[str, Any],
        extra: dict[str, Any] | None = None,
        file_name: str | None = None,
    ) -> dict[str, Any]:
        markup = params.get("reply_markup")
        markup_kind = params.get("_markup_kind")
        now = int(time.time())
        mid = chat.new_message_id()
        raw: dict[str, Any] = {
            "message_id": mid,
            "from": self.bot_user,
            "chat": chat.user.to_chat(),
            "date": now,
        }
        if extra:
            raw.update(extra)
        text_key, ent_key = (
            ("text", "entities") if kind == "text" else ("caption", "caption_entities")
        )
        if text is not None:
            raw[text_key] = text
        if entities:
            raw[ent_key] = entities
        if markup_kind == "InlineKeyboardMarkup":
            raw["reply_markup"] = markup
        elif markup_kind == "ReplyKeyboardMarkup":
            chat.reply_keyboard = markup
        elif markup_kind == "ReplyKeyboardRemove":
            chat.reply_keyboard = None
        chat.messages[mid] = SentMessage(
            message_id=mid,
            chat_id=chat.user.user_id,
            text=text,
            entities=entities,
            reply_markup=markup,
            kind=kind,
            file_name=file_name,
            date=now,
            raw=raw,
        )
        self.stats["messages_sent"] += 1
        self._answered(chat)
        if self._listeners:
            self._notify(chat, chat.messages[mid], False)
        return raw

    def _editable(self, params: dict[str, Any]) -> tuple[ChatState, SentMessage]:
        if "inline_message_id" in params and "chat_id" not in params:
            raise ApiError(400, "Bad Request: message to edit not found")
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is required")
        if "message_id" not in params:
            raise ApiError(400, "Bad Request: message_id is required")
        chat = self._target(params)
        msg = chat.messages.get(params["message_id"])
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, msg

    @staticmethod
    def _inline_of(msg: SentMessage) -> dict[str, Any] | None:
        markup = msg.reply_markup
        return markup if markup is not None and "inline_keyboard" in markup else None

    def _apply_edit(
        self, chat: ChatState, msg: SentMessage, markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        if markup is not None or self._inline_of(msg) is not None:
            msg.reply_markup = markup
        if markup is not None:
            msg.raw["reply_markup"] = markup
        else:
            msg.raw.pop("reply_markup", None)
        msg.edited += 1
        msg.raw["edit_date"] = int(time.time())
        self.stats["edits"] += 1
        self._answered(chat)
        if self._listeners:
            self._notify(chat, msg, True)
        return msg.raw

    # ------------------------------------------------------------------ methods

    async def _true(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        return True

    async def _generic(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        chat: ChatState | None = None
        if "chat_id" in params:
            chat = self._target(params)
        self._admit(spec, chat)
        params.pop("_markup_kind", None)
        self.other_calls.append((spec.name, params))
        log.debug("unimplemented method %s answered true", spec.name)
        return True

    async def _store_setting(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        self.bot_settings[spec.name] = params
        return True

    async def _get_me(self, spec: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, spec: MethodSpec, params: dict[str, Any]) -> list[Any]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        limit = min(max(limit, 1), 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            queue = self._queue
            if offset > 0:
                while queue and queue[0][0] < offset:
                    queue.popleft()
            elif offset < 0:
                while len(queue) > -offset:
                    queue.popleft()
            if not queue:
                self._has_updates.clear()
                self._idle.set()
            if queue or self._stopping.is_set():
                return [u for _, u in islice(queue, limit)]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._has_updates.wait(), remaining)
            except TimeoutError:
                return []

    async def _delete_webhook(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._queue.clear()
            self._has_updates.clear()
            self._idle.set()
        return True

    async def _get_webhook_info(self, spec: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        pending = len(self._queue)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        for cmd in commands:
            if not isinstance(cmd, dict) or not cmd.get("command") or not cmd.get("description"):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self._commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(self, spec: MethodSpec, params: dict[str, Any]) -> list[Any]:
        return self._commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands stored by setMyCommands for a scope (default scope) and language."""
        return self._commands.get(
            self._commands_key({"scope": scope, "language_code": language_code}), []
        )

    async def _send_message(self, spec: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        text, entities = self._render(
            params, "text", "entities", TEXT_LIMIT, "Bad Request: message text is empty"
        )
        self._admit(spec, chat)
        return self._store_message(chat, "text", text, entities, params)

    async def _edit_message_text(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        chat, msg = self._editable(params)
        text, entities = self._render(
            params, "text", "entities", TEXT_LIMIT, "Bad Request: message text is empty"
        )
        if msg.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = params.get("reply_markup")
        if text == msg.text and entities == msg.entities and markup == self._inline_of(msg):
            raise ApiError(400, _NOT_MODIFIED)
        self._admit(spec, chat)
        msg.text, msg.entities = text, entities
        msg.raw["text"] = text
        if entities:
            msg.raw["entities"] = entities
        else:
            msg.raw.pop("entities", None)
        return self._apply_edit(chat, msg, markup)

    async def _edit_message_caption(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        chat, msg = self._editable(params)
        caption, entities = self._render(params, "caption", "caption_entities", CAPTION_LIMIT, None)
        if msg.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        markup = params.get("reply_markup")
        if caption == msg.text and entities == msg.entities and markup == self._inline_of(msg):
            raise ApiError(400, _NOT_MODIFIED)
        self._admit(spec, chat)
        msg.text, msg.entities = caption, entities
        for key, value in (("caption", caption), ("caption_entities", entities)):
            if value:
                msg.raw[key] = value
            else:
                msg.raw.pop(key, None)
        return self._apply_edit(chat, msg, markup)

    async def _edit_message_reply_markup(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        chat, msg = self._editable(params)
        markup = params.get("reply_markup")
        if markup == self._inline_of(msg):
            raise ApiError(400, _NOT_MODIFIED)
        self._admit(spec, chat)
        return self._apply_edit(chat, msg, markup)

    async def _delete_message(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        chat = self._target(params)
        msg = chat.messages.get(params["message_id"])
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        msg.deleted = True
        return True

    async def _answer_callback_query(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        record = self._callbacks.get(str(params["callback_query_id"]))
        if record is None or record.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        record.answered = True
        record.text = text or None
        record.show_alert = bool(params.get("show_alert"))
        record.url = params.get("url")
        return True

    def _file_for(self, value: Any, default_name: str) -> FileInfo:
        if isinstance(value, Upload):
            return self._new_file(
                value.size, value.filename or default_name, value.content, value.content_type
            )
        if isinstance(value, str):
            known = self._files.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                name = value.rsplit("/", 1)[-1] or default_name
                return self._new_file(1024, name)
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    @staticmethod
    def _document_of(info: FileInfo) -> dict[str, Any]:
        document: dict[str, Any] = {
            "file_id": info.file_id,
            "file_unique_id": info.file_unique_id,
            "file_name": info.file_name,
        }
        if info.mime_type:
            document["mime_type"] = info.mime_type
        document["file_size"] = info.file_size
        return document

    def _new_file(
        self,
        size: int,
        name: str | None,
        content: bytes | None = None,
        mime_type: str | None = None,
    ) -> FileInfo:
        n = self._next_file
        self._next_file += 1
        file_id = f"EMU{self.bot_id}F{n:08d}"
        # URL-safe, so clients need not percent-encode the path (PTB does; others may not).
        safe = _UNSAFE_PATH.sub("_", name or "") or "file"
        if content is not None and len(content) > DOWNLOAD_LIMIT:
            content = None
        info = FileInfo(
            file_id, f"U{n:08d}", size, name, f"files/file_{n}_{safe}", content, mime_type
        )
        self._files[file_id] = info
        self._files_by_path[info.file_path] = info
        return info

    async def _send_photo(self, spec: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        caption, entities = self._render(params, "caption", "caption_entities", CAPTION_LIMIT, None)
        self._admit(spec, chat)
        info = self._file_for(params["photo"], "photo.jpg")
        photo = [
            {
                "file_id": info.file_id,
                "file_unique_id": info.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": info.file_size,
            }
        ]
        return self._store_message(
            chat, "photo", caption, entities, params, {"photo": photo}, info.file_name
        )

    async def _send_document(self, spec: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        caption, entities = self._render(params, "caption", "caption_entities", CAPTION_LIMIT, None)
        self._admit(spec, chat)
        info = self._file_for(params["document"], "document")
        document = self._document_of(info)
        return self._store_message(
            chat, "document", caption, entities, params, {"document": document}, info.file_name
        )

    async def _send_chat_action(self, spec: MethodSpec, params: dict[str, Any]) -> bool:
        chat = self._target(params)
        self._admit(spec, chat)
        return True

    async def _get_chat(self, spec: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        return {
            **chat.user.to_chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_file(self, spec: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        info = self._files.get(str(params["file_id"]))
        if info is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if info.file_size > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": info.file_id,
            "file_unique_id": info.file_unique_id,
            "file_size": info.file_size,
            "file_path": info.file_path,
        }
