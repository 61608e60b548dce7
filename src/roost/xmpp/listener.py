"""The XMPP listeners: STARTTLS on the client port (5222) and direct TLS (XEP-0368, 5223).

Each connection is its own task; a failure ends only that connection. Unauthenticated
connections are capped per address, and the TLS handshake of direct TLS has the same
time limit as the rest of the negotiation.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass, field

from roost.xmpp.context import XmppServer
from roost.xmpp.stream.connection import Connection, new_parser
from roost.xmpp.stream.transport import TcpTransport

log = logging.getLogger(__name__)


@dataclass
class Listeners:
    """The running XMPP servers of this process."""

    server: XmppServer
    allow_plain: bool = False  # plain (non-TLS) streams may authenticate: loopback benchmarks only
    servers: list[asyncio.Server] = field(default_factory=list)
    connections: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self, host: str, port: int, tls_port: int) -> list[int]:
        """Listen on the STARTTLS port and the direct-TLS port (0 skips one); returns the bound ports."""
        loop = asyncio.get_running_loop()
        bound: list[int] = []
        if port:
            self.servers.append(await loop.create_server(lambda: self._transport(secure=False), host, port))
            bound.append(self.servers[-1].sockets[0].getsockname()[1])
        if tls_port and self.server.tls is not None:
            handshake = self.server.limits.negotiation_seconds
            tls_server = await loop.create_server(
                lambda: self._transport(secure=True),
                host,
                tls_port,
                ssl=self.server.tls,
                ssl_handshake_timeout=handshake,
            )
            self.servers.append(tls_server)
            bound.append(tls_server.sockets[0].getsockname()[1])
        for listening in self.servers:
            log.info("xmpp listening on %s", ", ".join(str(s.getsockname()) for s in listening.sockets))
        return bound

    def _transport(self, *, secure: bool) -> TcpTransport:
        """A new connection's transport; its task starts once the connection is up."""
        plain_allowed = self.allow_plain and not secure
        return TcpTransport(
            new_parser(self.server),
            secure=secure,
            write_buffer_max=self.server.limits.write_buffer_max,
            on_ready=lambda transport: self._run(Connection(transport, self.server, plain_allowed=plain_allowed)),
        )

    def _run(self, connection: Connection) -> None:
        task = asyncio.get_running_loop().create_task(serve_connection(connection))
        self.connections.add(task)
        task.add_done_callback(self.connections.discard)

    async def stop(self) -> None:
        for listening in self.servers:
            listening.close()
        for listening in self.servers:
            await listening.wait_closed()
        self.servers.clear()


async def serve_connection(connection: Connection) -> None:
    """Run one connection (TCP or WebSocket) under the per-address cap; a failure ends only it."""
    if not connection.count_unauthenticated():
        await connection.close_stream("policy-violation", "Too many connections from your address.")
        return
    try:
        await connection.run()
    except ssl.SSLError:
        pass
    except Exception:
        log.exception("xmpp connection failed")
