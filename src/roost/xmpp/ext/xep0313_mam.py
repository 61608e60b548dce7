"""XEP-0313: Message Archive Management (urn:xmpp:mam:2) over the user's own archive.

Queries to the user's own bare JID read their direct conversations (the same history as
the web client), through the core's `ArchiveQueryService`. Filters: `with`, `start`, `end`,
and `before-id` / `after-id` (#extended); paging is XEP-0059 RSM (`max`, `after`,
`before`, empty `before` for the newest page; `first`, `last`, `count` in the answer).
Result ids are the core message ids, the same as the XEP-0359 stanza-ids live messages carry.
Edits, deletions and reaction changes are entries of their own at their event ids (a
correction, retraction or reaction set as the client sent it, with the change's time), so a
client that was away while another of the person's clients was on, and catches up from its
last entry, gets what changed since (as Prosody and ejabberd archive them); a `with` query too.
A room's archive is queried at the room's JID (`xep0045_muc/archive.py`, with these helpers).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

from roost.core.archive.catchup import MessageChange
from roost.core.archive.query import Paging
from roost.core.events import MessageDeleted, ReactionsChanged
from roost.model.archive import ArchiveFilter, ArchivePage
from roost.model.errors import BadRequest, NotFound
from roost.model.ids import id_time_ms
from roost.model.jid import Jid
from roost.model.messages import Message
from roost.xmpp.changes import change as changed_stanza
from roost.xmpp.changes import reference
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.ext.xep0444_reactions import ext as reactions_ext
from roost.xmpp.ext.xep0444_reactions import reactions_element
from roost.xmpp.render import CLIENT, chat_stanza, delay, jid_of, other_jid, peer_jid
from roost.xmpp.session import XmppSession

NS = "urn:xmpp:mam:2"
EXTENDED = "urn:xmpp:mam:2#extended"
RSM = "http://jabber.org/protocol/rsm"
XDATA = "jabber:x:data"
FORWARD = "urn:xmpp:forward:0"
DEFAULT_MAX = 50
SID = "urn:xmpp:sid:0"  # XEP-0359: the archive's ids, which every stored message carries as its <stanza-id/>
FIELDS = ("with", "start", "end", "before-id", "after-id")
ext = Extension(
    name="mam", xep=313, version="1.1.1", title="Message Archive Management", features=[NS, EXTENDED, RSM, SID]
)


@dataclass
class Query:
    match: ArchiveFilter = field(default_factory=ArchiveFilter)
    with_user: int | None = None
    nobody: bool = False  # `with` names no one here: the answer is empty
    with_jid: Jid | None = None  # a room's archive: `with` as given, for the room to resolve


@ext.iq_get(NS, "query")
async def on_form(request: IqRequest) -> None:
    """The search form (XEP-0313 §4.1.1)."""
    _check_archive(request)
    query = ET.Element(f"{{{NS}}}query")
    form = ET.SubElement(query, f"{{{XDATA}}}x", {"type": "form"})
    form_type = ET.SubElement(form, f"{{{XDATA}}}field", {"var": "FORM_TYPE", "type": "hidden"})
    ET.SubElement(form_type, f"{{{XDATA}}}value").text = NS
    kinds = {"with": "jid-single"}
    for var in FIELDS:
        ET.SubElement(form, f"{{{XDATA}}}field", {"var": var, "type": kinds.get(var, "text-single")})
    request.result(query)


@ext.iq_set(NS, "query")
async def on_query(request: IqRequest) -> None:
    _check_archive(request)
    query = await parse_form(request)
    max_items, after, before, newest = parse_rsm(request.payload.find(f"{{{RSM}}}set"))
    page_max = request.services.archive_queries.page_max
    if query.nobody:
        page = ArchivePage((), complete=True, count=0)
    else:
        paging_limit = max(1, min(max_items, page_max))
        page = await _read(request, query, (after, before, newest, paging_limit))
    entries = await in_order(request, page) if max_items > 0 else []
    for entry in entries:
        if isinstance(entry, Message):
            request.stream.send(await _result(request, entry))
        elif (changed := await _change_result(request, entry)) is not None:
            request.stream.send(changed)
    request.result(fin(page, page_ids(page)))


async def in_order(request: IqRequest, page: ArchivePage) -> list[Message | MessageChange]:
    """The page's messages and changes (edits, deletions, reactions), by id: a client that catches
    up after an entry gets what changed since, as Prosody and ejabberd archive it."""
    changes = await request.services.archive_queries.changes_of(page) if page.changes else []
    return sorted([*page.messages, *changes], key=entry_id)


def entry_id(entry: Message | MessageChange) -> int:
    """An entry's archive id: a message's own, a change's event id."""
    return entry.id if isinstance(entry, Message) else entry.event_id


def page_ids(page: ArchivePage) -> list[int]:
    """The ids of the page's entries, in order, shown or not: the paging goes on from them."""
    return sorted([m.id for m in page.messages] + [e.id for e in page.changes])


def _check_archive(request: IqRequest) -> None:
    """Only the user's own archive (their bare JID, or no `to`); rooms' are at their JIDs (XEP-0045 archive)."""
    to = request.iq.get("to")
    if to is not None and to != str(request.stream.jid.bare):
        raise StanzaError("cancel", "service-unavailable", "Query your own archive (your bare JID).")


async def _read(request: IqRequest, query: Query, paging: tuple[int | None, int | None, bool, int]) -> ArchivePage:
    after, before, newest, limit = paging
    try:
        return await request.services.archive_queries.direct(
            request.user, query.match, Paging(after, before, newest, limit), with_user=query.with_user, changes=True
        )
    except NotFound:
        raise StanzaError("cancel", "item-not-found", "No such message in your archive.") from None


async def parse_form(request: IqRequest, *, people: bool = True) -> Query:
    """The query's data form; `people`: `with` names a person (else, in a room's archive, an
    occupant JID or a person's JID that the room resolves: `with_jid`)."""
    form = request.payload.find(f"{{{XDATA}}}x")
    values: dict[str, str] = {}
    if form is not None:
        for item in form.findall(f"{{{XDATA}}}field"):
            values[item.get("var", "")] = (item.findtext(f"{{{XDATA}}}value") or "").strip()
    if values.pop("FORM_TYPE", NS) != NS:
        raise StanzaError("modify", "bad-request", "The form type is not urn:xmpp:mam:2.")
    unknown = [var for var in values if var not in FIELDS]
    if unknown:
        raise StanzaError("modify", "bad-request", f"Unknown field: {unknown[0][:64]}.")
    query = Query()
    query.match = ArchiveFilter(
        start=_time(values.get("start")),
        end=_time(values.get("end")),
        after_id=_message_id(values.get("after-id")),
        before_id=_message_id(values.get("before-id")),
    )
    if values.get("with"):
        if people:
            await _with(request, query, values["with"])
        else:
            query.with_jid = _with_jid(values["with"])
    return query


def _with_jid(value: str) -> Jid:
    try:
        return Jid.parse(value)
    except BadRequest:
        raise StanzaError("modify", "jid-malformed", "The `with` field is not a JID.") from None


async def _with(request: IqRequest, query: Query, value: str) -> None:
    jid = _with_jid(value)
    if jid.domain != request.stream.domain or not jid.local:
        query.nobody = True
        return
    try:
        query.with_user = (await request.services.accounts.lookup(jid.local)).id
    except NotFound:
        query.nobody = True


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise StanzaError("modify", "bad-request", "Times are XEP-0082 date-times.") from None
    if moment.tzinfo is None:
        raise StanzaError("modify", "bad-request", "A time needs a time zone (Z).")
    return moment


def _message_id(value: str | None) -> int | None:
    """Archive ids are core message ids; anything else names no message here."""
    if not value:
        return None
    if not value.isdigit() or len(value) > 19:
        raise StanzaError("cancel", "item-not-found", "No such message in your archive.")
    return int(value)


def parse_rsm(rsm: ET.Element | None) -> tuple[int, int | None, int | None, bool]:
    """(max, after, before, newest) from an XEP-0059 <set/>."""
    if rsm is None:
        return DEFAULT_MAX, None, None, False
    if rsm.find(f"{{{RSM}}}index") is not None:
        raise StanzaError("cancel", "feature-not-implemented", "Paging by index is not supported.")
    text = rsm.findtext(f"{{{RSM}}}max")
    if text is not None and not text.strip().isdigit():
        raise StanzaError("modify", "bad-request", "<max/> is a non-negative integer.")
    max_items = int(text) if text is not None and len(text.strip()) < 10 else DEFAULT_MAX
    after = rsm.findtext(f"{{{RSM}}}after")
    before = rsm.find(f"{{{RSM}}}before")
    if after is not None and before is not None:
        raise StanzaError("modify", "bad-request", "Give <after/> or <before/>, not both.")
    if before is not None and not (before.text or "").strip():
        return max_items, None, None, True
    before_id = _message_id((before.text or "").strip()) if before is not None else None
    return max_items, _message_id(after.strip() if after is not None else None), before_id, False


async def _result(request: IqRequest, message: Message) -> ET.Element:
    stream = request.stream
    session = _session(request)
    to = await peer_jid(session, message) if message.sender_id == stream.user.id else str(stream.jid.bare)
    return wrapped(request, message.id, message.created_at, await chat_stanza(session, message, None, to=to))


async def _change_result(request: IqRequest, change: MessageChange) -> ET.Element | None:
    """An edit, deletion or reaction change as an archive entry: the correction (XEP-0308),
    retraction (XEP-0424) or reaction set (XEP-0444) its client sent, at the change's time.
    None when there is nothing to show: an edit of, or a reaction to, a message deleted since
    (its deletion is an entry too), or a reaction where XEP-0444 is not installed."""
    session = _session(request)
    message = change.message
    if message.is_deleted and not isinstance(change, MessageDeleted):
        return None
    if isinstance(change, ReactionsChanged) and not session.registry.has(reactions_ext.name):
        return None
    actor = change.user_id if isinstance(change, ReactionsChanged) else message.sender_id
    actor = message.sender_id if actor is None else actor
    bare = session.bare_text
    to = await other_jid(session, message.conversation_id, actor) if actor == session.user_id else bare
    inner = ET.Element(f"{{{CLIENT}}}message", {"type": "chat", "from": await jid_of(session, actor), "to": to})
    inner.set("id", str(change.event_id))
    if isinstance(change, ReactionsChanged):
        inner.append(reactions_element(message, actor, reference(message)))
    else:
        changed_stanza(session, inner, change, retracted_id=reference(message))
    return wrapped(request, change.event_id, id_moment(change.event_id), inner)


def wrapped(request: IqRequest, entry: int, moment: datetime, inner: ET.Element) -> ET.Element:
    """An archive entry (XEP-0313 <result/>): `inner` forwarded (XEP-0297) with its time."""
    stream = request.stream
    wrapper = ET.Element(f"{{{CLIENT}}}message", {"from": str(stream.jid.bare), "to": str(stream.jid)})
    attributes = {"id": str(entry)}
    if request.payload.get("queryid"):
        attributes["queryid"] = request.payload.get("queryid", "")[:256]
    result = ET.SubElement(wrapper, f"{{{NS}}}result", attributes)
    forwarded = ET.SubElement(result, f"{{{FORWARD}}}forwarded")
    delay(forwarded, moment, stream.domain)
    forwarded.append(inner)
    return wrapper


def id_moment(event_id: int) -> datetime:
    """When an id was made (a change's time: the log keeps no other)."""
    return datetime.fromtimestamp(id_time_ms(event_id) / 1000, UTC)


def _session(request: IqRequest) -> XmppSession:
    stream = request.stream
    assert isinstance(stream, XmppSession)  # every stream is one; the protocol keeps handlers narrow
    return stream


def fin(page: ArchivePage, shown: list[int]) -> ET.Element:
    """The end of the answer: complete or not, and the ids of the first and last entries shown."""
    fin = ET.Element(f"{{{NS}}}fin")
    if page.complete:
        fin.set("complete", "true")
    rsm = ET.SubElement(fin, f"{{{RSM}}}set")
    if shown:
        ET.SubElement(rsm, f"{{{RSM}}}first").text = str(shown[0])
        ET.SubElement(rsm, f"{{{RSM}}}last").text = str(shown[-1])
    ET.SubElement(rsm, f"{{{RSM}}}count").text = str(page.count)
    return fin
