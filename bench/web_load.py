"""The web client's load times in headless Chromium (Debian's), against its own `roost serve`.

Prints, for one person with a conversation of `--big` messages (100,000 by default) and a
room of `--small` messages:

- navigation → interactive: a new tab of a signed-in browser opens `/` until the
  conversation list answers clicks (the session is resumed with GET /api/v1/csrf);
- open → first history page: a click on a conversation until its newest message shows,
  for the big and the small one (median and max of `--repeat` openings);
- the JavaScript the page loads: files, bytes, and bytes gzipped (the server does not
  compress today; this is what a compressing proxy in front of it would send).

Not a test: numbers only. The server runs on CPU 0, this script and the browser elsewhere.

    .venv/bin/python bench/web_load.py
    .venv/bin/python bench/web_load.py --big 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import websockets
from playwright.async_api import Browser, Page, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import USER_PASSWORD, Account, Server, make_accounts, open_directs, source_version

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.web import CHROMIUM, CHROMIUM_FLAGS, chromium_missing


async def fill(ws_url: str, author: Account, conversation: str, count: int, *, window: int = 256) -> float:
    """`count` messages from `author` over one WebSocket, `window` unacknowledged at a time."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {author.token}"}
    async with websockets.connect(ws_url, additional_headers=headers, max_queue=None) as ws:
        sent = acked = 0
        while acked < count:
            while sent < count and sent - acked < window:
                sent += 1
                body = {"type": "send", "client_id": f"fill-{conversation}-{sent}", "conversation_id": conversation}
                await ws.send(json.dumps({**body, "body": f"message {sent}"}))
            frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if frame["type"] == "error":
                raise RuntimeError(frame["error"])
            acked += frame["type"] == "ack"
    return time.monotonic() - started


async def signed_in_context(browser: Browser, base_url: str, who: Account) -> Page:
    context = await browser.new_context(viewport={"width": 1200, "height": 800})
    page = await context.new_page()
    await page.goto(base_url + "/")
    await page.get_by_label("Username").fill(who.username)
    await page.get_by_label("Password").fill(USER_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Sign out").wait_for()
    return page


async def new_tab_to_interactive(page: Page, base_url: str) -> tuple[float, list[tuple[str, bytes]]]:
    """A new tab of the signed-in browser: `/` until the conversation list is clickable."""
    tab = await page.context.new_page()
    scripts: list[tuple[str, bytes]] = []

    async def keep(response: object) -> None:
        url = getattr(response, "url", "")
        if url.endswith((".js", ".mjs")):
            scripts.append((url, await response.body()))  # type: ignore[attr-defined]

    tab.on("response", keep)
    started = time.monotonic()
    await tab.goto(base_url + "/")
    listed = tab.get_by_role("list", name="Conversations").get_by_role("button").first
    await listed.wait_for()
    await listed.click(trial=True)  # actionable: visible, enabled, not covered
    elapsed = time.monotonic() - started
    await tab.close()
    return elapsed, scripts


async def open_time(page: Page, title: str, newest: str) -> float:
    """Click the conversation in the list until its newest message is shown."""
    await page.get_by_role("button", name="Search", exact=True).click()  # leave any open conversation
    button = page.get_by_role("list", name="Conversations").get_by_role("button").filter(has_text=title)
    started = time.monotonic()
    await button.click()
    await page.get_by_role("list", name=f"Messages with {title}").get_by_text(newest, exact=True).wait_for()
    return time.monotonic() - started


async def main_async(args: argparse.Namespace) -> None:
    missing = chromium_missing()
    if missing:
        raise SystemExit(missing)
    server = Server(database_url=args.database, cpu=0)
    with server:
        reader, big_author, small_author = await make_accounts(server.url, 3)
        big, small = await open_directs(server.url, [(big_author, reader), (small_author, reader)])
        print(f"roost {source_version()}: server on CPU 0, data in {server.root}")
        seconds = await fill(server.ws_url, big_author, big, args.big)
        print(f"filled: {args.big} messages in {seconds:.1f} s ({args.big / seconds:,.0f}/s)")
        await fill(server.ws_url, small_author, small, args.small, window=1)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            page = await signed_in_context(browser, server.url, reader)
            loads = []
            scripts: list[tuple[str, bytes]] = []
            for _ in range(args.repeat):
                elapsed, scripts = await new_tab_to_interactive(page, server.url)
                loads.append(elapsed)
            report("navigation -> interactive", loads)
            raw = sum(len(body) for _, body in scripts)
            zipped = sum(len(gzip.compress(body, 6)) for _, body in scripts)
            print(f"JavaScript: {len(scripts)} files, {raw / 1024:.0f} KiB, {zipped / 1024:.0f} KiB gzipped")
            for title, newest, label in (
                (big_author.username, f"message {args.big}", f"open -> first page, {args.big:,} messages"),
                (small_author.username, f"message {args.small}", f"open -> first page, {args.small} messages"),
            ):
                report(label, [await open_time(page, title, newest) for _ in range(args.repeat)])
            await browser.close()


def report(label: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    print(f"{label:<44} median {statistics.median(ms):7.1f} ms   max {ms[-1]:7.1f} ms   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big", type=int, default=100_000, help="messages in the big conversation")
    parser.add_argument("--small", type=int, default=20, help="messages in the small one")
    parser.add_argument("--repeat", type=int, default=5, help="measurements of each kind")
    parser.add_argument("--database", default="", help="a database URL (default: SQLite in the data folder)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
