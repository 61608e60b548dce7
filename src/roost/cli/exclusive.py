"""One admin command at a time per data folder.

The admin commands make their ids with one node number of their own (`model.ids.ADMIN_TOOL_NODE`,
so a running server can tell their changes apart). Two of them at once could make the same id
in the same millisecond: each holds an exclusive lock on `<data folder>/admin-tool.lock` while
it runs, and a second one waits for the first (a script that runs many at once still works;
at a terminal it says that it waits).
"""

from __future__ import annotations

import fcntl
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "admin-tool.lock"
POLL_SECONDS = 0.05


class AdminToolBusy(Exception):
    """Another admin command held the lock for longer than the wait allowed."""


@contextmanager
def one_at_a_time(data_dir: Path, *, wait_seconds: float) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_FILE, "a+b") as lock:
        if not _try_lock(lock.fileno()):
            if (
                sys.stderr.isatty()
            ):  # someone at a terminal learns why nothing happens; a script's output stays as it was
                print("waiting for another roost admin command to finish …", file=sys.stderr, flush=True)
            deadline = time.monotonic() + wait_seconds
            while not _try_lock(lock.fileno()):
                if time.monotonic() >= deadline:
                    raise AdminToolBusy(f"another roost admin command still runs after {wait_seconds:g} s")
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
