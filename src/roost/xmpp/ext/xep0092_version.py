"""XEP-0092: Software Version. The server's name and version (the OS is not disclosed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost import __version__
from roost.xmpp.ext import Extension, IqRequest

NS = "jabber:iq:version"
ext = Extension(name="version", xep=92, version="1.1", title="Software Version", features=[NS])


@ext.iq_get(NS, "query")
async def on_version(request: IqRequest) -> None:
    query = ET.Element(f"{{{NS}}}query")
    ET.SubElement(query, f"{{{NS}}}name").text = "Roost"
    ET.SubElement(query, f"{{{NS}}}version").text = __version__
    request.result(query)
