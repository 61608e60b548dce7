"""The disk's fdatasync latency: what every durable commit waits for.

Writes 4 KiB and calls fdatasync RATE times a second for SECONDS in a temporary file of
FOLDER (use the folder of the database), then prints p50, p99, p99.9 and the longest:

    .venv/bin/python bench/fsync_latency.py --folder /tmp --rate 100 --seconds 30

See bench/README.md (fifth session): a Roost commit cannot be faster than this, and one
slow fdatasync holds back every message of its commit.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=tempfile.gettempdir())
    parser.add_argument("--rate", type=float, default=100.0, help="fdatasyncs per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    fd, path = tempfile.mkstemp(dir=args.folder)
    latencies: list[float] = []
    block = os.urandom(4096)
    try:
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            os.pwrite(fd, block, (len(latencies) % 256) * 4096)
            start = time.perf_counter()
            os.fdatasync(fd)
            latencies.append((time.perf_counter() - start) * 1e3)
            time.sleep(1 / args.rate)
    finally:
        os.close(fd)
        os.unlink(path)
    latencies.sort()

    def at(percent: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * percent / 100))]

    slow = sum(1 for x in latencies if x > 100)
    print(
        f"{len(latencies)} fdatasyncs of a 4 KiB write in {args.folder}: p50 {at(50):.2f} ms, p99 {at(99):.2f},"
        f" p99.9 {at(99.9):.1f}, max {latencies[-1]:.1f}; over 100 ms: {slow}"
    )


if __name__ == "__main__":
    main()
