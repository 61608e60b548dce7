"""The XMPP servers bench/xmpp_load.py compares: Roost, Prosody and ejabberd, each on one CPU.

Every server gets its own folder under a temporary directory, free ports, a config made
from a template in bench/peers/, and is started and stopped here (bounded in time). The
peers run their fastest settings for the benchmark (no archive, plaintext passwords,
plain c2s with PLAIN on loopback, warnings only); Roost stores and fsyncs every message
and checks PLAIN against its hashed SCRAM keys, as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import signal
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import xmppraw
from harness import BENCH_DIR, Server, free_port, proc_cpu_seconds, proc_status_kb, summarise_stalls

PEERS_DIR = BENCH_DIR / "peers"
DOMAIN = "localhost"
PASSWORD = "bench-password-1"


def _fill(template: str, **values: object) -> str:
    return string.Template((PEERS_DIR / template).read_text()).substitute({k: str(v) for k, v in values.items()})


def _taskset(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu >= 0 and shutil.which("taskset") else []


def _pids_mentioning(text: str) -> list[int]:
    """Processes whose command line contains `text` (the server's own temporary folder)."""
    found = []
    needle = text.encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


async def _register_all(port: int, names: list[str], concurrency: int = 16) -> None:
    """XEP-0077 in-band registration, `concurrency` at a time (set-up, not measured)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(name: str) -> None:
        async with gate:
            for attempt in range(5):
                client = await xmppraw.connect("127.0.0.1", port)
                try:
                    await client.register(DOMAIN, name, PASSWORD)
                    return
                except xmppraw.XmppError:
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.2)
                finally:
                    client.close()

    await asyncio.gather(*(one(n) for n in names))


@dataclass
class Peer:
    """A server under test: started pinned to `cpu`, read through /proc, stopped and removed."""

    name: str = ""
    version: str = ""
    cpu: int = 0
    keep: bool = False
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="xmpp-bench-")))
    process: subprocess.Popen[bytes] | None = None

    host = "127.0.0.1"

    def start(self) -> None:
        raise NotImplementedError

    async def make_accounts(self, names: list[str]) -> None:
        raise NotImplementedError

    def stalls(self, start: float, end: float) -> str:
        """What the server logged as stalls in this window (only Roost's bench/serve.py does)."""
        return ""

    def pids(self) -> list[int]:
        """All processes of the server (their RSS and CPU are added up)."""
        assert self.process is not None
        return [self.process.pid]

    def rss_kb(self) -> int:
        return sum(proc_status_kb(pid, "VmRSS") for pid in self.pids())

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                total += proc_cpu_seconds(pid)
        return total

    def _wait_port(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                asyncio.run(self._probe())
                return
            except (OSError, xmppraw.XmppError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer on port {self.port}: {self.log_tail()}")

    async def _probe(self) -> None:
        client = await xmppraw.connect(self.host, self.port, seconds=2)
        try:
            await asyncio.wait_for(client.open_stream(DOMAIN), 2)
        finally:
            client.abort()

    def log_tail(self) -> str:
        texts = []
        for path in sorted(self.root.glob("*.log")) + sorted(self.root.glob("logs/*.log")):
            texts.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-2000:])
        return "\n".join(texts)

    def _stop_process(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        self._stop_process()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RoostPeer(Peer):
    """`roost serve` through harness.Server, with plain loopback XMPP and accounts made by `roost user import`."""

    name: str = "Roost"
    shared_roster: bool = False
    server: Server | None = None

    def start(self) -> None:
        self.version = _git_head()
        self.server = Server(
            cpu=self.cpu,
            keep=self.keep,
            root=self.root,
            extra_env={
                "ROOST_XMPP__PORT": str(self.port),
                "ROOST_XMPP__ALLOW_PLAIN_LOOPBACK": "true",
                "ROOST_XMPP__MAX_UNAUTHENTICATED_PER_ADDRESS": "100000",
                "ROOST_XMPP__RESOURCES_PER_USER": "1000",
                "ROOST_SHARED_ROSTER": "true" if self.shared_roster else "false",
                "ROOST_DOMAIN": DOMAIN,
            },
        )
        self.server.start()
        self._wait_port(30)

    def stalls(self, start: float, end: float) -> str:
        return summarise_stalls(self.server.stalls(start, end)) if self.server is not None else ""

    async def make_accounts(self, names: list[str]) -> None:
        """One account by `roost user import` (argon2 + PBKDF2: ~0.3 s of CPU), cloned in SQL for the rest.

        Every clone has the seed's credentials (same password, same salts): a PLAIN login
        still runs the full PBKDF2 over the stored SCRAM salt, as for any account.
        """
        assert self.server is not None
        seed = f"{names[0]}seed"
        csv_path = self.root / "accounts.csv"
        csv_path.write_text(f"username,password\n{seed},{PASSWORD}\n")
        job = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "roost.main",
            "user",
            "import",
            str(csv_path),
            cwd=self.root,
            env=self.server.env(),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(job.communicate(), 300)
        if job.returncode != 0:
            raise RuntimeError(f"roost user import failed: {err.decode()[-2000:]}")
        await asyncio.to_thread(self._clone, seed, names)

    def _clone(self, seed: str, names: list[str]) -> None:
        db = sqlite3.connect(self.root / "data" / "roost.db", timeout=60)
        try:
            with db:
                user_cols = "display_name, title, department, is_admin, is_disabled, is_deleted, created_at"
                cred_cols = ", ".join(
                    ["argon2_hash"]
                    + [
                        f"scram_{a}_{f}"
                        for a in ("sha1", "sha256")
                        for f in ("salt", "iterations", "stored_key", "server_key")
                    ]
                )
                (seed_id,) = db.execute("SELECT id FROM users WHERE username = ?", (seed,)).fetchone()
                for name in names:
                    cur = db.execute(
                        f"INSERT INTO users (username, {user_cols}) SELECT ?, {user_cols} FROM users WHERE id = ?",
                        (name, seed_id),
                    )
                    db.execute(
                        f"INSERT INTO credentials (user_id, {cred_cols}) SELECT ?, {cred_cols} FROM credentials"
                        " WHERE user_id = ?",
                        (cur.lastrowid, seed_id),
                    )
        finally:
            db.close()

    def pids(self) -> list[int]:
        assert self.server is not None
        return [self.server.pid]

    def log_tail(self) -> str:
        return self.server.log_tail() if self.server is not None else ""

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@dataclass
class ProsodyPeer(Peer):
    name: str = "Prosody"

    def start(self) -> None:
        binary = shutil.which("prosody")
        if binary is None:
            raise RuntimeError("prosody is not installed (apt-get install -y prosody)")
        self.version = _first_line(["prosodyctl", "about"], "Prosody")
        for sub in ("data", "certs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        config = self.root / "prosody.cfg.lua"
        config.write_text(_fill("prosody.cfg.lua", root=self.root, port=self.port, domain=DOMAIN))
        log = (self.root / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [*_taskset(self.cpu), binary, "--config", str(config), "-F"],
            cwd=self.root,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        self._wait_port(30)

    async def make_accounts(self, names: list[str]) -> None:
        await _register_all(self.port, names)


@dataclass
class EjabberdPeer(Peer):
    """ejabberd in the foreground (`ejabberdctl foreground`), its own config, spool, logs and node name."""

    name: str = "ejabberd"
    node: str = ""
    epmd_before: list[int] = field(default_factory=list)
    server_pids: list[int] = field(default_factory=list)

    def _ctl(self) -> list[str]:
        return [
            "ejabberdctl",
            "--config-dir",
            str(self.root),
            "--config",
            str(self.root / "ejabberd.yml"),
            "--ctl-config",
            str(self.root / "ejabberdctl.cfg"),
            "--logs",
            str(self.root / "logs"),
            "--spool",
            str(self.root / "spool"),
            "--node",
            self.node,
        ]

    def start(self) -> None:
        if shutil.which("ejabberdctl") is None:
            raise RuntimeError("ejabberd is not installed (apt-get install -y ejabberd)")
        self.epmd_before = _epmd_pids()
        self.node = f"bench{os.getpid()}_{self.port}@localhost"
        for sub in ("logs", "spool"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "inetrc").write_text('{lookup, [file, native]}.\n{host, {127,0,0,1}, ["localhost"]}.\n')
        (self.root / "ejabberd.yml").write_text(_fill("ejabberd.yml", port=self.port, domain=DOMAIN))
        # One scheduler: the server has one CPU (taskset); no kernel poll tuning beyond the defaults.
        (self.root / "ejabberdctl.cfg").write_text('ERLANG_NODE=""\nERL_OPTIONS="+S 1:1 +SDcpu 1:1"\n')
        if os.geteuid() == 0:
            shutil.chown(self.root, "ejabberd", "ejabberd")
            for path in self.root.rglob("*"):
                shutil.chown(path, "ejabberd", "ejabberd")
        log = (self.root / "stdout.log").open("ab")
        # As root, ejabberdctl re-runs itself through `su ejabberd`, whose PAM limits put the open-file
        # limit back to 1,024 (too few for 1,000 clients): start it as that user, with the limit raised.
        as_root = os.geteuid() == 0
        self.process = subprocess.Popen(
            [*_taskset(self.cpu), *self._ctl(), "foreground"],
            cwd=self.root,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_raise_nofile,  # noqa: PLW1509 (only setrlimit, before any thread)
            env={**os.environ, "HOME": "/var/lib/ejabberd"},
            user="ejabberd" if as_root else None,
            group="ejabberd" if as_root else None,
            extra_groups=[] if as_root else None,
        )
        self._wait_port(90)
        self.version = _first_line(["dpkg-query", "-W", "-f", "${Version}", "ejabberd"], "ejabberd")

    async def make_accounts(self, names: list[str]) -> None:
        await _register_all(self.port, names)

    def pids(self) -> list[int]:
        if not self.server_pids:  # found once it answers: the shell of ejabberdctl, erl, beam.smp, its children
            self.server_pids = _pids_mentioning(str(self.root))
        return self.server_pids or super().pids()

    def stop(self) -> None:
        started_epmd = [pid for pid in _epmd_pids() if pid not in self.epmd_before]
        if self.process is not None and self.process.poll() is None:
            subprocess.run([*self._ctl(), "stop"], capture_output=True, timeout=60, check=False)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        for pid in _pids_mentioning(str(self.root)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        # The epmd this node started (if none ran before), once no other node is registered with it.
        names = subprocess.run(["epmd", "-names"], capture_output=True, text=True, timeout=10, check=False).stdout
        if started_epmd and "name " not in names:
            for pid in started_epmd:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        super().stop()


def _raise_nofile() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _epmd_pids() -> list[int]:
    return [pid for pid in _pids_mentioning("epmd") if Path(f"/proc/{pid}/comm").read_text().strip() == "epmd"]


def _first_line(command: list[str], prefix: str) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError:
        return "?"
    for line in out.splitlines():
        if "version" in line.lower() or line.strip():
            return line.strip()[:60] or prefix
    return "?"


def _git_head() -> str:
    from harness import source_version  # noqa: PLC0415

    return source_version()


PEERS: dict[str, type[Peer]] = {"roost": RoostPeer, "prosody": ProsodyPeer, "ejabberd": EjabberdPeer}
