"""XEP-0357: Push Notifications. Registrations are stored (`core/push`); no notification is sent yet.

`<enable jid=… node=…/>` (with an optional `publish-options` data form, kept as given)
registers an app server for the client that sent it; enabling the same service and node
again replaces it. `<disable jid=…/>` removes that service's registrations, or one node's
with `node=…`. Errors: `bad-request` (no jid or node, an unusable form), `jid-malformed`,
`resource-constraint` past `xmpp.push_registrations_max` (20) per person.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.model.errors import BadRequest
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest

NS = "urn:xmpp:push:0"
DATA = "jabber:x:data"
ext = Extension(name="push", xep=357, version="0.4.1", title="Push Notifications", features=[NS])


@ext.iq_set(NS, "enable")
async def on_enable(request: IqRequest) -> None:
    service, node = _service(request.payload), request.payload.get("node", "")
    if not node:
        raise StanzaError("modify", "bad-request", "Name the push node.")
    options = _publish_options(request.payload.find(f"{{{DATA}}}x"))
    resource = request.stream.jid.resource
    await request.services.push.enable(request.user, service, node, resource=resource, options=options)
    request.result()


@ext.iq_set(NS, "disable")
async def on_disable(request: IqRequest) -> None:
    await request.services.push.disable(request.user, _service(request.payload), request.payload.get("node") or None)
    request.result()


def _service(payload: ET.Element) -> str:
    text = payload.get("jid", "")
    if not text:
        raise StanzaError("modify", "bad-request", "Name the push service (jid).")
    try:
        return str(Jid.parse(text))
    except BadRequest:
        raise StanzaError("modify", "jid-malformed") from None


def _publish_options(form: ET.Element | None) -> list[tuple[str, str]]:
    """The form's fields other than FORM_TYPE, as (field, value)."""
    if form is None:
        return []
    if form.get("type") not in (None, "submit"):
        raise StanzaError("modify", "bad-request", "The publish options are a submitted data form.")
    options = []
    for field in form.findall(f"{{{DATA}}}field"):
        name = field.get("var", "")
        if name and name != "FORM_TYPE":
            options.append((name, field.findtext(f"{{{DATA}}}value") or ""))
    return options
