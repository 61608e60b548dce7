"""How long MAM takes to count and page the edits, deletions and reactions of a person's conversations.

MAM lists message changes as entries of their own (`store/sql/archive.py`), read from the
`events` table, where they sit among one `message.created` row per message, read markers
and membership rows. Migration 0024 gave them a partial index of their own. This builds an
SQLite database at the current schema (migrations), fills `events` with `--events` rows
over `--conversations` conversations, one in `--change-every` a change, and times the
count of the changes of five conversations after an id, two ways:

- `indexed`: the store's condition (`events.is_message_change`, kinds as literals): the
  planner may use `ix_events_message_changes`;
- `bound`: the same condition with bound parameters, which SQLite cannot match to a partial
  index: the scan MAM did before the index.

    .venv/bin/python bench/mam_change_scan.py
    .venv/bin/python bench/mam_change_scan.py --events 1000000 --change-every 20
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, create_engine, event, func, select

from roost.store.sql import tables as t
from roost.store.sql.events import is_message_change
from roost.store.sql.migrate import upgrade

OTHER_KINDS = ("message.created", "read.moved", "member.added")


def fill(db: sqlite3.Connection, events: int, conversations: int, change_every: int) -> None:
    rng = random.Random(7)
    rows = []
    for event_id in range(1, events + 1):
        if event_id % change_every == 0:
            kind = rng.choice(t.MESSAGE_CHANGES)
        else:
            kind = OTHER_KINDS[0] if rng.random() < 0.9 else rng.choice(OTHER_KINDS[1:])
        rows.append((event_id, kind, rng.randint(1, conversations), None, event_id))
    db.executemany("INSERT INTO events (id, kind, conversation_id, user_id, ref_id) VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()


def timed(path: Path, condition: ColumnElement[bool], repeat: int) -> tuple[float, int, str]:
    """Median seconds of the count (as SQLAlchemy sends it to SQLite), the count, and SQLite's plan."""
    e = t.events
    query = select(func.count()).where(e.c.conversation_id.in_([1, 2, 3, 4, 5]), condition, e.c.id > 10)
    engine = create_engine(f"sqlite:///{path}")
    sent: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append((args[2], args[3])))
    times, count = [], 0
    with engine.connect() as conn:
        for _ in range(repeat):
            started = time.perf_counter()
            count = int(conn.execute(query).scalar() or 0)
            times.append(time.perf_counter() - started)
        statement, parameters = sent[-1]
        plan = " ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    engine.dispose()
    return statistics.median(times), count, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--change-every", type=int, default=50, help="one event in this many is a change")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roost.db"
        upgrade(f"sqlite:///{path}")
        with sqlite3.connect(path) as db:
            fill(db, args.events, args.conversations, args.change_every)
            print(f"{args.events:,} events in {args.conversations} conversations, one in {args.change_every} a change")
        for name, condition in (
            ("indexed", is_message_change()),
            ("bound", t.events.c.kind.in_(list(t.MESSAGE_CHANGES))),
        ):
            seconds, count, plan = timed(path, condition, args.repeat)
            print(f"{name:8} {seconds * 1000:8.2f} ms  count={count:,}  plan: {plan}")


if __name__ == "__main__":
    main()
