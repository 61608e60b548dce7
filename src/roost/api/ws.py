"""The WebSocket event stream: one per client, for live events and commands.

Protocol: docs/events.md. On connect the session is registered with the
router first and buffers live events while the archive replays what the
client missed (`?since=<event id>`); the buffer is then flushed without the
events the replay already carried, so there is no gap and no duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket
from pydantic import ValidationError

from roost.api.commands import (
    Command,
    PingCommand,
    PresenceCommand,
    ReadCommand,
    Send,
    SendCommand,
    TypingCommand,
    command_adapter,
    fast_send,
)
from roost.api.deps import SESSION_COOKIE
from roost.api.metrics import Metrics
from roost.api.render import FrameCache, frame_text, is_shown
from roost.api.schemas.common import ID_MAX
from roost.api.schemas.users import UserOut
from roost.api.ws_frames import DirectFrames
from roost.config import Settings
from roost.core.archive.service import ArchiveService
from roost.core.events import DurableEvent, Event, MessageCreated
from roost.core.services import Services
from roost.model.auth import TokenInfo
from roost.model.errors import NotAuthorized, RoostError
from roost.model.messages import Appended
from roost.model.presence import Show
from roost.model.users import User

log = logging.getLogger(__name__)
DURABLE = DurableEvent.__args__
CLOSE_UNAUTHORIZED = 4401
CLOSE_REVOKED = 4403
CLOSE_TOO_SLOW = 4008
CLOSE_GOING_AWAY = 1001
CLOSE_INTERNAL_ERROR = 1011
CLOSE_TIMEOUT_SECONDS = 5.0  # a client that cannot take its last frames in this time is dropped
SENDS_IN_FLIGHT_MAX = 64  # messages of one connection queued for storage before it stops reading


class WebSocketSession:
    """A browser or bot connected over the WebSocket: a core Session."""

    def __init__(self, ws: WebSocket, user: User, token: TokenInfo, services: Services, settings: Settings) -> None:
        self.ws = ws
        self.user = user
        self._token_id = token.id
        self._id = secrets.token_hex(8)
        self.services = services
        self.settings = settings
        self.metrics: Metrics = ws.app.state.metrics
        self._frames: FrameCache = ws.app.state.frames
        # Frames waiting to be written; a writer task exists only while there are some,
        # so an idle session holds no task of its own beyond its handler.
        self._outbox: deque[str | dict[str, Any] | Event] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._writing = False  # frames are being written right now, outside any task
        self._flush_due = False  # a `_flush` is scheduled
        self._loop = asyncio.get_running_loop()
        self._buffer: list[Event] | None = []
        self._closed = False
        self._closer: asyncio.Task[None] | None = None  # held so the task is not collected mid-way
        self._handler: asyncio.Task[Any] | None = None
        self._aborted = False
        self._replies: deque[_Reply] = deque()
        self._room_for_replies = asyncio.Event()
        self._direct = DirectFrames.attach(ws)  # None: frames go through ASGI's send
        # Direct reads: commands arrive by `_on_message`. One is handled at a time, in order;
        # while one waits (as a task), later ones wait here and the socket is not read.
        self._command_task: asyncio.Task[None] | None = None
        self._commands_waiting: deque[str | bytes] = deque()

    @property
    def id(self) -> str:
        return self._id

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def token_id(self) -> int | None:
        return self._token_id

    def deliver(self, event: Event) -> None:
        if self._closed or not is_shown(event):
            return
        if self._buffer is not None:
            self._buffer.append(event)
            if len(self._buffer) > self.settings.limits.ws_queue_max:
                self._abort(CLOSE_TOO_SLOW, "too many events during catch-up")
            return
        self._put(event)

    def _put(self, item: str | dict[str, Any] | Event) -> None:
        if self._closed:
            return
        if len(self._outbox) >= self.settings.limits.ws_queue_max:
            self._abort(CLOSE_TOO_SLOW, "client too slow")
            return
        self._outbox.append(item)
        if not self._flush_due and self._writer is None and not self._writing:
            # Written once the loop is done with what is ready now: the frames that one
            # commit makes for this connection (its acks, its events) leave in one write.
            self._flush_due = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_due = False
        if self._outbox and self._writer is None and not self._writing:
            self._start_writer()

    def _start_writer(self) -> None:
        """Write the outbox now, with no task while the socket takes every frame at once
        (nearly always); a task takes over from the first time the writer has to wait."""
        coro = self._write_out()
        self._writing = True
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        finally:
            self._writing = False
        self._writer = self._loop.create_task(_resumed(coro, waiting))

    def _abort(self, code: int, reason: str) -> None:
        if not self._closed and self._closer is None:
            log.warning("dropping session user=%s: %s", self.user.id, reason)
            self._closer = self._loop.create_task(self._close(code, reason))

    async def close(self, reason: str) -> None:
        code = CLOSE_GOING_AWAY if reason == "server shutting down" else CLOSE_REVOKED
        await self._close(code, reason)

    async def _close(self, code: int, reason: str) -> None:
        if self._closed:
            return
        self._flush()  # what is queued goes before the closing notice
        self._closed = True
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                await self.ws.send_text(json.dumps({"type": "closing", "reason": reason}))
                await self.ws.close(code=code, reason=reason)
        except TimeoutError:
            # The client stopped reading and its buffers are full: stop serving it here;
            # the server then drops the connection itself.
            if self._handler is not None:
                self._aborted = True
                self._handler.cancel()
        except Exception:  # noqa: S110 - the connection is already gone: nothing left to tell
            pass

    async def run(self, since: int | None) -> None:
        self._handler = asyncio.current_task()
        router = self.services.router
        router.register(self)
        try:
            await self._start(since)
            await self.services.presence.set(self, Show.AVAILABLE, "")
            await self._read_loop()
        except asyncio.CancelledError:
            if not self._aborted or self._handler is None:
                raise
            self._handler.uncancel()
        finally:
            self._closed = True
            if self._direct is not None:
                self._direct.read_into(None)
            router.unregister(self)
            command = self._command_task
            if command is not None:  # let the command in hand finish, for a bounded time
                if self._aborted:
                    command.cancel()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                    await asyncio.wait_for(command, CLOSE_TIMEOUT_SECONDS)
            writer = self._writer
            if writer is not None and self._aborted:
                writer.cancel()
            if writer is not None:  # let it send what is queued, for a bounded time
                with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                    await asyncio.wait_for(writer, CLOSE_TIMEOUT_SECONDS)
            self._outbox.clear()
            await self.services.presence.session_ended(self)

    async def _start(self, since: int | None) -> None:
        last_id = await self.services.catchup.last_event_id()
        hello = {
            "type": "hello",
            "session_id": self._id,
            "user": UserOut.from_model(self.user).model_dump(mode="json"),
            "last_event_id": str(last_id),
        }
        self._put(hello)
        if since is not None:
            caught = await self.services.catchup.since(self.user, since)
            for event in caught.events:
                self._put(event)
            last_id = caught.last_event_id
            done = {"type": "caught_up", "last_event_id": str(last_id), "complete": caught.complete}
            self._put(done)
        buffered, self._buffer = self._buffer or [], None
        for pending in buffered:
            if not (isinstance(pending, DURABLE) and pending.event_id <= last_id):
                self._put(pending)

    async def _write_out(self) -> None:
        """Write queued frames in order, then end (the next `_put` starts a new writer).

        Started by `_start_writer`: outside any task until its first wait."""
        frames = self._frames
        direct = self._direct
        try:
            while self._outbox:
                if direct is None:
                    item = self._outbox.popleft()
                    await self.ws.send_text(self._text(item, frames))
                    self._delivered((item,))
                elif direct.must_wait:  # the client reads slower than we write: as uvicorn's send does
                    await direct.writable()
                else:
                    items = list(self._outbox)
                    self._outbox.clear()
                    direct.write([self._text(item, frames) for item in items])
                    self._delivered(items)
        except Exception:  # the client is gone: the read loop sees the disconnect and ends
            self._outbox.clear()
        finally:
            self._writer = None

    @staticmethod
    def _text(item: str | dict[str, Any] | Event, frames: FrameCache) -> str:
        if isinstance(item, str):
            return item
        return frame_text(item) if isinstance(item, dict) else frames.text(item)

    def _delivered(self, items: Iterable[object]) -> None:
        created = [item.message.created_at for item in items if isinstance(item, MessageCreated)]
        if created:
            self.metrics.observe_deliveries(created)

    async def _read_loop(self) -> None:
        """Commands in order until the client goes. With direct reads, messages go to
        `_on_message` as they are parsed; this loop then sees only the disconnect and the
        messages queued before direct reads began."""
        direct = self._direct is not None and self._direct.read_into(self._on_message)
        while not self._closed:
            try:
                message = await self.ws.receive()
            except RuntimeError:
                return
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("text")
            data = message.get("bytes") if data is None else data
            if data is None:
                continue
            if direct:
                self._on_message(data)
            else:
                await self._command(data)

    def _on_message(self, data: str | bytes) -> None:
        """A command, straight from the connection: handled now, without a task, unless it
        has to wait (then a task carries it on, and later commands wait their turn)."""
        if self._closed:
            return
        if self._command_task is not None:
            self._commands_waiting.append(data)
            if self._direct is not None:
                self._direct.pause_reading()
            return
        coro = self._command(data)
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception:
            log.exception("command failed")
            self._abort(CLOSE_INTERNAL_ERROR, "internal error")
            return
        self._command_task = self._loop.create_task(self._carry_on(coro, waiting))

    async def _carry_on(self, coro: Coroutine[Any, None, None], waiting: Any) -> None:
        """Finish a command that had to wait, then the ones that came meanwhile; then read on."""
        try:
            await _resumed(coro, waiting)
            while self._commands_waiting and not self._closed:
                await self._command(self._commands_waiting.popleft())
        except Exception:
            log.exception("command failed")
            self._abort(CLOSE_INTERNAL_ERROR, "internal error")
        finally:
            self._command_task = None
            if self._closed:
                self._commands_waiting.clear()
            elif self._direct is not None:
                self._direct.resume_reading()

    async def _command(self, data: str | bytes) -> None:
        if isinstance(data, bytes):  # say so, and keep the connection
            self._reply(_error(None, "command.binary", "Send commands as JSON in text frames."))
            return
        limit = self.settings.limits.ws_message_max_bytes
        if len(data) > limit:
            self._reply(_error(None, "command.too_large", f"A command is limited to {limit} bytes."))
            return
        await self._handle(data)

    async def _handle(self, text: str) -> None:
        command: Command | Send | None = fast_send(text)
        if command is None:
            try:
                command = command_adapter.validate_json(text)
            except ValidationError as error:
                self._reply(_error(_client_id_of(text), "command.invalid", _first_problem(error)))
                return
            if isinstance(command, SendCommand):
                command = Send.of(command)
        try:
            if isinstance(command, Send):
                await self._submit(command)
                return
            reply = await self._execute(command)
        except RoostError as error:
            self._reply(_error(command.client_id, error.code, error.message))
            return
        except Exception:
            log.exception("command failed")
            self._reply(_error(command.client_id, "server.error", "Internal error."))
            return
        self._reply({"type": "ack", "client_id": command.client_id, **reply})

    async def _submit(self, command: Send) -> None:
        """Queue the message and read on: its ack follows its commit, in command order."""
        while len(self._replies) >= SENDS_IN_FLIGHT_MAX:  # far ahead of the database: wait
            self._room_for_replies.clear()
            await self._room_for_replies.wait()
        stored = await self.services.archive.submit(
            self.user,
            command.conversation_id,
            command.body,
            client_id=command.client_id,
            reply_to=command.reply_to,
            attachments=command.attachments,
            origin=self._id,  # this connection gets the ack instead of a message.created
        )
        self._replies.append(_Reply(command=command, stored=stored))
        stored.add_done_callback(self._flush_replies)

    def _reply(self, frame: dict[str, Any]) -> None:
        """Answers leave in command order, even while earlier messages are still being stored."""
        if not self._replies:
            self._put(frame)
            return
        self._replies.append(_Reply(frame=frame))

    def _flush_replies(self, _done: object = None) -> None:
        """Send every answer at the head of the line whose message is committed."""
        frames = self._frames
        while self._replies and self._replies[0].ready:
            self._put(self._replies.popleft().render(self.services.archive, frames))
        self._room_for_replies.set()

    async def _execute(self, command: Command) -> dict[str, Any]:
        services = self.services
        if isinstance(command, TypingCommand):
            await services.conversations.set_typing(self.user, command.conversation_id, command.active)
        elif isinstance(command, ReadCommand):
            await services.conversations.mark_read(self.user, command.conversation_id, command.message_id)
        elif isinstance(command, PresenceCommand):
            await services.presence.set(self, command.show, command.status)
        elif isinstance(command, PingCommand):
            return {"pong": True}
        return {}


async def _resumed(coro: Coroutine[Any, None, None], waiting: Any) -> None:
    """Run on, as a task, a coroutine begun outside any task that now waits on `waiting`
    (the future it yielded, or None for a bare yield): what asyncio's Task does for a
    coroutine it started itself. A cancelled task cancels the coroutine likewise."""
    while True:
        try:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                waiting._asyncio_future_blocking = False  # as Task does with a future it is given
                await waiting
        except BaseException as error:
            if waiting is None or not waiting.done():  # this task was cancelled
                try:
                    waiting = coro.throw(error)
                except StopIteration:
                    return
                continue
            # the future failed or was cancelled: the coroutine reads that from it itself
        try:
            waiting = coro.send(None)
        except StopIteration:
            return


@dataclass(slots=True)
class _Reply:
    """One answer waiting its turn: a ready frame, or the ack of a message being stored."""

    frame: dict[str, Any] | None = None
    command: Send | None = None
    stored: asyncio.Future[Appended] | None = None

    @property
    def ready(self) -> bool:
        return self.stored is None or self.stored.done()

    def render(self, archive: ArchiveService, frames: FrameCache) -> str | dict[str, Any]:
        if self.frame is not None or self.stored is None or self.command is None:
            return self.frame or {}
        client_id = self.command.client_id
        if self.stored.cancelled():
            return _error(client_id, "server.stopping", "The server is shutting down.")
        error = self.stored.exception()
        if isinstance(error, RoostError):
            return _error(client_id, error.code, error.message)
        if error is not None:
            return _error(client_id, "server.error", "Internal error.")
        try:
            appended = archive.check_stored(self.stored.result(), self.command.conversation_id)
        except RoostError as reused:
            return _error(client_id, reused.code, reused.message)
        # Everything message.created carries: this connection gets no copy of its own message.
        event_id = str(appended.event_id) if appended.created else None
        return frames.ack_text(client_id, event_id, appended.message)


def _error(client_id: str | None, code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "client_id": client_id, "error": {"code": code, "message": message}}


def _client_id_of(text: str) -> str | None:
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        value = json.loads(text).get("client_id")
        return value if isinstance(value, str) and len(value) <= 128 else None
    return None


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "command"
    return f"{where}: {first['msg']}"


def origin_allowed(ws: WebSocket, settings: Settings) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser: browsers always send Origin on WebSockets
    host = ws.headers.get("host", "")
    own = {f"http://{host}", f"https://{host}"}
    return origin in own or origin in settings.http.allowed_origins


async def authenticate(ws: WebSocket, services: Services, settings: Settings) -> tuple[User, TokenInfo]:
    header = ws.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await services.auth.resolve(header[7:].strip())
    secret = ws.cookies.get(SESSION_COOKIE)
    if not secret:
        raise NotAuthorized("auth.required", "Log in first.")
    if not origin_allowed(ws, settings):
        raise NotAuthorized("auth.origin", "This page's origin may not open a session.")
    return await services.auth.resolve(secret)


async def events_endpoint(ws: WebSocket) -> None:
    """GET /api/v1/events/ws: the event stream (see docs/events.md)."""
    services: Services = ws.app.state.services
    settings: Settings = ws.app.state.settings
    await ws.accept()
    try:
        user, token = await authenticate(ws, services, settings)
        since_text = ws.query_params.get("since")
        since = int(since_text) if since_text and since_text.isdigit() and len(since_text) <= 19 else None
        since = since if since is not None and since <= ID_MAX else None  # past 64 bits: no such event
    except RoostError as error:
        await ws.send_text(json.dumps(_error(None, error.code, error.message)))
        await ws.close(code=CLOSE_UNAUTHORIZED, reason=error.code)
        return
    await WebSocketSession(ws, user, token, services, settings).run(since)
