"""Shared by the benchmarks: a real `roost serve` pinned to one CPU, accounts, tokens, /proc readings."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
# The tests' admin password, so a PostgreSQL database first set up by the tests works here too.
ADMIN_PASSWORD = os.environ.get("BENCH_ADMIN_PASSWORD", "admin-password-1")
USER_PASSWORD = "bench-password-1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin_self(cpu: int) -> None:
    """Run this process (and what it starts later) on one CPU only."""
    if cpu >= 0 and cpu in os.sched_getaffinity(0):
        os.sched_setaffinity(0, {cpu})


def raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(wanted, soft)
    target = max(soft, min(target, max(wanted, soft)))
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_status_kb(pid: int, key: str) -> int:
    """A `VmRSS`/`VmHWM` line of /proc/<pid>/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    return proc_cpu_seconds_of(Path(f"/proc/{pid}/stat"))


def proc_main_thread_cpu_seconds(pid: int) -> float:
    """CPU time of the main thread alone (the event loop), from /proc/<pid>/task/<pid>/stat."""
    try:
        return proc_cpu_seconds_of(Path(f"/proc/{pid}/task/{pid}/stat"))
    except OSError:
        return 0.0


def proc_cpu_seconds_of(stat_path: Path) -> float:
    stat = stat_path.read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_busy_seconds(cpu: int) -> float:
    """Busy time of one CPU, all processes (/proc/stat: user+nice+system+irq+softirq+steal)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            f = [int(x) for x in line.split()[1:]]
            return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / CLK_TCK
    return 0.0


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Server:
    """`roost init` then `roost serve` (through bench/serve.py) under `taskset -c <cpu>`."""

    database_url: str = ""
    cpu: int = 0
    ws_impl: str = ""  # uvicorn ws= ; "" keeps what src/roost/server.py chooses
    deflate: str = ""  # "1"/"0" forces ws_per_message_deflate; "" keeps the server's choice
    extra_env: dict[str, str] = field(default_factory=dict)
    keep: bool = False
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="roost-bench-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/events/ws"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOST_", "BENCH_UVICORN", "BENCH_WS"))}
        env.pop("BENCH_TRACEMALLOC", None)
        env.pop("BENCH_WRITER_STATS", None)
        env.update(
            ROOST_CONFIG=str(self.root / "roost.toml"),
            ROOST_HTTP__PORT=str(self.port),
            ROOST_XMPP__PORT=str(free_port()),
            ROOST_XMPP__TLS_PORT=str(free_port()),
            ROOST_ADMIN_PASSWORD=ADMIN_PASSWORD,
            ROOST_LOG__LEVEL="WARNING",
        )
        if self.database_url:
            env["ROOST_DATABASE__URL"] = self.database_url
        env["BENCH_WRITER_STATS"] = str(self.root / "writer-stats.json")
        if self.ws_impl:
            env["BENCH_UVICORN_WS"] = self.ws_impl
        if self.deflate:
            env["BENCH_WS_DEFLATE"] = self.deflate
        env.update(self.extra_env)
        return env

    def _taskset(self) -> list[str]:
        return ["taskset", "-c", str(self.cpu)] if self.cpu >= 0 and shutil.which("taskset") else []

    def start(self) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "roost.main", "init"],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"roost init failed: {result.stderr}")
        log = (self.root / "server.log").open("ab")
        # BENCH_SERVE_SCRIPT: a variant of bench/serve.py, for trying a change without editing src.
        script = os.environ.get("BENCH_SERVE_SCRIPT") or str(BENCH_DIR / "serve.py")
        command = [*self._taskset(), sys.executable, script]
        # taskset execs the server, so this pid is the server's own.
        self.process = subprocess.Popen(command, cwd=self.root, env=self.env(), stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def set_cpus(self, cpus: str) -> None:
        """Move every thread of the server to these CPUs (`taskset -a -p -c`)."""
        if self.cpu >= 0 and shutil.which("taskset"):
            subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(self.pid)], capture_output=True, check=True)

    def reset_hwm(self) -> None:
        """Restart the peak-RSS count (VmHWM), e.g. after the argon2-heavy account set-up."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def writer_stats(self) -> dict[str, float]:
        """Group-commit totals so far (see bench/serve.py): commits, jobs."""
        try:
            stats = json.loads((self.root / "writer-stats.json").read_text())
            return {"commits": stats["commits"], "jobs": stats["jobs"]}
        except (OSError, ValueError):
            return {"commits": 0, "jobs": 0}

    def stalls(self, start: float, end: float) -> list[tuple[float, float, str]]:
        """The stalls bench/serve.py logged that began between `start` and `end` (CLOCK_MONOTONIC)."""
        try:
            stats = json.loads((self.root / "writer-stats.json").read_text())
        except (OSError, ValueError):
            return []
        return [(t, ms, what) for t, ms, what in stats.get("stalls", []) if start <= t <= end]

    def write_bytes(self) -> int:
        """Bytes the server caused to be written to storage (/proc/<pid>/io write_bytes): WAL, checkpoints."""
        for line in Path(f"/proc/{self.pid}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
        return 0

    def rss_kb(self) -> int:
        return proc_status_kb(self.pid, "VmRSS")

    def hwm_kb(self) -> int:
        return proc_status_kb(self.pid, "VmHWM")

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    def loop_cpu_seconds(self) -> float:
        return proc_main_thread_cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@dataclass
class Account:
    user_id: int
    username: str
    token: str


async def _login_token(http: httpx.AsyncClient, username: str, password: str) -> str:
    """Log in with the password, then make a personal API token (the bot's way in)."""
    response = await http.post("/api/v1/login", json={"username": username, "password": password})
    response.raise_for_status()
    csrf = response.json()["csrf_token"]
    made = await http.post("/api/v1/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": csrf})
    made.raise_for_status()
    http.cookies.clear()
    return str(made.json()["secret"])


async def make_accounts(base_url: str, count: int, *, concurrency: int = 4) -> list[Account]:
    """`count` fresh users (named with a random run prefix), each with an API token.

    Each account costs the server an argon2 hash and an argon2 check (~0.3 s of
    CPU together): this is set-up, never inside a measurement.
    """
    prefix = "b" + secrets.token_hex(3)
    limits = httpx.Limits(max_connections=concurrency + 1)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as admin_http:
        admin_token = await _login_token(admin_http, "admin", ADMIN_PASSWORD)
        admin_http.headers["Authorization"] = f"Bearer {admin_token}"
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> Account:
            username = f"{prefix}u{i}"
            async with gate:
                made = await admin_http.post(
                    "/api/v1/admin/users", json={"username": username, "password": USER_PASSWORD}
                )
                made.raise_for_status()
                user_id = int(made.json()["user"]["id"])
                async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
                    token = await _login_token(http, username, USER_PASSWORD)
            return Account(user_id, username, token)

        return list(await asyncio.gather(*(one(i) for i in range(count))))


async def open_directs(base_url: str, pairs: list[tuple[Account, Account]], *, concurrency: int = 8) -> list[str]:
    """The direct conversation of each pair (opened by the first of the two)."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:

        async def one(a: Account, b: Account) -> str:
            async with gate:
                response = await http.post(
                    "/api/v1/directs", json={"user_id": b.user_id}, headers={"Authorization": f"Bearer {a.token}"}
                )
                response.raise_for_status()
                return str(response.json()["id"])

        return list(await asyncio.gather(*(one(a, b) for a, b in pairs)))


def source_version() -> str:
    """The commit of the code under test, and whether src/ has uncommitted changes."""
    root = BENCH_DIR.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_async(coro: object) -> object:
    try:
        import uvloop  # noqa: PLC0415

        return uvloop.run(coro)  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]


def summarise_stalls(stalls: list[tuple[float, float, str]]) -> str:
    """bench/serve.py's stall log of one window, by kind: how many, the longest, and what it was."""
    kinds: dict[str, list[tuple[float, str]]] = {}
    for _, ms, what in stalls:
        kinds.setdefault(what.split(":")[0], []).append((ms, what))
    parts = []
    for kind, found in sorted(kinds.items()):
        ms, what = max(found)
        parts.append(f"{kind} x{len(found)} (max {ms:.0f} ms{', ' + what.split(':', 1)[1] if ':' in what else ''})")
    return "; ".join(parts)
