"""XEP-0199: XMPP Ping. Answers pings addressed to the server or to the user's account."""

from __future__ import annotations

from roost.xmpp.ext import Extension, IqRequest

NS = "urn:xmpp:ping"
ext = Extension(name="ping", xep=199, version="2.0.1", title="XMPP Ping", features=[NS])


@ext.iq_get(NS, "ping")
async def on_ping(request: IqRequest) -> None:
    request.result()
