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
from roost.xmpp.render import render

log = logging.getLogger(__name__)


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
