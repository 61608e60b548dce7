"""File upload and download throughput, and the server's memory while a large file streams in.

Starts its own `roost serve` (pinned to CPU 0; this script pins itself to CPU 1), makes
two people and their direct conversation, then for each size:

- resumable upload (tus PATCH, the body streamed in 1 MiB chunks, no Content-Length): MB/s,
  and the server's peak RSS (VmHWM, reset just before) against its RSS before the upload;
- one-request upload (POST .../files with Content-Length): MB/s;
- download of the whole file by the other member: MB/s, with the SHA-256 checked;
- a Range request for the last MiB (the seek a video player makes).

MB = 10^6 bytes. Content is random (not compressible, not de-duplicated between runs).

    .venv/bin/python bench/files_load.py                       # 1 GiB
    .venv/bin/python bench/files_load.py --sizes 100M,1G,2G
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Account, Server, make_accounts, open_directs, pin_self, source_version

CHUNK = 1 << 20
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    text = text.strip().upper()
    return int(float(text[:-1]) * UNITS[text[-1]]) if text[-1] in UNITS else int(text)


class Payload:
    """`size` pseudo-random bytes made chunk by chunk (never all in memory), hashed as they go."""

    def __init__(self, size: int, seed: bytes) -> None:
        self.size = size
        self.seed = seed
        self.block = os.urandom(CHUNK)

    async def chunks(self) -> AsyncIterator[bytes]:
        sent = 0
        counter = 0
        while sent < self.size:
            # Vary each chunk cheaply so the content is not a repetition of one block.
            head = hashlib.sha256(self.seed + counter.to_bytes(8, "big")).digest()
            chunk = (head + self.block[len(head) :])[: self.size - sent]
            counter += 1
            sent += len(chunk)
            yield chunk

    async def digest(self) -> str:
        hasher = hashlib.sha256()
        async for chunk in self.chunks():
            hasher.update(chunk)
        return hasher.hexdigest()


class RssSampler:
    """Samples the server's RSS every 20 ms in a thread (peak also from VmHWM)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.server.rss_kb())
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Row:
    size: int
    mode: str
    seconds: float
    rss_before_mb: float = 0.0
    peak_mb: float = 0.0

    @property
    def mb_per_s(self) -> float:
        return self.size / 1e6 / self.seconds


async def tus_upload(http: httpx.AsyncClient, conversation: str, payload: Payload) -> dict[str, object]:
    made = await http.post(
        f"/api/v1/conversations/{conversation}/uploads", json={"name": "bench.bin", "size": payload.size}
    )
    made.raise_for_status()
    headers = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    response = await http.patch(made.json()["url"], content=payload.chunks(), headers=headers)
    response.raise_for_status()
    file = response.json()["file"]
    assert file is not None, response.text
    return file  # type: ignore[no-any-return]


async def whole_upload(http: httpx.AsyncClient, conversation: str, payload: Payload) -> dict[str, object]:
    response = await http.post(
        f"/api/v1/conversations/{conversation}/files",
        params={"name": "bench2.bin"},
        content=payload.chunks(),
        headers={"Content-Length": str(payload.size), "Content-Type": "application/octet-stream"},
    )
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


async def download(http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    hasher = hashlib.sha256()
    total = 0
    async with http.stream("GET", url, headers=headers) as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw(CHUNK):
            hasher.update(chunk)
            total += len(chunk)
    return total, hasher.hexdigest()


async def measure(server: Server, sender: Account, receiver: Account, conversation: str, size: int) -> list[Row]:
    rows: list[Row] = []
    timeout = httpx.Timeout(600, connect=10)
    auth = {"Authorization": f"Bearer {sender.token}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=timeout, headers=auth) as http:
        payload = Payload(size, os.urandom(8))
        expected = await payload.digest()
        rss_before = server.rss_kb()
        server.reset_hwm()
        with RssSampler(server) as sampler:
            start = time.perf_counter()
            file = await tus_upload(http, conversation, payload)
            seconds = time.perf_counter() - start
        peak = max(server.hwm_kb(), sampler.peak_kb)
        assert file["sha256"] == expected, "uploaded content differs"
        rows.append(Row(size, "upload (tus PATCH)", seconds, rss_before / 1024, peak / 1024))

        other = Payload(size, os.urandom(8))
        rss_before = server.rss_kb()
        server.reset_hwm()
        start = time.perf_counter()
        await whole_upload(http, conversation, other)
        seconds = time.perf_counter() - start
        rows.append(Row(size, "upload (one POST)", seconds, rss_before / 1024, server.hwm_kb() / 1024))

        send = await http.post(f"/api/v1/conversations/{conversation}/messages", json={"attachments": [file["id"]]})
        send.raise_for_status()
    auth = {"Authorization": f"Bearer {receiver.token}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=timeout, headers=auth) as http:
        rss_before = server.rss_kb()
        server.reset_hwm()
        start = time.perf_counter()
        total, digest = await download(http, str(file["url"]))
        seconds = time.perf_counter() - start
        assert (total, digest) == (size, expected), "downloaded content differs"
        rows.append(Row(size, "download", seconds, rss_before / 1024, server.hwm_kb() / 1024))
        start = time.perf_counter()
        total, _ = await download(http, str(file["url"]), {"Range": f"bytes={max(size - CHUNK, 0)}-"})
        rows.append(Row(total, "range: last MiB", time.perf_counter() - start))
    return rows


def print_rows(rows: list[Row]) -> None:
    print(f"{'size':>10} {'what':<20} {'seconds':>8} {'MB/s':>8} {'RSS before MB':>14} {'peak RSS MB':>12}")
    for r in rows:
        memory = f"{r.rss_before_mb:>14.1f} {r.peak_mb:>12.1f}" if r.peak_mb else f"{'':>14} {'':>12}"
        print(f"{r.size / 2**20:>8.0f}Mi {r.mode:<20} {r.seconds:>8.2f} {r.mb_per_s:>8.1f} {memory}")


async def main_async(args: argparse.Namespace) -> None:
    pin_self(1)
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    quota = str(max(sizes) * 8)
    env = {"ROOST_FILES__MAX_FILE_BYTES": str(max(*sizes, 1)), "ROOST_FILES__USER_QUOTA_BYTES": quota}
    server = Server(database_url=args.database, cpu=0, extra_env=env)
    with server:
        sender, receiver = await make_accounts(server.url, 2)
        [conversation] = await open_directs(server.url, [(sender, receiver)])
        print(f"roost {source_version()}: server on CPU 0, client on CPU 1, data in {server.root}")
        rows: list[Row] = []
        for size in sizes:
            rows += await measure(server, sender, receiver, conversation, size)
        print_rows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1G", help="comma-separated sizes, e.g. 100M,1G")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
