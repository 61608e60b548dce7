"""A bound XMPP stream as a core Session: events in, stanzas out."""

from __future__ import annotations

import asyncio
import logging
import secrets
import xml.etree.ElementTree as ET
from collections import deque
from typing import Protocol

from roost.core.events import Event
from roost.core.services import Services
from roost.model.jid import Jid
from roost.model.users import User
from roost.xmpp.context import XmppServer
from roost.xmpp.ext import Registry
from roost.xmpp.outgoing import render

log = logging.getLogger(__name__)
CHANNEL = "xmpp"  # the core's delivery mark for offline delivery (XEP-0160)
GIVEN_KEPT = 2000


class StanzaSink(Protocol):
    """The connection under a session."""

    def send(self, element: ET.Element) -> None: ...
    async def close_stream(self, condition: str, text: str = "") -> None: ...


class XmppSession:
    """One bound resource of one user (implements core.session.Session)."""

    def __init__(self, sink: StanzaSink, server: XmppServer, user: User, resource: str) -> None:
        self.id = "x" + secrets.token_hex(8)
        self.sink = sink
        self.server = server
        self.user = user
        self.resource = resource
        self.jid = Jid(user.username, server.limits.domain, resource)
        self.available = False  # sent its initial presence
        self.carbons = False  # XEP-0280 enabled
        self._given: deque[int] = deque()
        self._given_ids: set[int] = set()
        self._mark = 0
        self._mark_written = 0
        self._mark_task: asyncio.Task[None] | None = None
        self._events: deque[Event] = deque()
        self._drain: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def token_id(self) -> int | None:
        return None

    @property
    def services(self) -> Services:
        return self.server.services

    @property
    def domain(self) -> str:
        return self.server.limits.domain

    @property
    def registry(self) -> Registry:
        return self.server.registry

    def send(self, element: ET.Element) -> None:
        self.sink.send(element)

    def give(self, message_id: int) -> bool:
        """Note a message handed to this client (live or offline); False if it already had it."""
        if message_id in self._given_ids:
            return False
        self._given.append(message_id)
        self._given_ids.add(message_id)
        if len(self._given) > GIVEN_KEPT:
            self._given_ids.discard(self._given.popleft())
        self.mark_delivered(message_id)
        return True

    def mark_delivered(self, message_id: int) -> None:
        """Move the user's XMPP delivery mark; writes coalesce into one at a time."""
        self._mark = max(self._mark, message_id)
        if self._mark_task is None:
            self._mark_task = asyncio.create_task(self._write_mark(), name=f"xmpp-mark-{self.id}")

    async def _write_mark(self) -> None:
        try:
            while self._mark > self._mark_written:
                value = self._mark
                await self.services.offline.delivered(self.user_id, CHANNEL, value)
                self._mark_written = value
        except Exception:
            log.exception("could not store the XMPP delivery mark")
        finally:
            self._mark_task = None

    def deliver(self, event: Event) -> None:
        """Queue the event; a task renders queued events in order (rendering may look up names)."""
        self._events.append(event)
        if self._drain is None:
            self._drain = asyncio.create_task(self._render_queued(), name=f"xmpp-render-{self.id}")

    async def _render_queued(self) -> None:
        try:
            while self._events:
                event = self._events.popleft()
                try:
                    stanzas = await render(event, self)
                except Exception:
                    log.exception("could not render an event for XMPP")
                    continue
                for stanza in stanzas:
                    self.sink.send(stanza)
        finally:
            self._drain = None

    async def close(self, reason: str) -> None:
        condition = "system-shutdown" if "shutting down" in reason else "not-authorized"
        await self.sink.close_stream(condition, reason)
