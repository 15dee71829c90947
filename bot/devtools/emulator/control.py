"""HTTP control API under ``/_emu/`` so a separate process (benchmarks) can drive users."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.devtools.emulator.server import BotApiEmulator

_Route = Callable[[web.Request], Awaitable[web.Response]]


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)


def add_control_routes(app: web.Application, emu: BotApiEmulator) -> None:
    """Register the ``/_emu/`` routes for ``emu`` on ``app``."""

    def guarded(fn: Callable[[dict[str, Any]], Any]) -> _Route:
        async def route(request: web.Request) -> web.Response:
            body: dict[str, Any] = {}
            if request.can_read_body:
                try:
                    body = await request.json()
                except ValueError:
                    return _fail(400, "body must be JSON")
            body.update({k: v for k, v in request.query.items() if k not in body})
            try:
                return _ok(fn(body))
            except (LookupError, ValueError, TypeError) as exc:
                return _fail(400, f"{type(exc).__name__}: {exc}")

        return route

    def users(body: dict[str, Any]) -> Any:
        items = body.get("items") or [body]
        for item in items:
            emu.add_user(
                int(item["user_id"]),
                first_name=item.get("first_name", "User"),
                last_name=item.get("last_name"),
                username=item.get("username"),
                language_code=item.get("language_code", "vi"),
                phone=item.get("phone"),
            )
        return len(items)

    def send_text(body: dict[str, Any]) -> Any:
        return emu.enqueue_text(int(body["user_id"]), str(body["text"]))

    def send_text_batch(body: dict[str, Any]) -> Any:
        return [emu.enqueue_text(int(i["user_id"]), str(i["text"])) for i in body["items"]]

    def send_contact(body: dict[str, Any]) -> Any:
        user = emu.users.get(int(body["user_id"]))
        if user is None:
            raise LookupError(f"unknown user {body['user_id']}")
        contact: dict[str, Any] = {
            "phone_number": body.get("phone") or user.phone,
            "first_name": body.get("first_name") or user.first_name,
        }
        if not contact["phone_number"]:
            raise ValueError("user has no phone")
        if body.get("phone") is None:
            contact["user_id"] = user.user_id
        elif body.get("contact_user_id") is not None:
            contact["user_id"] = int(body["contact_user_id"])
        return emu.enqueue_message(user.user_id, {"contact": contact})

    def send_document(body: dict[str, Any]) -> Any:
        try:
            content = base64.b64decode(str(body["content_base64"]), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"content_base64 is not base64: {exc}") from exc
        caption = body.get("caption")
        return emu.enqueue_document(
            int(body["user_id"]),
            str(body["file_name"]),
            content,
            str(body.get("mime_type") or "text/csv"),
            str(caption) if caption is not None else None,
        )

    def press(body: dict[str, Any]) -> Any:
        mid = body.get("message_id")
        idx = body.get("index")
        return emu.enqueue_press(
            int(body["user_id"]),
            message_id=int(mid) if mid is not None else None,
            button=body.get("button"),
            index=int(idx) if idx is not None else None,
            data=body.get("data"),
        )

    def reply_button(body: dict[str, Any]) -> Any:
        idx = body.get("index")
        return emu.enqueue_reply_button(
            int(body["user_id"]), body.get("text"), int(idx) if idx is not None else None
        )

    def messages(body: dict[str, Any]) -> Any:
        return [m.to_dict() for m in emu.messages(int(body["user_id"]))]

    def stats(body: dict[str, Any]) -> Any:
        return {
            **emu.stats,
            "queued_updates": len(emu._queue),
            "api_errors": len(emu.api_errors),
        }

    def latencies(body: dict[str, Any]) -> Any:
        return emu.reply_latencies()

    def reset_latencies(body: dict[str, Any]) -> Any:
        emu.reset_latencies()
        return True

    def limits(body: dict[str, Any]) -> Any:
        if body.get("enabled", True):
            emu.enable_rate_limits(
                int(body.get("global_per_sec", 30)),
                float(body.get("per_chat_per_sec", 1.0)),
                int(body.get("per_chat_burst", 3)),
            )
        else:
            emu.disable_rate_limits()
        return True

    def blocked(body: dict[str, Any]) -> Any:
        emu.set_blocked(int(body["user_id"]), bool(body.get("blocked", True)))
        return True

    def errors(body: dict[str, Any]) -> Any:
        methods = body.get("methods")
        emu.inject_errors(int(body.get("status", 502)), int(body.get("count", 1)), methods)
        return True

    def latency(body: dict[str, Any]) -> Any:
        emu.set_latency(float(body.get("seconds", 0.0)))
        return True

    def idle(body: dict[str, Any]) -> Any:
        return emu.all_delivered_and_acked

    def api_errors(body: dict[str, Any]) -> Any:
        return emu.api_errors

    post = {
        "users": users,
        "send_text": send_text,
        "send_text_batch": send_text_batch,
        "send_contact": send_contact,
        "send_document": send_document,
        "press": press,
        "reply_button": reply_button,
        "reset_latencies": reset_latencies,
        "limits": limits,
        "blocked": blocked,
        "errors": errors,
        "latency": latency,
    }
    get = {
        "messages": messages,
        "stats": stats,
        "latencies": latencies,
        "idle": idle,
        "api_errors": api_errors,
    }
    for name, fn in post.items():
        app.router.add_post(f"/_emu/{name}", guarded(fn))
    for name, fn in get.items():
        app.router.add_get(f"/_emu/{name}", guarded(fn))
