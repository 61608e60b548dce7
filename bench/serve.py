"""`roost serve` for the benchmarks, with the uvicorn WebSocket settings chosen from the environment.

BENCH_UVICORN_WS=websockets|websockets-sansio|wsproto picks uvicorn's WebSocket
implementation and BENCH_WS_DEFLATE=0|1 turns permessage-deflate off or on,
without editing src/roost/server.py (which leaves both at uvicorn's defaults
unless it says otherwise). BENCH_WRITER_STATS=<file> counts the group-commit
writer's transactions and the jobs in them and writes the totals to <file>
every half second (read by ws_load.py). BENCH_TRACEMALLOC=<frames> traces Python
allocations; each SIGUSR1 then dumps a snapshot to <data folder>/tracemalloc-<n>.snap
(read by idle_sessions.py --tracemalloc). Everything else is the ordinary `roost serve`.
"""

from __future__ import annotations

import json
import os
import threading
import time
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


def _count_commits(path: Path) -> None:
    """Wrap Writer._commit(batch) to count transactions and jobs (best effort: skipped if it changed)."""
    from roost.store.sql.writer import Writer  # noqa: PLC0415

    original = getattr(Writer, "_commit", None)
    if original is None:
        return
    totals = {"commits": 0, "jobs": 0, "max_batch": 0}

    async def commit(self: Any, batch: list[Any]) -> None:
        totals["commits"] += 1
        totals["jobs"] += len(batch)
        totals["max_batch"] = max(totals["max_batch"], len(batch))
        await original(self, batch)

    Writer._commit = commit  # type: ignore[method-assign]

    def dump() -> None:
        while True:
            time.sleep(0.5)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(totals))
            tmp.replace(path)

    threading.Thread(target=dump, daemon=True, name="bench-writer-stats").start()


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
