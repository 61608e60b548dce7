"""`roost serve` for the benchmarks, with the uvicorn WebSocket settings chosen from the environment.

BENCH_UVICORN_WS=websockets|websockets-sansio|wsproto picks one of uvicorn's own
WebSocket implementations instead of the server's
(`roost.api.ws_protocol.DirectWebSocketProtocol`, uvicorn's sans-I/O one reading its
common frames itself) and BENCH_WS_DEFLATE=0|1 turns permessage-deflate off or on,
without editing src/roost/server.py. BENCH_WRITER_STATS=<file> counts the group-commit
writer's transactions and the jobs in them, and logs the stalls that make tail latency:
writer transactions of 50 ms or more (loop-side wall time, hand-off and COMMIT
included), event-loop stalls of 20 ms or more, cyclic GC runs of 10 ms or more and WAL
checkpoints of 20 ms or more (their own thread); it writes the totals and the last 2,000
stalls to <file> every half second (read by ws_load.py). BENCH_TRACEMALLOC=<frames>
traces Python allocations; each SIGUSR1 then dumps a snapshot to <data
folder>/tracemalloc-<n>.snap (read by idle_sessions.py --tracemalloc). Everything else
is the ordinary `roost serve`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import uvicorn

from roost.main import main

_WS = os.environ.get("BENCH_UVICORN_WS", "")
_DEFLATE = os.environ.get("BENCH_WS_DEFLATE", "")
_STATS = os.environ.get("BENCH_WRITER_STATS", "")


def _choose_websockets() -> None:
    if not (_WS or _DEFLATE):
        return
    original = uvicorn.Config.__init__

    def init(self: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        if _WS:
            kwargs["ws"] = _WS
        if _DEFLATE:
            kwargs["ws_per_message_deflate"] = _DEFLATE == "1"
        original(self, *args, **kwargs)

    uvicorn.Config.__init__ = init  # type: ignore[method-assign]


SLOW_TRANSACTION_MS = 50.0
LOOP_STALL_MS = 20.0
SLOW_GC_MS = 10.0
SLOW_CHECKPOINT_MS = 20.0


def _count_commits(path: Path) -> None:
    """Wrap Writer._commit(batch) to count transactions and jobs, and log the stalls (best effort)."""
    from roost.store.sql.writer import Writer  # noqa: PLC0415

    original = getattr(Writer, "_commit", None)
    if original is None:
        return
    totals: dict[str, Any] = {"commits": 0, "jobs": 0, "max_batch": 0}
    # (CLOCK_MONOTONIC start, ms, what): the same clock as ws_load.py's --timeline
    stalls: deque[tuple[float, float, str]] = deque(maxlen=2000)

    async def commit(self: Any, batch: list[Any]) -> None:
        totals["commits"] += 1
        totals["jobs"] += len(batch)
        totals["max_batch"] = max(totals["max_batch"], len(batch))
        start = time.monotonic()
        await original(self, batch)
        ms = (time.monotonic() - start) * 1e3
        if ms >= SLOW_TRANSACTION_MS:
            job = batch[0]
            fn = job.thread_fn or job.batch_fn or job.fn
            stalls.append((start, ms, f"tx:{getattr(fn, '__name__', '?')}x{len(batch)}"))

    Writer._commit = commit  # type: ignore[method-assign]
    _watch_loop(Writer, stalls)
    _watch_gc(stalls)
    _watch_checkpoints(stalls)

    def dump() -> None:
        while True:
            time.sleep(0.5)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({**totals, "stalls": list(stalls)}))
            tmp.replace(path)

    threading.Thread(target=dump, daemon=True, name="bench-writer-stats").start()


def _watch_loop(writer: Any, stalls: deque[tuple[float, float, str]]) -> None:
    """A task started with the writer that notes each time the event loop answers late."""
    start = writer.start

    async def watch() -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.005)
            late = (time.monotonic() - before - 0.005) * 1e3
            if late >= LOOP_STALL_MS:
                stalls.append((before, late, "loop"))

    def started(self: Any) -> None:
        start(self)
        self._bench_watch = asyncio.get_running_loop().create_task(watch())

    writer.start = started


def _watch_gc(stalls: deque[tuple[float, float, str]]) -> None:
    began = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.monotonic()
            return
        ms = (time.monotonic() - began[0]) * 1e3
        if ms >= SLOW_GC_MS:
            stalls.append((began[0], ms, f"gc{info['generation']}"))

    gc.callbacks.append(callback)


def _watch_checkpoints(stalls: deque[tuple[float, float, str]]) -> None:
    try:
        from roost.store.sql.checkpoints import Checkpointer  # noqa: PLC0415
    except ImportError:  # older code: checkpoints ran inside the commits
        return
    original = Checkpointer.checkpoint

    def checkpoint(self: Checkpointer, db: Any) -> bool:
        start = time.monotonic()
        done = original(self, db)
        ms = (time.monotonic() - start) * 1e3
        if ms >= SLOW_CHECKPOINT_MS:
            stalls.append((start, ms, f"checkpoint:{self.wal_pages}p"))
        return done

    Checkpointer.checkpoint = checkpoint  # type: ignore[method-assign]


def _trace_allocations(frames: int) -> None:
    import signal  # noqa: PLC0415
    import tracemalloc  # noqa: PLC0415

    tracemalloc.start(frames)
    dumped = [0]

    def dump(_signum: int, _frame: Any) -> None:
        dumped[0] += 1
        tracemalloc.take_snapshot().dump(f"tracemalloc-{dumped[0]}.snap")  # cwd: the server's folder

    signal.signal(signal.SIGUSR1, dump)


if __name__ == "__main__":
    if os.environ.get("BENCH_TRACEMALLOC"):
        _trace_allocations(int(os.environ["BENCH_TRACEMALLOC"]))
    _choose_websockets()
    if _STATS:
        _count_commits(Path(_STATS))
    main(["serve"])
