"""Memory per idle WebSocket session of a real server.

Starts its own `roost serve` pinned to CPU 0, makes a few users (a token each),
then opens --sessions idle event-stream sessions from this process (on CPU 1,
with the bare-asyncio client of bench/wsraw.py, which answers the server's
pings) and reads the server's RSS as they pile up. The cost per session is the
slope of RSS against sessions (least squares over the checkpoints) and also
(RSS at the end - RSS before) / sessions.

    .venv/bin/python bench/idle_sessions.py                       # 10,000 sessions
    .venv/bin/python bench/idle_sessions.py --ws-impl wsproto     # another uvicorn WebSocket implementation
    .venv/bin/python bench/idle_sessions.py --deflate             # offer permessage-deflate, as browsers do

See bench/README.md for the goal (< 30 KB per session) and the numbers measured.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import time
from typing import Any

import httpx
import wsraw
from harness import Server, make_accounts, pin_self, raise_fd_limit, run_async, source_version

WS_PATH = "/api/v1/events/ws"


def _server_sessions(server: Server) -> int:
    """roost_sessions from /metrics: the sessions the server holds."""
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    for line in text.splitlines():
        if line.startswith("roost_sessions "):
            return int(float(line.split()[1]))
    return -1


def _fit(points: list[tuple[int, int]]) -> float:
    """Least-squares slope of RSS (KiB) against sessions."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


def _snapshot(server: Server, n: int) -> Any:
    """Have the server dump a tracemalloc snapshot (bench/serve.py, SIGUSR1) and load it."""
    import tracemalloc  # noqa: PLC0415

    path = server.root / f"tracemalloc-{n}.snap"
    os.kill(server.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120
    size = -1
    while time.monotonic() < deadline:  # wait until the file stops growing
        time.sleep(1)
        if path.exists() and path.stat().st_size == size:
            return tracemalloc.Snapshot.load(str(path))
        size = path.stat().st_size if path.exists() else -1
    raise RuntimeError("no tracemalloc snapshot from the server")


def _allocations_per_session(before: Any, after: Any, sessions: int, depth: int) -> None:
    """Where the Python heap grew, per session: by source line, and by the roost frame that caused it."""
    print("\nPython allocations per session (tracemalloc, top lines; total grows by ", end="")
    diffs = after.compare_to(before, "lineno")
    total = sum(d.size_diff for d in diffs)
    print(f"{total / sessions / 1024:.1f} KB/session):")
    for d in diffs[:18]:
        frame = d.traceback[-1]
        where = f"{frame.filename}:{frame.lineno}"
        print(f"  {d.size_diff / sessions:>8.0f} B  {d.count_diff / sessions:>6.1f} blocks  {where}")
    if depth > 1:
        print("by the nearest roost (or uvicorn) frame of each allocation:")
        grouped: dict[str, int] = {}
        for d in after.compare_to(before, "traceback"):
            frames = list(reversed(d.traceback))  # most recent first
            owner = next(
                (f"{f.filename}:{f.lineno}" for f in frames if "/roost/" in f.filename),
                next((f"{f.filename}:{f.lineno}" for f in frames if "uvicorn" in f.filename), "other"),
            )
            grouped[owner] = grouped.get(owner, 0) + d.size_diff
        for owner, size in sorted(grouped.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {size / sessions:>8.0f} B  {owner}")


class Holder:
    """Opens and holds the sessions."""

    def __init__(self, server: Server, tokens: list[str], args: argparse.Namespace) -> None:
        self.server = server
        self.tokens = tokens
        self.args = args
        self.sockets: list[wsraw.RawWebSocket] = []
        self.frames = 0
        self.failures: list[str] = []
        self.failed = 0

    def _on_text(self, _text: str, _compressed: bool) -> None:
        self.frames += 1

    async def open(self, count: int) -> None:
        gate = asyncio.Semaphore(self.args.concurrency)
        first = len(self.sockets)

        async def one(i: int) -> None:
            async with gate:
                try:
                    async with asyncio.timeout(120):
                        ws = await wsraw.connect(
                            "127.0.0.1",
                            self.server.port,
                            WS_PATH,
                            self.tokens[i % len(self.tokens)],
                            self._on_text,
                            deflate=self.args.deflate,
                        )
                    self.sockets.append(ws)
                except (OSError, TimeoutError) as error:
                    self.failed += 1
                    if len(self.failures) < 5:
                        self.failures.append(repr(error))

        await asyncio.gather(*(one(first + i) for i in range(count)))

    async def settle(self) -> None:
        """Wait until the server lists every session (or 30 s), then a little longer for the heap to calm."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            held = await loop.run_in_executor(None, _server_sessions, self.server)
            if held >= len(self.sockets):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(self.args.settle)

    def close(self) -> None:
        for ws in self.sockets:
            ws.abort()
        self.sockets.clear()


async def measure(server: Server, tokens: list[str], args: argparse.Namespace) -> dict[str, Any]:
    holder = Holder(server, tokens, args)
    # Warm up: the first sessions load code and fill caches; they should not count as per-session cost.
    await holder.open(min(200, args.sessions))
    await holder.settle()
    holder.close()
    await asyncio.sleep(args.settle + 1)
    gc.collect()
    base = server.rss_kb()
    before = _snapshot(server, 1) if args.tracemalloc else None
    points: list[tuple[int, int]] = [(0, base)]
    print(f"{'sessions':>9} {'server RSS MB':>13} {'KB/session so far':>18} {'open s':>7}", flush=True)
    print(f"{0:>9} {base / 1024:>13.1f} {'':>18} {'':>7}", flush=True)
    step = max(1, args.sessions // args.checkpoints)
    opened_seconds = 0.0
    while len(holder.sockets) < args.sessions:
        t = time.monotonic()
        await holder.open(min(step, args.sessions - len(holder.sockets)))
        opened_seconds += time.monotonic() - t
        await holder.settle()
        n, rss = len(holder.sockets), server.rss_kb()
        points.append((n, rss))
        print(f"{n:>9} {rss / 1024:>13.1f} {(rss - base) / n:>18.1f} {time.monotonic() - t:>7.1f}", flush=True)
        if holder.failed > args.sessions // 100:
            break
    held = _server_sessions(server)
    if before is not None:
        _allocations_per_session(before, _snapshot(server, 2), len(holder.sockets), args.tracemalloc)
    await asyncio.sleep(args.hold)
    still = sum(1 for ws in holder.sockets if not ws.closed.done())
    n, rss = len(holder.sockets), server.rss_kb()
    result = {
        "sessions": n,
        "server_sessions": held,
        "alive_after_hold": still,
        "failures": holder.failed,
        "failure_samples": holder.failures,
        "base_mb": base / 1024,
        "rss_mb": rss / 1024,
        "hwm_mb": server.hwm_kb() / 1024,
        "kb_per_session_total": (rss - base) / n if n else float("nan"),
        "kb_per_session_slope": _fit(points),
        "connect_rate": n / opened_seconds if opened_seconds else float("nan"),
        "extensions": holder.sockets[0].extensions if holder.sockets else "",
    }
    holder.close()
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=10_000)
    p.add_argument("--users", type=int, default=10, help="sessions are spread over this many users (one token each)")
    p.add_argument("--checkpoints", type=int, default=4, help="RSS readings while the sessions pile up")
    p.add_argument("--concurrency", type=int, default=100, help="handshakes in flight at once")
    p.add_argument("--settle", type=float, default=2.0, help="seconds to wait before each RSS reading")
    p.add_argument("--hold", type=float, default=25.0, help="seconds to hold them all (past one server ping)")
    p.add_argument("--ws-impl", default="", help="uvicorn ws= (websockets, websockets-sansio, wsproto)")
    p.add_argument("--server-deflate", choices=["", "0", "1"], default="", help="force the server's deflate")
    p.add_argument("--deflate", action="store_true", help="offer permessage-deflate, as browsers do")
    p.add_argument("--database", default="", help="postgresql://... (default: SQLite in a temporary folder)")
    p.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="trace the server's Python allocations (FRAMES deep) and show what each session holds (RSS inflates)",
    )
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    args = p.parse_args(argv)

    pin_self(args.client_cpu)
    limit = raise_fd_limit(args.sessions + 1024)
    if limit < args.sessions + 100:
        raise SystemExit(f"open-file limit {limit} is too low for {args.sessions} sessions")
    server = Server(
        database_url=args.database,
        cpu=args.server_cpu,
        ws_impl=args.ws_impl,
        deflate=args.server_deflate,
        extra_env={"BENCH_TRACEMALLOC": str(args.tracemalloc)} if args.tracemalloc else {},
    )  # the server needs a descriptor per session too: it inherits this process's raised limit
    print(
        f"roost idle_sessions: {args.sessions} sessions over {args.users} users, ws impl "
        f"{args.ws_impl or 'server default'}, deflate {'offered' if args.deflate else 'not offered'}"
        f"{'' if not args.server_deflate else ' (server deflate forced ' + args.server_deflate + ')'}, "
        f"{'PostgreSQL' if args.database else 'SQLite'}; code {source_version()}",
        flush=True,
    )
    try:
        server.start()
        server.set_cpus(f"{args.server_cpu},{args.client_cpu}")  # argon2 set-up may use both CPUs
        accounts = run_async(make_accounts(server.url, args.users))
        assert isinstance(accounts, list)
        server.set_cpus(str(args.server_cpu))
        server.reset_hwm()  # argon2 hashing in the set-up peaks far above the sessions
        result = run_async(measure(server, [a.token for a in accounts], args))
        assert isinstance(result, dict)
    finally:
        server.stop()
    print(
        f"\nsessions opened {result['sessions']} (server counted {result['server_sessions']}, "
        f"{result['alive_after_hold']} still open after {args.hold:g}s, {result['failures']} failed); "
        f"negotiated extensions: {result['extensions'] or 'none'}"
    )
    for sample in result["failure_samples"]:
        print(f"  failure: {sample}")
    print(
        f"server RSS {result['base_mb']:.1f} MB -> {result['rss_mb']:.1f} MB (peak {result['hwm_mb']:.1f} MB); "
        f"{result['connect_rate']:.0f} handshakes/s"
    )
    print(
        f"KB per idle session: {result['kb_per_session_total']:.1f} (total / sessions), "
        f"{result['kb_per_session_slope']:.1f} (slope)  [goal < 30]"
    )


if __name__ == "__main__":
    main()
