"""XEP-0115: Entity Capabilities. What each client supports, learnt from the `<c/>` in its presence.

A client's presence names a hash (`ver`) of its disco#info. The server asks the client
for `node#ver` once per hash, checks the answer against the hash and keeps it for every
client that names the same hash (an answer that does not match is used for that client
only). A session's features (`client_features`) say which PEP nodes it wants to be
notified of (`<node>+notify`, XEP-0163). The server's own caps are offered in the stream
features.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roost.xmpp.ext import Extension
from roost.xmpp.ext.xep0030_disco import CAPS_NODE, INFO, server_info

if TYPE_CHECKING:
    from roost.xmpp.context import XmppServer
    from roost.xmpp.session import XmppSession

log = logging.getLogger(__name__)
NS = "http://jabber.org/protocol/caps"
DATA = "jabber:x:data"
HASHES = {"sha-1": "sha1", "sha-224": "sha224", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}
CACHED_MAX = 1000
FEATURES_MAX = 1000
ext = Extension(name="caps", xep=115, version="1.6.0", title="Entity Capabilities", features=[NS])


@dataclass
class Caps:
    """Known hashes and their features; the server's own `ver`; queries under way."""

    known: OrderedDict[str, frozenset[str]] = field(default_factory=OrderedDict)
    own: str | None = None
    asking: set[asyncio.Task[None]] = field(default_factory=set)

    def remember(self, ver: str, features: frozenset[str]) -> None:
        self.known[ver] = features
        while len(self.known) > CACHED_MAX:
            self.known.popitem(last=False)


def verification_string(query: ET.Element) -> str:
    """XEP-0115 §5.1: identities, features and extended forms, sorted, each ended by '<'."""
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    identities = sorted(
        "/".join((i.get("category", ""), i.get("type", ""), i.get(lang, ""), i.get("name", "")))
        for i in query.findall(f"{{{INFO}}}identity")
    )
    features = sorted(f.get("var", "") for f in query.findall(f"{{{INFO}}}feature"))
    text = "".join(f"{part}<" for part in (*identities, *features))
    forms = sorted((_form_type(form), form) for form in query.findall(f"{{{DATA}}}x"))
    for form_type, form in forms:
        text += f"{form_type}<"
        for var, values in sorted(_fields(form)):
            text += f"{var}<" + "".join(f"{value}<" for value in sorted(values))
    return text


def _form_type(form: ET.Element) -> str:
    for var, values in _fields(form, keep_form_type=True):
        if var == "FORM_TYPE":
            return values[0] if values else ""
    return ""


def _fields(form: ET.Element, *, keep_form_type: bool = False) -> list[tuple[str, list[str]]]:
    found = []
    for each in form.findall(f"{{{DATA}}}field"):
        var = each.get("var", "")
        if var != "FORM_TYPE" or keep_form_type:
            found.append((var, [value.text or "" for value in each.findall(f"{{{DATA}}}value")]))
    return found


def ver_of(query: ET.Element, algorithm: str) -> str:
    digest = hashlib.new(HASHES[algorithm], verification_string(query).encode()).digest()
    return base64.b64encode(digest).decode()


@ext.stream_feature
def offer(server: XmppServer) -> ET.Element:
    caps = server.state(Caps)
    if caps.own is None:
        caps.own = ver_of(server_info(server.registry), "sha-1")
    return ET.Element(f"{{{NS}}}c", {"hash": "sha-1", "node": CAPS_NODE, "ver": caps.own})


@ext.on_presence
async def on_presence(session: XmppSession, presence: ET.Element) -> None:
    c = presence.find(f"{{{NS}}}c")
    if c is None or not c.get("ver") or not c.get("node"):
        return
    ver, algorithm = c.get("ver", ""), c.get("hash", "")
    caps = session.server.state(Caps)
    if algorithm in HASHES and ver in caps.known:
        await changed(session, caps.known[ver])
        return
    task = asyncio.create_task(_ask(session, f"{c.get('node')}#{ver}", ver, algorithm), name=f"caps-{session.id}")
    caps.asking.add(task)
    task.add_done_callback(caps.asking.discard)


async def _ask(session: XmppSession, node: str, ver: str, algorithm: str) -> None:
    """Ask the client for its disco#info; a hash it matches is kept for everyone."""
    iq = ET.Element("{jabber:client}iq", {"type": "get"})
    ET.SubElement(iq, f"{{{INFO}}}query", {"node": node})
    try:
        answer = await session.query(iq)
    except TimeoutError:
        log.info("no disco#info answer for caps jid=%s", session.jid)
        return
    query = answer.find(f"{{{INFO}}}query")
    if answer.get("type") != "result" or query is None or session.ended:
        return
    features = frozenset(f.get("var", "") for f in query.findall(f"{{{INFO}}}feature")[:FEATURES_MAX])
    if algorithm in HASHES and ver_of(query, algorithm) == ver:
        session.server.state(Caps).remember(ver, features)
    else:
        log.info("caps hash mismatch jid=%s", session.jid)
    try:
        await changed(session, features)
    except Exception:  # a task of its own: nobody else would see the failure
        log.exception("client features hooks failed jid=%s", session.jid)


async def changed(session: XmppSession, features: frozenset[str]) -> None:
    """The session's client features are now `features`: tell the extensions that care."""
    previous = session.client_features
    if features == previous:
        return
    session.client_features = features
    for hook in session.registry.client_features_hooks:
        await hook(session, previous)
