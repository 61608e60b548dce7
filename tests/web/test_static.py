"""The web client's page and static files: headers, caching, what is served and what is not."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.server import ServerProcess


@pytest.fixture
def http(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30)


def static_prefix(http: httpx.Client) -> str:
    found = re.search(r'src="(/static/[0-9a-f]+)/app/main\.js"', http.get("/").text)
    assert found, "index.html loads the versioned entry module"
    return found.group(1)


def test_page_has_strict_csp(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self' blob: data:"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and "style=" not in page.text  # nothing inline


def test_static_files_are_versioned_and_cached(http: httpx.Client) -> None:
    prefix = static_prefix(http)
    module = http.get(f"{prefix}/app/main.js")
    assert module.status_code == 200
    assert module.headers["content-type"].startswith("text/javascript")
    assert "immutable" in module.headers["cache-control"]
    assert module.headers["x-content-type-options"] == "nosniff"
    assert http.get(f"{prefix}/css/app.css").headers["content-type"].startswith("text/css")
    assert http.get(f"{prefix}/vendor/purify.es.mjs").status_code == 200
    stale = http.get("/static/000000000000/app/main.js")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    ["app/missing.js", "vendor/README.md", "vendor/marked.LICENSE", "index.html", "..%2f..%2fapp.py", "app"],
)
def test_only_client_files_are_served(http: httpx.Client, path: str) -> None:
    response = http.get(f"{static_prefix(http)}/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("static.not_found", "http.not_found")
