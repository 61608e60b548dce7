"""Browser fixtures: one headless Chromium for the whole run, a fresh context (cookie jar) per person."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.support.server import ADMIN_PASSWORD, ServerProcess
from tests.support.web import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    PageWatch,
    WebUser,
    bearer_token,
    chromium_missing,
    create_user,
    sign_in,
)

SignedIn = Callable[..., Awaitable[tuple[Page, PageWatch]]]
NewUser = Callable[[str], WebUser]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    missing = chromium_missing()
    if missing:
        pytest.skip(missing)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for all the web tests: a start and an admin login cost seconds on a busy machine."""
    # A short catch-up, so a test can miss more than it in a second (test_history_reconnect.py).
    proc = ServerProcess(tmp_path_factory.mktemp("roost-web"), extra_env={"ROOST_LIMITS__CATCHUP_MAX_EVENTS": "150"})
    proc.init()
    proc.start()
    yield proc
    if proc.process is not None:
        proc.stop()


@pytest.fixture(scope="package")
def admin_token(server: ServerProcess) -> str:
    return bearer_token(server.url, "admin", ADMIN_PASSWORD)


@pytest.fixture
def new_user(server: ServerProcess, admin_token: str) -> Callable[[str], WebUser]:
    return lambda display_name: create_user(server.url, admin_token, display_name)


@pytest_asyncio.fixture(loop_scope="session")
async def signed_in(browser: Browser, server: ServerProcess) -> AsyncIterator[SignedIn]:
    """Sign someone in, in a browser context of their own; every page is checked for script errors."""
    contexts = []

    async def open_for(user: WebUser, **context_options: object) -> tuple[Page, PageWatch]:
        context = await browser.new_context(**context_options)  # type: ignore[arg-type]
        contexts.append(context)
        page = await context.new_page()
        watch = PageWatch()
        watch.attach(page)
        await sign_in(page, server.url, user)
        return page, watch

    yield open_for
    for context in contexts:
        await context.close()
