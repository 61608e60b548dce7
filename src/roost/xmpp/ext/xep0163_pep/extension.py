"""XEP-0163: Personal Eventing Protocol, with the XEP-0060 subset OMEMO, bookmarks and avatars use.

Every account is a PEP service at its bare JID. The owner publishes (item ids, publish-options
preconditions), retracts, creates, configures and deletes nodes; anyone who may read a node
(its access model: open, presence, whitelist) gets its items. Notifications go to the
sessions whose client features (XEP-0115) have `<node>+notify`, and a client that newly
asks for a node gets the newest item of each of its colleagues' (and its own) such nodes.
The rules are the core's (`core/pep`); this module parses and renders XEP-0060.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.model.errors import Conflict, NotFound
from roost.model.jid import Jid
from roost.model.pep import Access, NodeConfig, NodeOptions
from roost.model.users import User
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.ext.xep0153_avatars import nodes as avatar_nodes
from roost.xmpp.ext.xep0163_pep import forms
from roost.xmpp.ext.xep0163_pep.forms import PUBSUB, OptionError, pubsub_error
from roost.xmpp.ext.xep0163_pep.notify import item_element, last_avatars, last_item, notified_nodes
from roost.xmpp.xml import serialize

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

OWNER = f"{PUBSUB}#owner"
SUPPORTED = [
    "access-open",
    "access-presence",
    "access-whitelist",
    "auto-create",
    "auto-subscribe",
    "config-node",
    "create-nodes",
    "delete-items",
    "delete-nodes",
    "filtered-notifications",
    "item-ids",
    "last-published",
    "persistent-items",
    "presence-notifications",
    "publish",
    "publish-options",
    "retract-items",
    "retrieve-default",
    "retrieve-items",
]
ext = Extension(
    name="pep",
    xep=163,
    version="1.2.2",
    title="Personal Eventing Protocol",
    features=[PUBSUB, *(f"{PUBSUB}#{feature}" for feature in SUPPORTED)],
    account_identities=[("pubsub", "pep")],
)


@ext.iq_set(PUBSUB, "pubsub", for_accounts=True)
async def on_set(request: IqRequest) -> None:
    if await _owner(request) != request.user.id:
        raise StanzaError("auth", "forbidden", "Only the owner publishes on a personal node.")
    verb = _verb(request.payload, ("publish", "retract", "create"))
    if verb.tag.endswith("}publish"):
        await _publish(request, verb)
    elif verb.tag.endswith("}retract"):
        await _retract(request, verb)
    else:
        await _create(request, verb)


@ext.iq_get(PUBSUB, "pubsub", for_accounts=True)
async def on_get(request: IqRequest) -> None:
    owner_id = await _owner(request)
    verb = _verb(request.payload, ("items",))
    node = _node(verb)
    ids = tuple(each.get("id", "") for each in verb.findall(f"{{{PUBSUB}}}item"))
    answer = ET.Element(f"{{{PUBSUB}}}pubsub")
    found = ET.SubElement(answer, f"{{{PUBSUB}}}items", {"node": node})
    if avatar_nodes.is_avatar_node(request.stream, node):  # XEP-0084: the core avatar
        for item_id, payload in await avatar_nodes.items(request, owner_id, node, ids):
            ET.SubElement(found, f"{{{PUBSUB}}}item", {"id": item_id}).append(payload)
        request.result(answer)
        return
    limit = verb.get("max_items", "")
    items = await request.services.pep.items(
        request.user.id, owner_id, node, ids=ids, limit=int(limit) if limit.isdigit() and int(limit) > 0 else None
    )
    found.extend(item_element(f"{{{PUBSUB}}}item", item, request.stream) for item in items)
    request.result(answer)


@ext.iq_get(OWNER, "pubsub")
async def on_owner_get(request: IqRequest) -> None:
    _check_own(request)
    verb = _verb(request.payload, ("configure", "default"), namespace=OWNER)
    if verb.tag.endswith("}default"):
        config = NodeConfig()
    elif avatar_nodes.is_avatar_node(request.stream, _node(verb)):
        config = NodeConfig(access=Access.OPEN)  # the core avatar: everyone in the organisation sees it
    else:
        config = (await request.services.pep.own_node(request.user.id, _node(verb))).config
    answer = ET.Element(f"{{{OWNER}}}pubsub")
    answer.append(ET.Element(verb.tag, {"node": verb.get("node", "")} if verb.get("node") else {}))
    answer[0].append(forms.config_form(config))
    request.result(answer)


@ext.iq_set(OWNER, "pubsub")
async def on_owner_set(request: IqRequest) -> None:
    _check_own(request)
    verb = _verb(request.payload, ("configure", "delete"), namespace=OWNER)
    node = _node(verb)
    if avatar_nodes.is_avatar_node(request.stream, node):
        if verb.tag.endswith("}delete") and node == avatar_nodes.METADATA:
            await avatar_nodes.remove(request)
    elif verb.tag.endswith("}delete"):
        await request.services.pep.delete(request.user.id, node)
    else:
        form = verb.find(f"{{{forms.DATA}}}x")
        if form is None or form.get("type") != "cancel":
            await request.services.pep.configure(request.user.id, node, _options(request, form, configuring=True))
    request.result()


async def _publish(request: IqRequest, verb: ET.Element) -> None:
    node = _node(verb)
    items = verb.findall(f"{{{PUBSUB}}}item")
    if len(items) > 1:
        raise pubsub_error("modify", "bad-request", "invalid-payload", "Publish one item at a time.")
    item = items[0] if items else None
    if item is None or len(item) != 1:
        raise pubsub_error(
            "modify", "bad-request", "payload-required" if item is None or not len(item) else "invalid-payload"
        )
    if avatar_nodes.is_avatar_node(request.stream, node):  # XEP-0084: publish-options do not apply
        item_id = await avatar_nodes.publish(request, node, item.get("id") or None, item[0])
    else:
        item_id = await _publish_item(request, node, item)
    answer = ET.Element(f"{{{PUBSUB}}}pubsub")
    done = ET.SubElement(answer, f"{{{PUBSUB}}}publish", {"node": node})
    ET.SubElement(done, f"{{{PUBSUB}}}item", {"id": item_id})
    request.result(answer)


async def _publish_item(request: IqRequest, node: str, item: ET.Element) -> str:
    wanted = request.payload.find(f"{{{PUBSUB}}}publish-options/{{{forms.DATA}}}x")
    options = _options(request, wanted, configuring=False) if wanted is not None else None
    try:
        published = await request.services.pep.publish(
            request.user.id, node, item.get("id") or None, serialize(item[0]).decode(), options
        )
    except Conflict as error:
        if error.code != "pep.precondition":
            raise
        raise pubsub_error("cancel", "conflict", "precondition-not-met", error.message) from None
    return published.item_id


async def _retract(request: IqRequest, verb: ET.Element) -> None:
    item = verb.find(f"{{{PUBSUB}}}item")
    if item is None or not item.get("id"):
        raise pubsub_error("modify", "bad-request", "item-required")
    node = _node(verb)
    if avatar_nodes.is_avatar_node(request.stream, node):
        if node == avatar_nodes.METADATA:
            await avatar_nodes.remove(request)
        request.result()
        return
    notify = verb.get("notify")
    flag = None if notify is None else notify in forms.TRUE
    await request.services.pep.retract(request.user.id, node, item.get("id", ""), notify=flag)
    request.result()


async def _create(request: IqRequest, verb: ET.Element) -> None:
    if not verb.get("node"):
        raise pubsub_error("modify", "not-acceptable", "nodeid-required", "Instant nodes are not supported.")
    form = request.payload.find(f"{{{PUBSUB}}}configure/{{{forms.DATA}}}x")
    await request.services.pep.create(request.user.id, _node(verb), _options(request, form, configuring=True))
    request.result()


def _options(request: IqRequest, form: ET.Element | None, *, configuring: bool) -> NodeOptions:
    try:
        return forms.options(form, request.services.pep.limits.max_items)
    except OptionError as error:
        if configuring:
            raise StanzaError("modify", "not-acceptable", f"Unsupported setting: {error}") from None
        raise pubsub_error("cancel", "conflict", "precondition-not-met", f"Unsupported option: {error}") from None


def _verb(payload: ET.Element, names: tuple[str, ...], namespace: str = PUBSUB) -> ET.Element:
    """The pubsub element's action child; feature-not-implemented for the actions not supported here."""
    for child in payload:
        name = child.tag.split("}")[-1]
        if child.tag.startswith(f"{{{namespace}}}") and name in names:
            return child
    first = payload[0].tag.split("}")[-1] if len(payload) else "none"
    raise pubsub_error("cancel", "feature-not-implemented", "unsupported", feature=first)


def _node(verb: ET.Element) -> str:
    node = verb.get("node")
    if not node:
        raise pubsub_error("modify", "bad-request", "nodeid-required")
    return node


def _check_own(request: IqRequest) -> None:
    to = request.iq.get("to")
    if to is not None and to != str(request.stream.jid.bare):
        raise StanzaError("auth", "forbidden", "Only the owner configures a personal node.")


async def _owner(request: IqRequest) -> int:
    """The account whose PEP service the iq is addressed to (the user's own without `to`)."""
    to = request.iq.get("to")
    jid = Jid.parse(to) if to else request.stream.jid.bare
    if jid.local == request.user.username:
        return request.user.id
    try:
        user: User = await request.services.accounts.by_username(jid.local or "")
    except NotFound:
        raise StanzaError("cancel", "item-not-found") from None
    if user.is_disabled:
        raise StanzaError("cancel", "item-not-found")
    return user.id


@ext.on_client_features
async def on_features(session: XmppSession, previous: frozenset[str]) -> None:
    """A client newly asks for nodes: the newest item of everyone's such nodes (XEP-0163 §6.2)."""
    wanted = notified_nodes(session.client_features) - notified_nodes(previous)
    if not wanted or not session.available:
        return
    if session.registry.installed("avatars"):
        if avatar_nodes.METADATA in wanted:
            for element in await last_avatars(session):
                session.send(element)
        wanted -= avatar_nodes.NODES
    for item in await session.services.pep.last_items(session.user_id, wanted):
        session.send(await last_item(session, item))
