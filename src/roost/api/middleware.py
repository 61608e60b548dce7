"""ASGI middleware: request ids, body size limit, security headers."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.log import request_id

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _TooLarge(HTTPException):
    """Raised while the body streams in; FastAPI passes HTTPExceptions through to our handler."""

    def __init__(self) -> None:
        super().__init__(413, "The request body is too large.")


class RequestGuard:
    """Tags each request with an id, refuses bodies over `max_bytes` with 413, adds headers."""

    def __init__(self, app: ASGIApp, max_bytes: int, streamed: Callable[[str, str], bool] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = streamed or (lambda _method, _path: False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id.set(secrets.token_hex(6))
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if self.streamed(scope["method"], scope["path"]):  # file uploads: their own limits apply
            await self.app(scope, receive, self._with_headers(send))
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        await self.app(scope, self._counting(receive), self._with_headers(send))

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        return counted_receive

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        return guarded_send

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": {"code": "request.too_large", "message": f"The request body is over {self.max_bytes} bytes."}}
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
