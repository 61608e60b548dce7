"""One admin command at a time per data folder.

The admin commands make their ids with one node number of their own (`model.ids.ADMIN_TOOL_NODE`,
so a running server can tell their changes apart). Two of them at once could make the same id
in the same millisecond: each holds an exclusive lock on `<data folder>/admin-tool.lock` while
it runs, and a second one waits for the first (a script that runs many at once still works;
at a terminal it says that it waits).
"""

from __future__ import annotations

import fcntl
import os
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
    fd = _open_lock_file(data_dir)
    if fd is None:  # a data folder this user cannot write, without the file: run unguarded
        yield
        return
    try:
        if not _try_lock(fd):
            if sys.stderr.isatty():  # at a terminal, say why nothing happens (scripts see no change)
                print("waiting for another roost admin command to finish …", file=sys.stderr, flush=True)
            deadline = time.monotonic() + wait_seconds
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise AdminToolBusy(f"another roost admin command still runs after {wait_seconds:g} s")
                time.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # releases the lock


def _open_lock_file(data_dir: Path) -> int | None:
    """The lock file, made if it is not there; read-only when this user may not write it
    (flock works on either: another user's or root's file still guards)."""
    path = data_dir / LOCK_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        pass
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
