"""Files sent with a message, for XMPP clients: a link each, in the body and as XEP-0066 <x/>.

A file shared on the web is a core attachment; an XMPP client knows only text and links.
Each attachment becomes a capability link under `http.public_url` (`core/files/links.py`:
fetchable without a web session while a message carries the file), added to the body on
lines of their own, and an `<x xmlns='jabber:x:oob'><url/></x>` for it. A message that is
only one file has exactly the link as its body, which Conversations, Dino and Gajim show as
the file itself (an image inline).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from urllib.parse import quote

from roost.model.messages import Message

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

OOB = "jabber:x:oob"


def linked(session: XmppSession, message: Message) -> tuple[str, list[ET.Element]]:
    """The body with the message's files' links after it, and an XEP-0066 <x/> for each
    (no files, as most messages: the body as it is, and nothing looked up)."""
    if not message.attachments:
        return message.body, []
    base = session.limits.http_public_url
    files = session.services.files
    urls = [f"{base}/file/{files.link_token(file)}/{quote(file.name)}" for file in message.attachments]
    oob = []
    for url in urls:
        x = ET.Element(f"{{{OOB}}}x")
        ET.SubElement(x, f"{{{OOB}}}url").text = url
        oob.append(x)
    return "\n".join([message.body, *urls] if message.body else urls), oob
