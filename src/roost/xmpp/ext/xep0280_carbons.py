"""XEP-0280: Message Carbons. A session that enables carbons gets copies of its user's messages.

- <sent/>: what the user sent from another session, an XMPP client or the web client.
- <received/>: a message addressed to another of the user's resources (full JID).
A message marked <private/> (or XEP-0334 <no-copy/>) is not copied. The copies are rendered
in `xmpp/render.py`, with the events every session gets; this module switches them on and off.
"""

from __future__ import annotations

from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest

NS = "urn:xmpp:carbons:2"
ext = Extension(name="carbons", xep=280, version="1.0.1", title="Message Carbons", features=[NS])


def _check_own(request: IqRequest) -> None:
    """Carbons are switched on the server (or the user's own bare JID), never for someone else."""
    to = request.iq.get("to")
    if to is not None and to not in (request.stream.domain, str(request.stream.jid.bare)):
        raise StanzaError("cancel", "forbidden")


@ext.iq_set(NS, "enable")
async def on_enable(request: IqRequest) -> None:
    _check_own(request)
    request.stream.carbons = True
    request.result()


@ext.iq_set(NS, "disable")
async def on_disable(request: IqRequest) -> None:
    _check_own(request)
    request.stream.carbons = False
    request.result()
