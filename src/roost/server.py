"""`roost serve`: the HTTP listener (API + WebSocket) on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import sys
from collections.abc import AsyncIterator
from types import FrameType

import uvicorn
from fastapi import FastAPI

from roost.api.app import EventsFirst, create_api
from roost.api.ws_protocol import WEBSOCKET_PROTOCOL
from roost.app import Runtime, build_runtime
from roost.config import Settings
from roost.tls import server_context
from roost.xmpp import websocket
from roost.xmpp.host_meta import HostMeta, websocket_url
from roost.xmpp.listener import Listeners
from roost.xmpp.start import build_listeners, xmpp_host

log = logging.getLogger(__name__)
RETENTION_EVERY_SECONDS = 3600.0
# The cyclic GC's first generation collects after this many new container objects
# (CPython's default is 700). Every message allocates a few hundred, so at thousands of
# messages a second the default runs gen-0 hundreds of times a second and promotes
# whatever is in flight at each run (futures, frames, pending messages) to the older
# generations, whose collections then walk the whole heap.
GC_GEN0_THRESHOLD = 50_000


async def _follow_other_processes(runtime: Runtime) -> None:
    """What the CLI changes reaches live sessions: revoked logins end, changed accounts and
    rooms are told."""
    while True:
        await asyncio.sleep(runtime.settings.database.follow_seconds)
        try:
            await runtime.services.auth.sweep_revoked()
        except Exception:
            log.warning("revocation sweep failed", exc_info=True)
        try:
            await runtime.services.accounts.follow_elsewhere()
        except Exception:
            log.warning("reading other processes' account changes failed", exc_info=True)
        try:
            await runtime.services.rooms_elsewhere.follow()
        except Exception:
            log.warning("reading the admin tool's room changes failed", exc_info=True)


async def _expire_messages(runtime: Runtime) -> None:
    days = runtime.settings.retention.message_days
    while days > 0:
        try:
            removed = await runtime.services.archive.expire(days)
            forgotten = await runtime.services.catchup.expire()
            if removed or forgotten:
                log.info("retention removed messages=%d events=%d", removed, forgotten)
        except Exception:
            log.warning("retention run failed", exc_info=True)
        await asyncio.sleep(RETENTION_EVERY_SECONDS)


async def _sweep_files(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.files.sweep_seconds)
        try:
            report = await runtime.services.files.sweep()
            if report.uploads or report.files or report.blobs:
                log.info("file sweep uploads=%d files=%d blobs=%d", report.uploads, report.files, report.blobs)
        except Exception:
            log.warning("file sweep failed", exc_info=True)


def _build_xmpp(settings: Settings, runtime: Runtime) -> Listeners | None:
    if not settings.xmpp.enabled:
        return None
    tls = server_context(settings.cert_file, settings.key_file) if settings.cert_file.exists() else None
    if tls is None:
        log.warning("no TLS certificate at %s: XMPP clients cannot connect securely", settings.cert_file)
    return build_listeners(settings, runtime.services, tls)


def _settle_gc() -> None:
    """After start-up: move what is alive now (modules, schemas, compiled SQL: hundreds of
    thousands of objects that live as long as the process) out of the collector's reach, and
    collect the young generation less often. Cycles are still collected, just in larger runs."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


CLOSE_HANDSHAKE_WAIT_SECONDS = 2.0  # for the clients' close frames at shutdown


class _Server(uvicorn.Server):
    """uvicorn re-raises the stop signal after its graceful shutdown, so the process would die
    of it (status -15 for SIGTERM); Roost has stopped cleanly by then and exits 0."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Tell clients why first ("closing" frame, code 1001); uvicorn alone would just send 1012.
        app = self.config.app
        if isinstance(app, EventsFirst):
            app = app.app
        if isinstance(app, FastAPI):
            await app.state.services.router.close_all("server shutting down")
            await self._closing_handshakes(CLOSE_HANDSHAKE_WAIT_SECONDS)
        await super().shutdown(sockets)

    async def _closing_handshakes(self, seconds: float) -> None:
        """Wait (bounded) for the clients told to go to answer with their close frame.

        uvicorn's shutdown closes at once every socket whose close frame went out. A client
        still sending then has data the server never read, so that close is a TCP reset, and
        a reset can throw away what the client has not read yet: the "closing" frame and the
        close frame. uvicorn keeps such a connection until the client's close frame arrives
        (then drops it from `server_state.connections`) and offers nothing to await."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        told = self._told_to_close()
        while told and loop.time() < started + seconds:
            await asyncio.sleep(0.02)
            told = self._told_to_close()
        log.info("closing handshakes done in %.0f ms, %d unanswered", (loop.time() - started) * 1000, told)

    def _told_to_close(self) -> int:
        return sum(1 for c in self.server_state.connections if getattr(c, "close_sent", False))


def build_app(settings: Settings) -> FastAPI:
    runtime = build_runtime(settings)
    xmpp = _build_xmpp(settings, runtime)  # TCP listeners and /xmpp-websocket share its sessions

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        await runtime.services.files.load_link_key()  # before anyone renders a sent file's link
        await runtime.services.accounts.start_following()
        await runtime.services.rooms_elsewhere.start()
        background = [
            asyncio.create_task(_follow_other_processes(runtime)),
            asyncio.create_task(_expire_messages(runtime)),
            asyncio.create_task(_sweep_files(runtime)),
        ]
        if xmpp is not None:
            await xmpp.start(xmpp_host(settings), settings.xmpp.port, settings.xmpp.tls_port)
        _settle_gc()
        log.info("roost ready domain=%s", settings.domain)
        try:
            yield
        finally:
            if xmpp is not None:
                await xmpp.stop()
            for task in background:
                task.cancel()
            await runtime.services.router.close_all("server shutting down")
            await runtime.stop()  # flushes every queued write before closing the database
            log.info("roost stopped")

    app = create_api(runtime.services, settings, runtime.stores.ping)
    app.router.lifespan_context = lifespan
    if xmpp is not None and settings.xmpp.websocket:
        app.router.add_websocket_route(websocket.PATH, websocket.XmppWebSocketEndpoint(xmpp.server, settings).handle)
        meta = HostMeta(websocket_url(settings.public_http_url, websocket.PATH))  # XEP-0156
        app.router.add_route("/.well-known/host-meta", meta.xrd, methods=["GET"], include_in_schema=False)
        app.router.add_route("/.well-known/host-meta.json", meta.json, methods=["GET"], include_in_schema=False)
    return app


def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM; then stop accepting, flush writes, tell clients, exit 0."""
    # The writer's thread hands each commit back to the loop, and needs the interpreter to do
    # so: by Python's default the busy loop keeps it up to 5 ms more (bench/README.md).
    sys.setswitchinterval(settings.database.thread_switch_ms / 1000)
    app = build_app(settings)
    tls = settings.http_uses_tls
    if tls and not settings.cert_file.exists():
        raise SystemExit(f"TLS certificate {settings.cert_file} not found: run `roost init` or set tls.cert_file")
    config = uvicorn.Config(
        EventsFirst(app),
        host=settings.http.host,
        port=settings.http.port,
        log_config=None,
        access_log=False,
        proxy_headers=settings.http.behind_proxy,
        ws=WEBSOCKET_PROTOCOL,
        ws_ping_interval=settings.presence.ping_interval_seconds,
        ws_ping_timeout=settings.presence.ping_timeout_seconds,
        ws_max_size=settings.limits.ws_message_max_bytes,
        ws_per_message_deflate=settings.http.ws_compression,
        timeout_graceful_shutdown=5,
        ssl_certfile=str(settings.cert_file) if tls else None,
        ssl_keyfile=str(settings.key_file) if tls else None,
    )
    server = _Server(config)
    if tls:
        config.load()
        config.ssl = server_context(settings.cert_file, settings.key_file)
    scheme = "https" if tls else "http"
    host = "localhost" if settings.http.host in ("127.0.0.1", "::1") else settings.http.host
    log.info("open %s://%s:%s/", scheme, host, settings.http.port)
    server.run()
