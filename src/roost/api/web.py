"""The browser client: index.html at "/" and its static files under /static/<version>/, with a strict CSP;
and the API's interactive docs at /api/docs, from the same vendored files.

The files live in the `roost/web` package directory and are read once at start-up. Their
URLs carry a version (a hash of all of them), so they can be cached for a year: ES modules
import each other by relative paths, which stay under the same versioned prefix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

import roost
from roost.api.errors import error_response

WEB_ROOT = Path(roost.__file__).parent / "web"
SERVED_DIRECTORIES = ("app", "css", "vendor", "img", "docs")
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# The app itself: scripts and styles only from files of this server, no plugins, no framing,
# and HTML reaches the DOM only through DOMPurify's Trusted Types policy.
APP_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "font-src 'self'",
        "connect-src 'self'",  # CSP Level 3: 'self' covers ws:// and wss:// to the same host
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types dompurify",
    ]
)
# The API docs page: Swagger UI sets style attributes, so inline styles are allowed there only.
DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Roost API</title>
<link rel="icon" href="{{static}}/img/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{{static}}/vendor/swagger/swagger-ui.css">
<script defer src="{{static}}/vendor/swagger/swagger-ui-bundle.js"></script>
<script defer src="{{static}}/docs/api-docs.js"></script>
</head>
<body>
<div id="swagger-ui"></div>
</body>
</html>
"""
IMMUTABLE = "public, max-age=31536000, immutable"
PLACEHOLDER = "{{static}}"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class WebClient:
    """The client's files in memory, and the version their URLs carry."""

    index: str
    assets: dict[str, Asset]
    version: str

    @classmethod
    def load(cls, root: Path = WEB_ROOT) -> WebClient:
        assets: dict[str, Asset] = {}
        for folder in SERVED_DIRECTORIES:
            for path in sorted((root / folder).rglob("*")):
                kind = CONTENT_TYPES.get(path.suffix)
                if kind is not None and path.is_file():
                    assets[path.relative_to(root).as_posix()] = Asset(path.read_bytes(), kind)
        digest = hashlib.sha256()
        for name, asset in sorted(assets.items()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(asset.body).digest())
        return cls((root / "index.html").read_text(encoding="utf-8"), assets, digest.hexdigest()[:12])

    def page(self, template: str | None = None) -> str:
        return (self.index if template is None else template).replace(PLACEHOLDER, f"/static/{self.version}")


def page_headers() -> dict[str, str]:
    return {"content-security-policy": APP_CSP, "cache-control": "no-cache"}


def build_router(client: WebClient) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    html = client.page()

    @router.get("/")
    async def index() -> Response:
        return Response(html, media_type="text/html; charset=utf-8", headers=page_headers())

    docs = client.page(DOCS_PAGE)

    @router.get("/api/docs")
    async def api_docs() -> Response:
        """Swagger UI from the server's own files (no CDN)."""
        headers = {"content-security-policy": DOCS_CSP, "cache-control": "no-cache"}
        return Response(docs, media_type="text/html; charset=utf-8", headers=headers)

    @router.get("/static/{version}/{path:path}")
    async def static(version: str, path: str) -> Response:
        asset = client.assets.get(path)
        if asset is None:
            return error_response(404, "static.not_found", "No such file.")
        # An older page may ask for an older version during an upgrade: serve what we have, uncached.
        cache = IMMUTABLE if version == client.version else "no-cache"
        return Response(asset.body, media_type=asset.content_type, headers={"cache-control": cache})

    return router
