"""A real Roost server process on a loopback port, for API and end-to-end tests."""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ADMIN_PASSWORD = "admin-password-1"
# `roost init` (imports, argon2, the certificate, migrations) takes seconds and every test
# module starts a server: its result is made once per test process and copied. Only for
# the SQLite default: a PostgreSQL database is not in the folder.
_INIT_TEMPLATES: dict[tuple[tuple[str, str], ...], Path] = {}


# Below Linux's ephemeral range (32768-60999): a port taken from that range can be handed to
# a client's outgoing connection before the server binds it, as happened once in CI.
_PORTS = range(20000, 32000)


def free_port() -> int:
    """A loopback port nothing listens on now, outside the range outgoing connections use."""
    for _ in range(100):
        port = random.choice(_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port")


class PortTaken(RuntimeError):
    """The server could not bind one of its ports."""


@dataclass
class ServerProcess:
    """`roost init` once, then `roost serve` as often as a test needs."""

    root: Path
    database_url: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    xmpp_port: int = field(default_factory=free_port)
    xmpp_tls_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/events/ws"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROOST_")}
        env.update(
            ROOST_CONFIG=str(self.root / "roost.toml"),
            ROOST_HTTP__PORT=str(self.port),
            ROOST_XMPP__PORT=str(self.xmpp_port),
            ROOST_XMPP__TLS_PORT=str(self.xmpp_tls_port),
            ROOST_ADMIN_PASSWORD=ADMIN_PASSWORD,
            ROOST_AUTH__THROTTLE_FREE_FAILURES="5",
            # argon2id at its cheapest: the tests make hundreds of people; the same code runs
            ROOST_AUTH__ARGON2_TIME_COST="1",
            ROOST_AUTH__ARGON2_MEMORY_KIB="64",
            ROOST_AUTH__ARGON2_PARALLELISM="1",
            # what the admin CLI changes reaches sessions sooner (2 s by default): the tests
            # that run the CLI wait less; the same code runs
            ROOST_DATABASE__FOLLOW_SECONDS="0.5",
        )
        if self.database_url:
            env["ROOST_DATABASE__URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def roost(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "roost.main", *args],
            cwd=self.root,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def init(self) -> None:
        key = tuple(sorted(self.extra_env.items()))
        template = None if self.database_url else _INIT_TEMPLATES.get(key)
        if template is not None and (not self.root.exists() or not any(self.root.iterdir())):
            shutil.copytree(template, self.root, dirs_exist_ok=True)
            return
        self.root.mkdir(parents=True, exist_ok=True)
        result = self.roost("init")
        assert result.returncode == 0, result.stderr
        if not self.database_url and key not in _INIT_TEMPLATES and _is_fresh_init(self.root):
            copy = Path(tempfile.mkdtemp(prefix="roost-init-")) / "root"
            atexit.register(shutil.rmtree, copy.parent, True)
            shutil.copytree(self.root, copy)
            _INIT_TEMPLATES[key] = copy

    def start(self) -> None:
        for _ in range(3):
            try:
                self._start()
                return
            except PortTaken:  # another test process bound it first: new ports, once more
                self.port, self.xmpp_port, self.xmpp_tls_port = free_port(), free_port(), free_port()
        self._start()

    def _start(self) -> None:
        log = (self.root / "server.log").open("ab")
        start = log.tell()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "roost.main", "serve"], cwd=self.root, env=self.env(), stdout=log, stderr=log
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                tail = self.log_tail()
                if "address already in use" in (self.root / "server.log").read_text(errors="replace")[start:]:
                    self._set_aside(start)
                    raise PortTaken(tail)
                raise RuntimeError(f"server exited: {tail}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_tail()}")

    def _set_aside(self, start: int) -> None:
        """The log of a start that lost its port to another test process goes to a file of its
        own: its ERROR lines are no server's fault, and tests read server.log for errors."""
        path = self.root / "server.log"
        with path.open("r+b") as log:
            log.seek(start)
            failed = log.read()
            log.truncate(start)
        with (self.root / "server-port-taken.log").open("ab") as aside:
            aside.write(failed)

    def log_tail(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def _is_fresh_init(root: Path) -> bool:
    """Only what `roost init` makes: the config and the data folder (no logs, no uploads yet)."""
    return {p.name for p in root.iterdir()} == {"roost.toml", "data"}


@contextlib.contextmanager
def server_with(root: Path, database_url: str = "", **settings: str) -> Iterator[ServerProcess]:
    """A started server of a test's or a module's own, with these settings (ROOST_… variables);
    killed if the test leaves it running."""
    proc = ServerProcess(root, database_url=database_url, extra_env=settings)
    proc.init()
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()
