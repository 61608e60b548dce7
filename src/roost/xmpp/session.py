"""A bound XMPP stream as a core Session: events in, stanzas out.

Extensions that sit between the session and its connection (XEP-0352 holds stanzas
back, XEP-0198 counts and keeps them) add a `SessionLayer`; every stanza the session
sends passes through the layers in rank order. When the connection drops, a layer may
keep the session detached (registered with the router, its sink `Detached`) until a
new connection takes it over or the layer ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import xml.etree.ElementTree as ET
from collections import deque
from typing import Protocol, TypeVar

from roost.core.events import Event, MessageCreated
from roost.core.services import Services
from roost.model.jid import Jid
from roost.model.presence import ResourcePresence, Show
from roost.model.users import User
from roost.xmpp.context import XmppLimits, XmppServer
from roost.xmpp.ext import Registry
from roost.xmpp.ext.xep0045_muc.join import leave_all
from roost.xmpp.outgoing import render, render_now

log = logging.getLogger(__name__)
CHANNEL = "xmpp"  # the core's delivery mark for offline delivery (XEP-0160)
GIVEN_KEPT = 2000
MARK_DELAY_SECONDS = 0.5  # deliveries within this make one delivery-mark write
QUERY_SECONDS = 30.0
L = TypeVar("L", bound="SessionLayer")


class StanzaSink(Protocol):
    """The connection under a session."""

    def send(self, element: ET.Element) -> None: ...
    async def close_stream(self, condition: str, text: str = "") -> None: ...


class SessionLayer:
    """Per-session state of an extension, between the session and its connection."""

    rank = 50  # lower ranks see outbound stanzas first

    def outbound(self, element: ET.Element) -> ET.Element | None:
        """The stanza to pass on (None holds it back)."""
        return element

    def handled(self) -> None:
        """An inbound stanza was handled (its effects committed)."""

    def keeps_detached(self) -> bool:
        """The connection dropped: keep the session for a new connection?"""
        return False

    def ended(self) -> None:
        """The session is over."""

    def unacknowledged_messages(self) -> list[int]:
        """The archived messages handed to the client that it never acknowledged (XEP-0198)."""
        return []


class Detached:
    """The sink of a session whose connection dropped while a layer keeps it."""

    def __init__(self, session: XmppSession) -> None:
        self.session = session

    def send(self, element: ET.Element) -> None:
        """Dropped here: a layer that keeps the session keeps what it needs to resend."""

    async def close_stream(self, condition: str, text: str = "") -> None:
        await self.session.end()


class XmppSession:
    """One bound resource of one user (implements core.session.Session)."""

    def __init__(self, sink: StanzaSink, server: XmppServer, user: User, resource: str) -> None:
        self.id = "x" + secrets.token_hex(8)
        self.sink = sink
        self.server = server
        self.user = user
        self.resource = resource
        self.jid = Jid(user.username, server.limits.domain, resource)
        self.jid_text = str(self.jid)
        self.bare_text = str(self.jid.bare)
        self.available = False  # sent its initial presence
        self.available_since = 0  # the hub's moment of its initial presence (0: not yet)
        self.carbons = False  # XEP-0280 enabled
        self.roster_requested = False  # an interested resource: gets roster pushes (RFC 6121 §2.1.6)
        self.priority = 0  # of the last available presence (RFC 6121 §4.7.2.3)
        # given directed presence (RFC 6121 §4.6): (user id, resource or None for the bare JID)
        self.directed: set[tuple[int, str | None]] = set()
        self.client_features: frozenset[str] = frozenset()  # XEP-0115: the client's disco#info features
        self._queries: dict[str, asyncio.Future[ET.Element]] = {}
        self._given: deque[int] = deque()
        self._given_ids: set[int] = set()
        self._mark = 0
        self._mark_written = 0
        self._mark_task: asyncio.Task[None] | None = None
        self._mark_now = asyncio.Event()  # write the mark without waiting (the session ends)
        self.ending = False  # the server ends it: no layer may keep it
        self.ended = False
        self.layers: list[SessionLayer] = []
        self.lock = asyncio.Lock()  # held while a stanza is handled; a resumption waits for it
        self._events: deque[Event | ET.Element] = deque()  # an element: a stanza forwarded as it is
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

    @property
    def limits(self) -> XmppLimits:
        return self.server.limits

    def add_layer(self, layer: SessionLayer) -> None:
        self.layers.append(layer)
        self.layers.sort(key=lambda each: each.rank)

    def layer(self, kind: type[L]) -> L | None:
        return next((each for each in self.layers if isinstance(each, kind)), None)

    def send(self, element: ET.Element, *, after: SessionLayer | None = None) -> None:
        """Send a stanza through the layers (those after `after` only) to the connection;
        nothing once the session has ended (no layer keeps it for a resumption then)."""
        if self.ended:
            return
        layers = self.layers if after is None else self.layers[self.layers.index(after) + 1 :]
        for layer in layers:
            passed = layer.outbound(element)
            if passed is None:
                return
            element = passed
        self.sink.send(element)

    async def query(self, iq: ET.Element) -> ET.Element:
        """Send an iq get or set to the client; its answer (an iq result or error), or TimeoutError."""
        iq_id = "q" + secrets.token_hex(6)
        iq.set("id", iq_id)
        iq.set("to", str(self.jid))
        answer: asyncio.Future[ET.Element] = asyncio.get_running_loop().create_future()
        self._queries[iq_id] = answer
        try:
            self.send(iq)
            async with asyncio.timeout(QUERY_SECONDS):
                return await answer
        finally:
            self._queries.pop(iq_id, None)

    def answered(self, iq: ET.Element) -> None:
        """An iq result or error from the client: the answer to one of its queries, if any."""
        waiting = self._queries.get(iq.get("id", ""))
        if waiting is not None and not waiting.done():
            waiting.set_result(iq)

    def give(self, message_id: int) -> bool:
        """Note a message handed to this client (live or offline); False if it already had it.

        The caller moves the delivery mark (`mark_delivered`) once the stanza exists: a session
        ended while it was being rendered never sent it. A session before its initial presence
        moves no mark: that must not hide older messages still waiting for offline delivery."""
        if message_id in self._given_ids:
            return False
        self._given.append(message_id)
        self._given_ids.add(message_id)
        if len(self._given) > GIVEN_KEPT:
            self._given_ids.discard(self._given.popleft())
        return True

    def mark_delivered(self, message_id: int) -> None:
        """Move the user's XMPP delivery mark; the deliveries of MARK_DELAY_SECONDS make one write.
        Not once the session has ended: its last mark is written, and its hand-back may have
        moved the mark back since."""
        if self.ended:
            return
        self._mark = max(self._mark, message_id)
        if self._mark_task is None:
            self._mark_task = asyncio.create_task(self._write_mark(), name=f"xmpp-mark-{self.id}")

    async def _write_mark(self) -> None:
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(MARK_DELAY_SECONDS):
                    await self._mark_now.wait()
            while self._mark > self._mark_written:
                value = self._mark
                await self.services.offline.delivered(self.user_id, CHANNEL, value)
                self._mark_written = value
        except Exception:
            log.exception("could not store the XMPP delivery mark")
        finally:
            self._mark_task = None

    async def _flush_mark(self) -> None:
        """Write the delivery mark now, so that the next login's offline delivery starts after it."""
        task = self._mark_task
        if task is not None:
            self._mark_now.set()
            with contextlib.suppress(Exception):
                await asyncio.shield(task)

    def handled(self) -> None:
        for layer in self.layers:
            layer.handled()

    def attach(self, sink: StanzaSink) -> StanzaSink:
        """A new connection takes the session over; returns the previous sink."""
        previous, self.sink = self.sink, sink
        return previous

    @property
    def is_detached(self) -> bool:
        return isinstance(self.sink, Detached)

    async def connection_lost(self, *, resumable: bool) -> None:
        """The connection under the session is gone: detach it if a layer keeps it, else end it."""
        if resumable and not self.ending and any([layer.keeps_detached() for layer in self.layers]):
            self.sink = Detached(self)
            log.info("xmpp session detached jid=%s", self.jid)
            return
        await self.end()

    async def end(self) -> None:
        """Unregister the session; the user's presence is recomputed."""
        if self.ended:
            return
        self.ended = True
        for layer in self.layers:
            layer.ended()
        self.services.router.unregister(self)
        self.server.hub.unbind(self)
        leave_all(self)  # XEP-0045: its nicks leave their rooms, whether a connection was left or not
        self._stop_rendering()  # what is still queued was never given: the mark does not pass it
        async with self.server.hub.offline_turn(self.user_id):  # a new login's backlog: before or after
            await self._flush_mark()
            await self._hand_back([m for layer in self.layers for m in layer.unacknowledged_messages()])
        if self.available:
            self.available = False
            self.end_directed()
            try:
                await self.services.presence.session_ended(self)
            except Exception:  # the store may be gone at shutdown; the session still ends
                log.warning("could not end the presence of a session", exc_info=True)

    def _stop_rendering(self) -> None:
        self._events.clear()
        if self._drain is not None:
            self._drain.cancel()
            self._drain = None

    async def _hand_back(self, message_ids: list[int]) -> None:
        """XEP-0198 §5: messages the client never acknowledged count as sent to an unavailable
        resource: the user's other available resources get them (each at most once), or, with
        none left, the next login's offline delivery does (the delivery mark goes back, and the
        changes to messages given after it come again too). Changes need no hand-back to other
        resources: every available one got them live."""
        if not message_ids:
            return
        try:
            messages = await self.services.archive.get_many(self.user, message_ids) if self._others() else []
            others = self._others()  # again: one may have ended during the read
            if not others:
                await self.services.offline.undelivered(self.user_id, CHANNEL, message_ids)
                return
            for message in messages:
                for other in others:
                    other.deliver(MessageCreated(message, message.id))
        except Exception:  # the store may be gone at shutdown; the session still ends
            log.warning("could not hand back unacknowledged messages", exc_info=True)

    def _others(self) -> list[XmppSession]:
        """The user's other resources that take messages sent to the bare JID (RFC 6121 §8.5.2.1.1)."""
        return [s for s in self.server.hub.sessions_of(self.user_id) if s.available and not s.ended and s.priority >= 0]

    def end_directed(self) -> None:
        """Unavailable presence to everyone this resource sent directed presence to (RFC 6121 §4.6.3)."""
        gone = ResourcePresence(self.user_id, self.resource, Show.UNAVAILABLE, "")
        for user_id, resource in sorted(self.directed, key=str):
            self.services.presence.direct(gone, user_id, resource)
        self.directed.clear()

    def deliver(self, event: Event) -> None:
        """Send the event's stanzas now if nothing is queued before it and it needs no lookup
        (a room's message to each occupant); else queue it: a task renders queued events in
        order (rendering may look up names)."""
        if self.ended:
            return
        if not self._events and self._drain is None:
            try:
                stanzas = render_now(event, self)
            except Exception:
                log.exception("could not render an event for XMPP")
                return
            if stanzas is not None:
                for stanza in stanzas:
                    self.send(stanza)
                return
        self._queue(event)

    def forward(self, stanza: ET.Element) -> None:
        """Send a stanza another client addressed to this full JID (an iq), as it is; after the
        events queued before it, so that what one entity sends arrives in order (RFC 6120 §10.1)."""
        if not self._events and self._drain is None:
            self.send(stanza)
            return
        self._queue(stanza)

    def _queue(self, item: Event | ET.Element) -> None:
        self._events.append(item)
        if self._drain is None:
            self._drain = asyncio.create_task(self._render_queued(), name=f"xmpp-render-{self.id}")

    async def _render_queued(self) -> None:
        try:
            while self._events:
                event = self._events.popleft()
                if isinstance(event, ET.Element):
                    self.send(event)
                    continue
                try:
                    stanzas = await render(event, self)
                except Exception:
                    log.exception("could not render an event for XMPP")
                    continue
                for stanza in stanzas:
                    self.send(stanza)
        finally:
            self._drain = None

    async def close(self, reason: str) -> None:
        condition = "system-shutdown" if "shutting down" in reason else "not-authorized"
        await self.end_stream(condition, reason)

    async def end_stream(self, condition: str, text: str = "") -> None:
        """Close the connection with a stream error; the session ends with it."""
        self.ending = True
        await self.sink.close_stream(condition, text)
