"""Helpers for the web client's browser tests: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from playwright.async_api import ConsoleMessage, Dialog, Page, expect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless in a closed network, as root: no sandbox, no calls home (docs/web.md).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
_names = itertools.count(1)


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return "Debian's chromium is not installed (scripts/web-browser.sh installs it)"
    return None


@dataclass(frozen=True)
class WebUser:
    id: int
    username: str
    password: str
    display_name: str


def bearer_token(base_url: str, username: str, password: str) -> str:
    """Log in and make a personal API token (for the admin calls that set tests up)."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        answer = http.post("/api/v1/login", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        made = http.post(
            "/api/v1/tokens", json={"name": "web tests"}, headers={"X-CSRF-Token": answer.json()["csrf_token"]}
        )
        assert made.status_code == 201, made.text
        return str(made.json()["secret"])


def create_user(base_url: str, admin_token: str, display_name: str) -> WebUser:
    """A person made through the admin API (no login: the browser logs in)."""
    username = f"{display_name.split(maxsplit=1)[0].lower()}{next(_names)}-{os.getpid()}"
    password = f"password-{username}"
    body = {"username": username, "password": password, "display_name": display_name}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30) as http:
        made = http.post("/api/v1/admin/users", json=body)
        assert made.status_code == 201, made.text
    return WebUser(made.json()["user"]["id"], username, password, display_name)


@contextmanager
def api_session(base_url: str, user: WebUser) -> Iterator[httpx.Client]:
    """The person's own browser-style session over HTTP: cookie plus CSRF header."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        answer = http.post("/api/v1/login", json={"username": user.username, "password": user.password})
        assert answer.status_code == 200, answer.text
        http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield http


def post_direct(base_url: str, author: WebUser, to: WebUser, *bodies: str) -> str:
    """Messages from `author` to `to` over the API; the direct conversation's id."""
    with api_session(base_url, author) as http:
        direct = str(http.post("/api/v1/directs", json={"user_id": to.id}).json()["id"])
        for body in bodies:
            made = http.post(f"/api/v1/conversations/{direct}/messages", json={"body": body})
            assert made.status_code == 201, made.text
    return direct


@dataclass
class PageWatch:
    """What a page did that a test must notice: dialogs (alert = script ran), errors, CSP reports."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    async def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")


async def sign_in(page: Page, base_url: str, user: WebUser) -> None:
    await page.goto(base_url + "/")
    await page.get_by_label("Username").fill(user.username)
    await page.get_by_label("Password").fill(user.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text("")  # the WebSocket is up


__all__ = [
    "CHROMIUM",
    "CHROMIUM_FLAGS",
    "PageWatch",
    "WebUser",
    "api_session",
    "bearer_token",
    "chromium_missing",
    "create_user",
    "post_direct",
    "sign_in",
]
