"""XEP-0198: Stream Management. Acknowledgements, and resumption of a dropped stream.

- `<enable/>` after binding starts counting: inbound stanzas once handled (a message
  after its commit), outbound stanzas as they are written. The server asks for an
  acknowledgement (`<r/>`) every few stanzas and answers the client's `<r/>` with `<a/>`.
- With `resume='true'` (and `xmpp.resume_seconds` > 0) a connection that drops without
  closing its stream leaves the session detached: still registered with the router,
  so events for it queue (at most `xmpp.unacked_max` stanzas), until a new connection
  sends `<resume/>` or the time runs out; then the session ends and the person's
  presence is recomputed. On resumption the unacknowledged stanzas are sent again.
- A graceful close (`</stream:stream>`) or a stream error from the server ends the
  session at once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field

from roost.xmpp.context import XmppServer
from roost.xmpp.errors import STANZAS_NS, StreamError
from roost.xmpp.ext import Extension, UnboundStream
from roost.xmpp.session import Detached, SessionLayer, XmppSession

log = logging.getLogger(__name__)
NS = "urn:xmpp:sm:3"
CLIENT = "jabber:client"
STANZAS = {f"{{{CLIENT}}}iq", f"{{{CLIENT}}}message", f"{{{CLIENT}}}presence"}
MESSAGE = f"{{{CLIENT}}}message"
STANZA_ID = "{urn:xmpp:sid:0}stanza-id"
CHANGES = (  # stanzas the server makes for logged events, each with the event's id as its `id`
    "{urn:xmpp:message-correct:0}replace",
    "{urn:xmpp:message-retract:1}retract",
    "{urn:xmpp:reactions:0}reactions",
    "{http://jabber.org/protocol/muc#user}x/{http://jabber.org/protocol/muc#user}invite",  # xep0045_muc/invitations.py
)
MODULO = 2**32
REQUEST_EVERY = 5  # unacknowledged stanzas before the server sends <r/>
ext = Extension(name="sm", xep=198, version="1.6.2", title="Stream Management")


@dataclass
class Resumable:
    """Sessions that may be resumed, by stream management id (per server)."""

    sessions: dict[str, XmppSession] = field(default_factory=dict)


class StreamManagement(SessionLayer):
    """The counters and the unacknowledged queue of one session."""

    rank = 90  # counts what is really written, after layers that hold stanzas back

    def __init__(self, session: XmppSession, *, resume_seconds: float) -> None:
        self.session = session
        self.resume_seconds = resume_seconds
        self.id = secrets.token_urlsafe(24) if resume_seconds > 0 else None
        self.handled_count = 0  # inbound stanzas handled (h)
        self.acked = 0  # the client's last h
        self.unacked: deque[ET.Element] = deque()
        self.requested = False
        self._reaper: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def outbound(self, element: ET.Element) -> ET.Element | None:
        if element.tag not in STANZAS:
            return element
        self.unacked.append(element)
        if len(self.unacked) > self.session.limits.unacked_max:
            self._spawn(self._overflow)
        elif len(self.unacked) >= REQUEST_EVERY and not self.requested and not self.session.is_detached:
            self.requested = True
            asyncio.get_running_loop().call_soon(self._send_nonza, "r", {})  # after the stanza itself
        return element

    def handled(self) -> None:
        self.handled_count = (self.handled_count + 1) % MODULO

    def acknowledge(self, h: int) -> bool:
        """The client has `h` of our stanzas; False when it claims more than were sent."""
        count = (h - self.acked) % MODULO
        if count > len(self.unacked):
            return False
        for _ in range(count):
            self.unacked.popleft()
        self.acked = h
        self.requested = False
        return True

    def keeps_detached(self) -> bool:
        if self.id is None:
            return False
        self._reaper = asyncio.get_running_loop().call_later(self.resume_seconds, self._spawn, self._reap)
        return True

    def resumed(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None

    def ended(self) -> None:
        self.resumed()
        if self.id is not None:
            self.session.server.state(Resumable).sessions.pop(self.id, None)

    def unacknowledged_messages(self) -> list[int]:
        """The ids the delivery mark counted among the unacknowledged stanzas: 1:1 messages
        (their <stanza-id by='the user'/>) and changes to them (a correction, retraction or
        reactions stanza carries its event's id); copies (carbons) and room messages are left out."""
        by = self.session.bare_text
        found: list[int] = []
        for stanza in self.unacked:
            if stanza.tag == MESSAGE and (value := _counted_id(stanza, by)) is not None:
                found.append(value)
        return found

    def _send_nonza(self, name: str, attrs: dict[str, str]) -> None:
        if not self.session.is_detached:
            self.session.sink.send(ET.Element(f"{{{NS}}}{name}", attrs))

    async def _reap(self) -> None:
        if not self.session.is_detached:
            return  # resumed after the timer fired, before this task ran
        log.info("xmpp session not resumed in time jid=%s", self.session.jid)
        await self.session.end()

    async def _overflow(self) -> None:
        if len(self.unacked) <= self.session.limits.unacked_max or self.session.ended:
            return  # acknowledged meanwhile (a resumption's <resume h=…/>), or over already
        log.warning("xmpp client does not acknowledge stanzas; ending jid=%s", self.session.jid)
        if self.session.is_detached:
            await self.session.end()
        else:
            await self.session.end_stream("policy-violation", "Too many unacknowledged stanzas.")

    def _spawn(self, work: Callable[[], Coroutine[object, object, None]]) -> None:
        self.in_background(work())

    def in_background(self, work: Coroutine[object, object, None]) -> None:
        """Run `work` in a task of its own, kept until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _counted_id(stanza: ET.Element, by: str) -> int | None:
    """The id a message stanza moved the delivery mark to: its archive id (<stanza-id by='the
    user'/>), or a change's or an invitation's event id (its `id`); None for anything else
    (invitations passed on from another client carry no `id`)."""
    stanza_id = stanza.find(STANZA_ID)
    if stanza_id is not None and stanza_id.get("by") == by:
        value = stanza_id.get("id", "")
    elif any(stanza.find(change) is not None for change in CHANGES):
        value = stanza.get("id", "")
    else:
        return None
    return int(value) if value.isdigit() else None


@ext.stream_feature
def offer(server: XmppServer) -> ET.Element:
    return ET.Element(f"{{{NS}}}sm")


@ext.nonza(NS, "enable")
async def on_enable(session: XmppSession, enable: ET.Element) -> None:
    if session.layer(StreamManagement) is not None:
        session.sink.send(_failed("unexpected-request"))
        return
    wanted = enable.get("resume") in ("true", "1")
    seconds = min(_number(enable.get("max")) or session.limits.resume_seconds, session.limits.resume_seconds)
    layer = StreamManagement(session, resume_seconds=seconds if wanted else 0)
    enabled = ET.Element(f"{{{NS}}}enabled")
    if layer.id is not None:
        session.server.state(Resumable).sessions[layer.id] = session
        enabled.attrib.update(id=layer.id, resume="true", max=str(int(seconds)))
    session.sink.send(enabled)
    session.add_layer(layer)


@ext.nonza(NS, "r")
async def on_request(session: XmppSession, _request: ET.Element) -> None:
    layer = session.layer(StreamManagement)
    if layer is not None:  # handling is sequential: every stanza read before <r/> is handled
        session.sink.send(ET.Element(f"{{{NS}}}a", {"h": str(layer.handled_count)}))


@ext.nonza(NS, "a")
async def on_ack(session: XmppSession, ack: ET.Element) -> None:
    layer = session.layer(StreamManagement)
    h = _number(ack.get("h"))
    if layer is not None and (h is None or not layer.acknowledge(h)):
        raise StreamError("undefined-condition", "The acknowledged count is higher than the stanzas sent.")


@ext.nonza(NS, "resume")
async def on_late_resume(session: XmppSession, _resume: ET.Element) -> None:
    session.sink.send(_failed("unexpected-request"))


@ext.before_bind(NS, "enable")
async def on_early_enable(stream: UnboundStream, _enable: ET.Element) -> XmppSession | None:
    stream.send(_failed("unexpected-request"))  # enable comes after binding
    return None


@ext.before_bind(NS, "resume")
async def on_resume(stream: UnboundStream, resume: ET.Element) -> XmppSession | None:
    session = stream.server.state(Resumable).sessions.get(resume.get("previd", ""))
    h = _number(resume.get("h"))
    layer = session.layer(StreamManagement) if session is not None else None
    if session is None or layer is None or stream.user is None or session.user_id != stream.user.id:
        stream.send(_failed("item-not-found"))  # someone else's id looks like an expired one
        return None
    async with session.lock:  # a stanza still being handled on the old connection counts first
        if session.ending or session.ended:  # the server is ending it (or ended it meanwhile)
            stream.send(_failed("item-not-found"))
            return None
        if h is None or not layer.acknowledge(h):
            stream.send(_failed("undefined-condition", h=layer.handled_count))
            return None
        previous = session.attach(stream)
        layer.resumed()
        stream.send(ET.Element(f"{{{NS}}}resumed", {"h": str(layer.handled_count), "previd": layer.id or ""}))
        for stanza in list(layer.unacked):
            stream.send(stanza)
    log.info("xmpp session resumed jid=%s", session.jid)
    if not isinstance(previous, Detached):  # the old connection has not noticed it is gone
        # In the background: a half-dead socket (why clients resume) takes seconds to close,
        # and the new stream must not wait for it, nor lose the session if its own time runs out.
        layer.in_background(previous.close_stream("conflict", "The session was resumed on another connection."))
    return session


def _failed(condition: str, *, h: int | None = None) -> ET.Element:
    failed = ET.Element(f"{{{NS}}}failed", {} if h is None else {"h": str(h)})
    ET.SubElement(failed, f"{{{STANZAS_NS}}}{condition}")
    return failed


def _number(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if number < MODULO else None
