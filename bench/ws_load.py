"""1:1 message delivery over the WebSocket: throughput, latency, CPU and memory of a real server.

Starts its own `roost serve` pinned to CPU 0 (`taskset -c 0`), runs this load
generator on CPU 1, makes 2*N users in N pairs with a direct conversation each,
connects one WebSocket per user and has the first of every pair send to the
second at an aggregate, open-loop rate. Latency is send -> receive, both read
from this machine's CLOCK_MONOTONIC (the send time travels in the message body).

    .venv/bin/python bench/ws_load.py --rate 4000 --duration 10 --pairs 50
    .venv/bin/python bench/ws_load.py --find-max
    .venv/bin/python bench/ws_load.py --database "$ROOST_TEST_POSTGRES" --find-max

See bench/README.md for the goals and the numbers measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import websockets
import wsraw
from harness import (
    Server,
    cpu_busy_seconds,
    make_accounts,
    open_directs,
    percentile,
    pin_self,
    raise_fd_limit,
    run_async,
    self_cpu_seconds,
    source_version,
    summarise_stalls,
)

DEFAULT_STEPS = "1000,2000,4000,6000,8000,10000,12000,16000"
P99_GOAL_MS = 100.0
DELIVERED_GOAL = 0.97  # delivered/offered at least this, in the measured window
BODY_KEY = '"body":'
CLIENT_ID_KEY = '"client_id":'


# ---------------------------------------------------------------- load generator (one process)


@dataclass
class Step:
    """What one worker saw during one step."""

    start: float
    warmup_end: float
    end: float
    sent: int = 0
    sent_window: int = 0
    acks: int = 0
    delivered: int = 0
    delivered_window: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    max_lag_ms: float = 0.0
    cpu_seconds: float = 0.0
    closed: int = 0
    timeline: bool = False
    sends: list[tuple[int, float]] = field(default_factory=list)  # --timeline: (sent ns, latency ms)
    stalls: list[tuple[int, float]] = field(default_factory=list)  # --timeline: (ns, ms) the generator's loop stalled

    def result(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("start", "warmup_end", "end")}


def _number_after(raw: str, key: str) -> int:
    """The integer that opens the string value of `key` in a JSON text ("key": "123 ...")."""
    i = raw.find(key)
    if i < 0:
        return -1
    i = raw.index('"', i + len(key)) + 1
    j = i
    while j < len(raw) and raw[j].isdigit():
        j += 1
    return int(raw[i:j]) if j > i else -1


_WORDS = (
    "the a an and or but so to of in on at for with from about after before today tomorrow tonight "
    "morning lunch coffee meeting call standup review release deploy build test fix bug issue ticket "
    "server client database index query cache login password report draft slides budget invoice order "
    "customer team project plan update status please thanks sure ok yes no maybe later soon now done "
    "check look send share read write open close start stop wait ready late early room office home "
    "monday tuesday friday week month version branch merge commit log error warning backup disk "
)
VOCABULARY = _WORDS.split()


def chat_texts(seed: int, words: int, count: int = 1009) -> list[str]:
    """Chat-like lines (a fixed vocabulary, some numbers): full-text indexing sees realistic input."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        chosen = [rng.choice(VOCABULARY) for _ in range(max(1, words))]
        if rng.random() < 0.3:
            chosen[rng.randrange(len(chosen))] = str(rng.randrange(10_000))
        lines.append(" ".join(chosen))
    return lines


class Worker:
    """The sessions of some pairs, in one process: sends on schedule, reads and times what arrives."""

    def __init__(
        self, ws_url: str, links: list[tuple[str, str, str]], client: str, deflate: bool, *, ping: bool = False
    ) -> None:
        self.ws_url = ws_url
        self.ping = ping
        self.links = links  # (sender token, receiver token, conversation id)
        self.client = client
        self.deflate = deflate
        self.sockets: list[Any] = []
        self.senders: list[Any] = []
        self.conversations: list[str] = []
        self.readers: list[asyncio.Task[None]] = []
        self.step: Step | None = None
        self.total_sent = 0
        self.total_delivered = 0
        self.hellos = 0
        self.seq = 0

    async def _connect(self, token: str, *, receiver: bool) -> Any:
        if self.client == "raw":
            url = urlsplit(self.ws_url)
            assert url.hostname is not None and url.port is not None

            def on_text(text: str, _compressed: bool) -> None:
                self._frame(text, time.monotonic_ns(), receiver=receiver)

            async with asyncio.timeout(60):
                return await wsraw.connect(url.hostname, url.port, url.path, token, on_text)
        ws = await websockets.connect(
            self.ws_url,
            additional_headers={"Authorization": f"Bearer {token}"},
            compression="deflate" if self.deflate else None,
            max_size=None,
            ping_interval=None,
            open_timeout=60,
        )
        self.readers.append(asyncio.create_task(self._read(ws, receiver=receiver)))
        return ws

    async def connect(self) -> None:
        gate = asyncio.Semaphore(32)

        async def pair(sender: str, receiver: str) -> tuple[Any, Any]:
            async with gate:
                return await self._connect(sender, receiver=False), await self._connect(receiver, receiver=True)

        opened = await asyncio.gather(*(pair(s, r) for s, r, _ in self.links))
        for (sender, receiver), (_, _, conversation) in zip(opened, self.links, strict=True):
            self.sockets += [sender, receiver]
            self.senders.append(sender.send_text if self.client == "raw" else sender.send)
            self.conversations.append(conversation)
        deadline = time.monotonic() + 60
        while self.hellos < len(self.sockets) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if self.hellos < len(self.sockets):
            raise RuntimeError(f"only {self.hellos} of {len(self.sockets)} sessions said hello")

    async def _read(self, ws: Any, *, receiver: bool) -> None:
        try:
            async for raw in ws:
                self._frame(raw, time.monotonic_ns(), receiver=receiver)
        except websockets.ConnectionClosed:
            pass
        if self.step is not None:
            self.step.closed += 1

    def _frame(self, raw: str, now: int, *, receiver: bool) -> None:
        head = raw[:30].replace(" ", "")
        if head.startswith('{"type":"message.created"'):
            if receiver:  # the sender's own session gets a copy too (for its other devices): not counted
                self._delivered(raw, now)
        elif head.startswith('{"type":"hello"'):
            self.hellos += 1
        elif self.step is None:
            return
        elif head.startswith('{"type":"ack"'):
            self._acked(self.step, raw, now)
        elif head.startswith('{"type":"error"') or head.startswith('{"type":"closing"'):
            self.step.errors += 1
            if len(self.step.error_samples) < 3:
                self.step.error_samples.append(raw[:300])

    def _delivered(self, raw: str, now: int) -> None:
        self.total_delivered += 1
        step = self.step
        if step is None:
            return
        step.delivered += 1
        sent_ns = _number_after(raw, BODY_KEY)
        if step.warmup_end <= now / 1e9 <= step.end:
            step.delivered_window += 1
        if step.warmup_end <= sent_ns / 1e9 <= step.end:
            step.latencies_ms.append((now - sent_ns) / 1e6)
            if step.timeline:
                step.sends.append((sent_ns, (now - sent_ns) / 1e6))

    def _acked(self, step: Step, raw: str, now: int) -> None:
        step.acks += 1
        i = raw.index(".", raw.index(CLIENT_ID_KEY)) + 1
        sent_ns = int(raw[i : raw.index('"', i)])
        if step.warmup_end <= sent_ns / 1e9 <= step.end:
            step.ack_ms.append((now - sent_ns) / 1e6)
        if self.ping:  # --ping: the pong is the delivery (the WebSocket path alone, no database)
            step.delivered += 1
            if step.warmup_end <= now / 1e9 <= step.end:
                step.delivered_window += 1
            if step.warmup_end <= sent_ns / 1e9 <= step.end:
                step.latencies_ms.append((now - sent_ns) / 1e6)

    async def run_step(
        self, rate: float, start: float, duration: float, warmup: float, texts: list[str], *, timeline: bool = False
    ) -> Step:
        step = Step(start=start, warmup_end=start + warmup, end=start + duration, timeline=timeline)
        self.step = step
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        last = time.monotonic()
        cpu_at_window: float | None = None
        sent = 0
        while True:
            now = time.monotonic()
            if cpu_at_window is None and now >= step.warmup_end:
                cpu_at_window = self_cpu_seconds()
            if now >= step.end:
                break
            if timeline and now - last > 0.01:
                step.stalls.append((int(last * 1e9), (now - last) * 1e3))
            last = now
            due = int((now - start) * rate)
            if due > sent:
                step.max_lag_ms = max(step.max_lag_ms, (now - (start + (sent + 1) / rate)) * 1e3)
                await self._send(step, sent, due, texts)
                sent = due
            await asyncio.sleep(0.001)
        step.cpu_seconds = self_cpu_seconds() - (cpu_at_window or self_cpu_seconds())
        step.sent = sent
        if self.client == "raw":  # the websockets client's readers count closes themselves
            step.closed += sum(1 for ws in self.sockets if ws.closed.done())
        self.total_sent += sent
        # Drain: wait for what is still on its way (bounded).
        deadline = time.monotonic() + max(10.0, duration)
        while time.monotonic() < deadline and (step.delivered < sent or step.acks < sent):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        self.step = None
        return step

    async def _send(self, step: Step, sent: int, due: int, texts: list[str]) -> None:
        n = len(self.senders)
        for k in range(sent, due):
            i = self.seq % n
            self.seq += 1
            ns = time.monotonic_ns()
            frame = (
                f'{{"type":"send","client_id":"{self.seq}.{ns}","conversation_id":"{self.conversations[i]}",'
                f'"body":"{ns} {k} {texts[k % len(texts)]}"}}'
                if not self.ping
                else f'{{"type":"ping","client_id":"{self.seq}.{ns}"}}'
            )
            sent_frame = self.senders[i](frame)
            if sent_frame is not None:  # the websockets client's send is a coroutine
                await sent_frame
            if ns / 1e9 >= step.warmup_end:
                step.sent_window += 1

    async def close(self) -> None:
        self.step = None
        if self.client == "raw":
            for ws in self.sockets:
                ws.close()
            await asyncio.sleep(0.5)
            for ws in self.sockets:
                ws.abort()
        else:
            await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.readers:
            task.cancel()


def worker_main(
    pipe: Connection, ws_url: str, links: list[tuple[str, str, str]], cpu: int, opts: dict[str, Any]
) -> None:
    pin_self(cpu)
    raise_fd_limit(4 * len(links) + 256)

    texts = chat_texts(seed=len(links), words=opts["body_words"])

    async def main() -> None:
        worker = Worker(ws_url, links, opts["client"], opts["deflate"], ping=opts["ping"])
        await worker.connect()
        pipe.send("ready")
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command[0] == "stop":
                break
            _, rate, start, duration, warmup = command
            step = await worker.run_step(rate, start, duration, warmup, texts, timeline=opts["timeline"])
            pipe.send(step.result())
        await worker.close()

    run_async(main())
    pipe.send("done")


# ---------------------------------------------------------------- orchestration


@dataclass
class Row:
    offered: float
    sent: int
    delivered_rate: float
    delivered_pct: float
    acks: int
    errors: int
    closed: int
    p50: float
    p99: float
    max: float
    ack_p50: float
    ack_p99: float
    gen_cpu_pct: float
    gen_lag_ms: float
    server_cpu_pct: float
    loop_cpu_pct: float
    others_pct: float
    commits_per_s: float
    written_mb_s: float
    jobs_per_commit: float
    rss_mb: float
    samples: list[str]
    stalls: str = ""

    @property
    def us_per_msg(self) -> float:
        """Server CPU time per delivered message (robust to other load on the machine)."""
        return 1e4 * self.server_cpu_pct / self.delivered_rate if self.delivered_rate else float("nan")

    @property
    def ok(self) -> bool:
        return (
            self.delivered_rate >= DELIVERED_GOAL * self.offered
            and self.p99 < P99_GOAL_MS
            and self.errors == 0
            and self.closed == 0
        )


# (title, width, format, value): the columns of the results table.
COLUMNS: list[tuple[str, int, str, Any]] = [
    ("offered/s", 9, ".0f", lambda r: r.offered),
    ("deliv/s", 8, ".0f", lambda r: r.delivered_rate),
    ("deliv%", 7, ".2f", lambda r: r.delivered_pct),
    ("acks", 7, "d", lambda r: r.acks),
    ("err", 4, "d", lambda r: r.errors + r.closed),
    ("p50ms", 7, ".1f", lambda r: r.p50),
    ("p99ms", 7, ".1f", lambda r: r.p99),
    ("maxms", 7, ".1f", lambda r: r.max),
    ("ack99", 7, ".1f", lambda r: r.ack_p99),
    ("srvCPU%", 7, ".0f", lambda r: r.server_cpu_pct),
    ("loop%", 5, ".0f", lambda r: r.loop_cpu_pct),
    ("us/msg", 6, ".0f", lambda r: r.us_per_msg),
    ("other%", 6, ".0f", lambda r: r.others_pct),
    ("commit/s", 8, ".0f", lambda r: r.commits_per_s),
    ("msg/cmt", 7, ".1f", lambda r: r.jobs_per_commit),
    ("diskMB/s", 8, ".1f", lambda r: r.written_mb_s),
    ("genCPU%", 7, ".0f", lambda r: r.gen_cpu_pct),
    ("lagms", 6, ".1f", lambda r: r.gen_lag_ms),
    ("RSS MB", 7, ".1f", lambda r: r.rss_mb),
]
HEADER = " ".join(f"{title:>{width}}" for title, width, _, _ in COLUMNS) + " ok"
LEGEND = """\
columns: deliv/s = message.created frames the recipients got per second in the measured window;
  deliv% = delivered of sent, after draining; err = error frames + closed connections;
  p50/p99/max = send -> receive latency (ms) of the messages sent in the window; ack99 = send -> ack p99;
  srvCPU% = server CPU, all threads, / wall time; loop% = its event-loop thread alone;
  us/msg = server CPU per delivered message; other% = CPU time other processes took on the server's CPU
  (noise: the machine is shared); commit/s, msg/cmt = group-commit transactions per second and jobs in each;
  diskMB/s = bytes the server had written to storage (WAL, checkpoints); genCPU% = load generator CPU;
  lagms = how far the generator fell behind its schedule; RSS MB = server peak RSS (reset after set-up)."""


def format_row(row: Row) -> str:
    cells = " ".join(f"{value(row):>{width}{fmt}}" for _, width, fmt, value in COLUMNS)
    return f"{cells} {'yes' if row.ok else 'NO'}"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.server = Server(
            database_url=args.database,
            cpu=args.server_cpu,
            ws_impl=args.ws_impl,
            deflate=args.server_deflate,
            keep=args.keep or bool(args.state),
        )
        if args.state:
            os.rmdir(self.server.root)  # the fresh temporary folder is not needed
            self.server.root = Path(args.state).resolve()
            self.server.root.mkdir(parents=True, exist_ok=True)
        self.pipes: list[Connection] = []
        self.procs: list[mp.process.BaseProcess] = []

    def setup(self) -> None:
        args = self.args
        t = time.monotonic()
        self.server.start()
        print(f"server pid {self.server.pid} on CPU {args.server_cpu}, data in {self.server.root}", flush=True)
        links = self._links()
        ctx = mp.get_context("spawn")
        client = "websockets" if args.deflate else args.client  # the raw client does not inflate
        opts = {
            "client": client,
            "deflate": args.deflate,
            "body_words": args.body_words,
            "ping": args.ping,
            "timeline": bool(args.timeline),
        }
        for w in range(args.procs):
            mine = links[w :: args.procs]
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child, self.server.ws_url, mine, args.client_cpu, opts))
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        for pipe in self.pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise RuntimeError("a load worker did not connect")
        self.server.set_cpus(str(args.server_cpu))
        self.server.reset_hwm()
        print(
            f"set up {2 * args.pairs} users, {args.pairs} directs, {2 * args.pairs} WebSockets "
            f"in {time.monotonic() - t:.1f}s; server RSS {self.server.rss_kb() / 1024:.1f} MB",
            flush=True,
        )

    def _links(self) -> list[tuple[str, str, str]]:
        """(sender token, receiver token, conversation id) per pair, made now or kept from an earlier --state run."""
        args = self.args
        saved = self.server.root / "bench-links.json"
        if args.state and saved.exists():
            kept = [tuple(link) for link in json.loads(saved.read_text())]
            token_works = (
                httpx.get(
                    f"{self.server.url}/api/v1/me", headers={"Authorization": f"Bearer {kept[0][0]}"}, timeout=30
                ).status_code
                == 200
            )
            if len(kept) >= args.pairs and token_works:  # a new database (PostgreSQL) has none of them
                print(f"reusing {args.pairs} of {len(kept)} pairs from {saved}", flush=True)
                return kept[: args.pairs]  # type: ignore[return-value]
        # Accounts cost an argon2 hash and check each: let set-up use both CPUs, then pin again.
        self.server.set_cpus(f"{args.server_cpu},{args.client_cpu}")
        accounts = run_async(make_accounts(self.server.url, 2 * args.pairs))
        assert isinstance(accounts, list)
        pairs = [(accounts[2 * i], accounts[2 * i + 1]) for i in range(args.pairs)]
        conversations = run_async(open_directs(self.server.url, pairs))
        assert isinstance(conversations, list)
        links = [(a.token, b.token, c) for (a, b), c in zip(pairs, conversations, strict=True)]
        if args.state:
            saved.write_text(json.dumps(links))
        return links

    def step(self, rate: float) -> Row:
        args = self.args
        start = time.monotonic() + 0.5
        for pipe in self.pipes:
            pipe.send(("run", rate / args.procs, start, args.duration, args.warmup))
        time.sleep(max(0.0, start + args.warmup - time.monotonic()))
        before = self._gauges()
        spy = self._profile(rate, args.duration - args.warmup)
        time.sleep(max(0.0, start + args.duration - time.monotonic()))
        after = self._gauges()
        time.sleep(0.6)  # the writer stats file is rewritten every 0.5 s
        after.update(self.server.writer_stats())
        results = [pipe.recv() for pipe in self.pipes]
        seconds = after["t"] - before["t"]
        d = {k: (after[k] - before[k]) / seconds for k in before if k != "t"}
        if spy is not None:
            spy.wait(60)
        if args.timeline:
            self._save_timeline(rate, results)
        window = args.duration - args.warmup
        latencies = sorted(x for r in results for x in r["latencies_ms"])
        ack_ms = sorted(x for r in results for x in r["ack_ms"])
        sent = sum(r["sent"] for r in results)
        delivered = sum(r["delivered"] for r in results)
        return Row(
            offered=rate,
            sent=sent,
            delivered_rate=sum(r["delivered_window"] for r in results) / window,
            delivered_pct=100.0 * delivered / sent if sent else 0.0,
            acks=sum(r["acks"] for r in results),
            errors=sum(r["errors"] for r in results),
            closed=sum(r["closed"] for r in results),
            p50=percentile(latencies, 50),
            p99=percentile(latencies, 99),
            max=latencies[-1] if latencies else float("nan"),
            ack_p50=percentile(ack_ms, 50),
            ack_p99=percentile(ack_ms, 99),
            gen_cpu_pct=100.0 * sum(r["cpu_seconds"] for r in results) / window,
            gen_lag_ms=max(r["max_lag_ms"] for r in results),
            server_cpu_pct=100.0 * d["cpu"],
            loop_cpu_pct=100.0 * d["loop"],
            others_pct=100.0 * (d["cpu0_busy"] - d["cpu"]),
            written_mb_s=d["written"] / 1e6,
            commits_per_s=d["commits"],
            jobs_per_commit=d["jobs"] / max(d["commits"], 1e-9),
            rss_mb=self.server.hwm_kb() / 1024,
            samples=[s for r in results for s in r["error_samples"]][:3],
            stalls=summarise_stalls(self.server.stalls(start + args.warmup, start + args.duration)),
        )

    def _save_timeline(self, rate: float, results: list[dict[str, Any]]) -> None:
        """--timeline PREFIX: PREFIX-<rate>.json, every measured message's (sent ns, latency ms) and the
        generator's stalls, on CLOCK_MONOTONIC (the server's clock too: compare with its own logs)."""
        sends = sorted(x for r in results for x in r["sends"])
        stalls = sorted(x for r in results for x in r["stalls"])
        path = Path(f"{self.args.timeline}-{rate:.0f}.json")
        path.write_text(json.dumps({"sends": sends, "generator_stalls": stalls}))
        print(f"    timeline -> {path}", flush=True)

    def _gauges(self) -> dict[str, float]:
        """Cumulative server counters; a step reports their change per second over its window."""
        server = self.server
        gauges: dict[str, float] = {
            "t": time.monotonic(),
            "cpu": server.cpu_seconds(),
            "loop": server.loop_cpu_seconds(),
            "cpu0_busy": cpu_busy_seconds(self.args.server_cpu),
            "written": server.write_bytes(),
        }
        gauges.update(server.writer_stats())
        return gauges

    def _profile(self, rate: float, seconds: float) -> subprocess.Popen[bytes] | None:
        """py-spy the server through the measured window (--py-spy PREFIX: PREFIX-<rate>.svg)."""
        if not self.args.py_spy:
            return None
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        out = f"{self.args.py_spy}-{rate:.0f}.{'txt' if self.args.py_spy_format == 'raw' else 'svg'}"
        command = [spy, "record", "--pid", str(self.server.pid), "--duration", str(max(1, int(seconds)))]
        command += ["--rate", "250", "--format", self.args.py_spy_format, "--output", out, "--threads", "--nonblocking"]
        if self.args.py_spy_gil:
            command.append("--gil")  # only the thread holding the GIL: where Python CPU goes
        print(f"    py-spy -> {out}", flush=True)
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def report(self, row: Row) -> None:
        print(format_row(row), flush=True)
        if row.stalls:
            print(f"    stalls: {row.stalls}", flush=True)
        for sample in row.samples:
            print(f"    error: {sample}", flush=True)

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop",))
        for proc in self.procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
        self.server.stop()


def find_max(bench: Bench, rates: list[float]) -> list[Row]:
    rows: list[Row] = []
    last_ok: float | None = None
    for rate in rates:
        row = bench.step(rate)
        bench.report(row)
        rows.append(row)
        if row.ok:
            last_ok = rate
            continue
        if bench.args.all_steps:
            continue
        if last_ok is not None and rate - last_ok > 1000:  # one refinement between the last pass and this
            mid = round((rate + last_ok) / 2 / 500) * 500
            if last_ok < mid < rate:
                row = bench.step(mid)
                bench.report(row)
                rows.append(row)
        break
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=2000, help="aggregate messages/s offered (default 2000)")
    p.add_argument("--duration", type=float, default=10, help="seconds of sending per step (default 10)")
    p.add_argument("--warmup", type=float, default=2, help="first seconds of a step left out of the numbers")
    p.add_argument("--pairs", type=int, default=50, help="sender/receiver pairs (default 50: 100 users)")
    p.add_argument("--procs", type=int, default=1, help="load generator processes (default 1)")
    p.add_argument("--body-words", type=int, default=12, help="words of chat-like text per message (default 12)")
    p.add_argument("--database", default="", help="postgresql://... (default: SQLite in a temporary folder)")
    p.add_argument("--find-max", action="store_true", help="step the rate up until delivery or p99 fails")
    p.add_argument("--steps", default=DEFAULT_STEPS, help=f"rates for --find-max (default {DEFAULT_STEPS})")
    p.add_argument(
        "--ping",
        action="store_true",
        help="send ping commands instead of messages: the WebSocket and command path alone, without the database",
    )
    p.add_argument("--all-steps", action="store_true", help="with --find-max: run every step, even after a failure")
    p.add_argument(
        "--client",
        choices=["raw", "websockets"],
        default="raw",
        help="load generator's WebSocket client: raw (bench/wsraw.py, cheapest) or the websockets library",
    )
    p.add_argument("--deflate", action="store_true", help="offer permessage-deflate, as browsers do")
    p.add_argument("--server-deflate", choices=["", "0", "1"], default="", help="force the server's deflate")
    p.add_argument("--ws-impl", default="", help="uvicorn ws= for the server (websockets, websockets-sansio, wsproto)")
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the server's data folder")
    p.add_argument(
        "--state",
        default="",
        metavar="DIR",
        help="server data folder kept between runs, with its users and tokens (skips the slow set-up next time)",
    )
    p.add_argument("--py-spy", default="", metavar="PREFIX", help="profile the server in each step with py-spy")
    p.add_argument("--py-spy-format", default="flamegraph", choices=["flamegraph", "raw", "speedscope"])
    p.add_argument("--py-spy-gil", action="store_true", help="sample only the thread holding the GIL")
    p.add_argument(
        "--timeline",
        default="",
        metavar="PREFIX",
        help="write each step's per-message latencies and generator stalls to PREFIX-<rate>.json",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.warmup >= args.duration:
        raise SystemExit("--warmup must be shorter than --duration")
    pin_self(args.client_cpu)
    bench = Bench(args)
    database = "PostgreSQL" if args.database else "SQLite (WAL, synchronous=FULL)"
    print(
        f"roost ws_load: {database}, {args.pairs} pairs, {args.procs} generator process(es) on CPU "
        f"{args.client_cpu}, server on CPU {args.server_cpu}, body ~{args.body_words} words, "
        f"deflate {'offered' if args.deflate else 'not offered'}, ws impl {args.ws_impl or 'server default'}, "
        f"{args.duration:g}s steps ({args.warmup:g}s warm-up left out); code {source_version()}",
        flush=True,
    )
    try:
        bench.setup()
        print(LEGEND, flush=True)
        print(HEADER, flush=True)
        if args.find_max:
            rows = find_max(bench, [float(r) for r in args.steps.split(",")])
            passing = [r.offered for r in rows if r.ok]
            best = max(passing) if passing else None
            peak = max(rows, key=lambda r: r.delivered_rate)
            print(
                f"peak delivered: {peak.delivered_rate:.0f} msgs/s (offered {peak.offered:.0f}, "
                f"p99 {peak.p99:.0f} ms, server CPU {peak.us_per_msg:.0f} us/msg)",
                flush=True,
            )
            print(
                f"max sustained rate: {best:.0f} msgs/s (delivered >= {DELIVERED_GOAL:.0%} of offered, "
                f"p99 < {P99_GOAL_MS:.0f} ms, no errors)"
                if best
                else "no step met the goal",
                flush=True,
            )
        else:
            bench.report(bench.step(args.rate))
        print(f"server peak RSS (VmHWM): {bench.server.hwm_kb() / 1024:.1f} MB", flush=True)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
