"""XEP-0156: how web clients find XMPP over WebSocket: /.well-known/host-meta and host-meta.json.

Both name `urn:xmpp:alt-connections:websocket` at `http.public_url` + /xmpp-websocket (wss
for https). They are public (clients read them before logging in), so any origin may read
them, as XEP-0156 asks.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from roost.xmpp.xml import escape_attr

REL = "urn:xmpp:alt-connections:websocket"
CORS = {"access-control-allow-origin": "*"}


def websocket_url(public_http_url: str, path: str) -> str:
    """The WebSocket address of `path` on the HTTP listener as clients reach it."""
    scheme, _, rest = public_http_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{path}"


class HostMeta:
    """The two documents, for one WebSocket address."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def xrd(self, _request: Request) -> Response:
        body = (
            "<?xml version='1.0' encoding='utf-8'?>"
            "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>"
            f"<Link rel='{REL}' href='{escape_attr(self.url)}'/></XRD>"
        )
        return Response(body, media_type="application/xrd+xml", headers=CORS)

    async def json(self, _request: Request) -> Response:
        return JSONResponse({"links": [{"rel": REL, "href": self.url}]}, headers=CORS)
