"""The ASGI application: REST under /api/v1, the event WebSocket, docs, health and metrics."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, WebSocket
from starlette.types import Receive, Scope, Send

from roost import __version__
from roost.api import errors
from roost.api.metrics import Metrics
from roost.api.middleware import RequestGuard
from roost.api.render import FrameCache
from roost.api.routes import admin, auth, avatars, blocks, conversations, directory, files, health, links, me, messages
from roost.api.web import WebClient, build_router
from roost.api.ws import events_endpoint
from roost.config import Settings
from roost.core.services import Services
from roost.log import request_id

EVENTS_PATH = "/api/v1/events/ws"


def create_api(services: Services, settings: Settings, health_check: Callable[[], Awaitable[None]]) -> FastAPI:
    app = FastAPI(
        title="Roost",
        version=__version__,
        description="In-house instant messaging. Ids of conversations, messages and events are decimal strings.",
        docs_url=None,  # served by api/web.py from vendored Swagger UI files, not a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.services = services
    app.state.settings = settings
    app.state.health_check = health_check
    app.state.metrics = Metrics(services)
    app.state.frames = FrameCache()
    errors.install(app)
    v1 = APIRouter(prefix="/api/v1")
    for module in (auth, me, avatars, directory, blocks, conversations, messages, files, admin):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(health.router)
    app.include_router(links.router)
    app.add_api_websocket_route(EVENTS_PATH, events_endpoint)

    app.include_router(build_router(WebClient.load()))
    app.add_middleware(RequestGuard, max_bytes=settings.http.max_request_bytes, streamed=is_streamed_upload)
    return app


_STREAMED_UPLOADS = re.compile(
    r"/api/v1/uploads/[0-9]+|/api/v1/conversations/[0-9]+/files|/upload/[^/]+/.*|/api/v1/me/avatar"
)


def is_streamed_upload(method: str, path: str) -> bool:
    """Requests whose body is a file streamed to disk: the file limits apply, not `max_request_bytes`."""
    return method in ("PATCH", "POST", "PUT") and _STREAMED_UPLOADS.fullmatch(path) is not None


class EventsFirst:
    """The ASGI entry: the event WebSocket goes straight to its handler.

    Every idle connection keeps its handler's stack of coroutine frames alive; taking
    the WebSocket past the HTTP middleware and router saves memory per session.
    Everything else goes to the FastAPI app.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == EVENTS_PATH:
            request_id.set(secrets.token_hex(6))
            scope["app"] = self.app
            await events_endpoint(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)
