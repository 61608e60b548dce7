"""The web client's page and static files: headers, caching, what is served and what is not."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.support.server import ServerProcess
from tests.support.web import PageWatch


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


def test_api_docs_come_from_this_server(http: httpx.Client) -> None:
    docs = http.get("/api/docs")
    assert docs.status_code == 200
    assert "https://" not in docs.text and "http://" not in docs.text  # no CDN
    policy = dict(part.strip().split(" ", 1) for part in docs.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert "<script>" not in docs.text  # nothing inline
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text):
        assert http.get(asset).status_code == 200, asset


@pytest.mark.asyncio(loop_scope="session")
async def test_api_docs_render_in_a_browser(browser: Browser, server: ServerProcess) -> None:
    page = await browser.new_page()
    watch = PageWatch()
    watch.attach(page)
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(server.url) else outside.append(request.url))
    await page.goto(server.url + "/api/docs")
    await expect(page.get_by_role("heading", name=re.compile("^Roost"))).to_be_visible()
    await expect(page.get_by_text("/api/v1/search").first).to_be_visible()
    await page.close()
    assert watch.errors == [] and outside == []
