"""The message-append path of the SQL store alone, in one process: CPU per message by thread.

No HTTP, no WebSocket: `SqlMessageStore.append` through the group-commit writer, with
`--batch` appends in flight at once (so that many share a transaction), spread over
`--conversations` direct conversations. Works on a copy of an existing Roost SQLite
database, e.g. the one a `ws_load.py --state DIR` run left in DIR/data/roost.db.
Pinned to one CPU like the server in ws_load.py.

    .venv/bin/python bench/store_append.py --db /tmp/state/data/roost.db --batch 1
    .venv/bin/python bench/store_append.py --db /tmp/state/data/roost.db --batch 32 --conversations 32
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from harness import CLK_TCK, pin_self, run_async

from roost.model.ids import IdGenerator
from roost.model.messages import NewMessage
from roost.store.sql.stores import open_stores

_TEXT = "the deploy version server client team meeting today build release fix review test please thanks log"
WORDS = _TEXT.split()


def thread_cpu() -> dict[str, float]:
    """CPU seconds of each thread of this process."""
    result = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        result[tid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return result


async def measure(db: Path, args: argparse.Namespace) -> None:
    with sqlite3.connect(db) as conn:
        query = "SELECT conversation_id, min(user_id) FROM members GROUP BY conversation_id HAVING count(*) = 2 LIMIT ?"
        pairs = conn.execute(query, (args.conversations,)).fetchall()
    if not pairs:
        raise SystemExit("no direct conversations in that database: run ws_load.py --state DIR first")
    stores = open_stores(f"sqlite:///{db}", migrate=False)
    stores.start()
    ids = IdGenerator()

    async def one(i: int) -> None:
        conversation_id, sender_id = pairs[i % len(pairs)]
        body = f"{time.monotonic_ns()} {i} " + " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12))
        new = NewMessage(conversation_id, sender_id, f"sa{time.monotonic_ns()}-{i}", body)
        await stores.messages.append(new, message_id=ids.next_id(), now=datetime.now(UTC))

    await asyncio.gather(*(one(i) for i in range(args.batch)))  # warm up
    rounds = max(1, args.messages // args.batch)
    before, started = thread_cpu(), time.perf_counter()
    for r in range(rounds):
        await asyncio.gather(*(one(r * args.batch + i) for i in range(args.batch)))
    wall, after = time.perf_counter() - started, thread_cpu()
    await stores.close()
    loop_thread = str(threading.get_native_id())
    n = rounds * args.batch
    loop = after[loop_thread] - before.get(loop_thread, 0.0)
    others = sum(after[t] - before.get(t, 0.0) for t in after if t != loop_thread)
    print(
        f"batch {args.batch:4} over {len(pairs)} conversations: wall {1e6 * wall / n:7.1f} us/msg, "
        f"loop thread {1e6 * loop / n:7.1f} us/msg, other threads (SQLite) {1e6 * others / n:7.1f} us/msg, "
        f"{rounds / wall:5.0f} commits/s"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", required=True, help="a Roost SQLite database (copied; the original is not changed)")
    p.add_argument("--batch", type=int, default=32, help="appends in flight together (default 32)")
    p.add_argument("--conversations", type=int, default=32, help="spread over this many directs (default 32)")
    p.add_argument("--messages", type=int, default=4096)
    p.add_argument("--cpu", type=int, default=0)
    args = p.parse_args()
    pin_self(args.cpu)
    with tempfile.TemporaryDirectory(prefix="roost-store-") as tmp:
        copy = Path(tmp) / "roost.db"
        with sqlite3.connect(args.db) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # a consistent copy, WAL included
        shutil.copymode(args.db, copy)
        run_async(measure(copy, args))


if __name__ == "__main__":
    main()
