"""XMPP c2s load on plain TCP over loopback: Roost against Prosody and ejabberd, in one run.

Each server runs pinned to CPU 0 (started and stopped here, configs from bench/peers/);
this load generator (bare asyncio, bench/xmppraw.py) pins itself to CPU 1. For each
server, in order:

- login: connections that each open a stream, authenticate with SASL PLAIN, bind,
  send initial presence and close, `--login-concurrency` at a time: logins/s;
- memory: `--clients` sessions logged in and idle (with presence), the server's RSS
  (all its processes) read at 5 checkpoints: KB per connected client (least-squares slope);
- chat: the first 2*`--pairs` of those sessions in pairs, the first of each pair sending
  chat messages to the second at open-loop rates stepping up (`--chat-steps`): delivered
  msgs/s, send -> receive latency p50/p99 (the send time is in the body);
- muc: one room of `--occupants` (the MUC service found through disco#items), `--senders`
  of them sending groupchat messages: deliveries/s to occupants (every message reaches
  every occupant, the sender's reflection included), latency p50/p99. "n/a" when the
  server offers no MUC service.

    .venv/bin/python bench/xmpp_load.py                       # all servers, all scenarios
    .venv/bin/python bench/xmpp_load.py --servers roost --scenarios login,memory
    .venv/bin/python bench/xmpp_load.py --repeat 3 --json /tmp/xmpp.json

See bench/README.md ("XMPP c2s against Prosody and ejabberd") for the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import xmppraw
from harness import cpu_busy_seconds, percentile, pin_self, raise_fd_limit, run_async, self_cpu_seconds
from ws_load import chat_texts
from xmpp_peers import DOMAIN, PASSWORD, PEERS, Peer

P99_GOAL_MS = 100.0
DELIVERED_GOAL = 0.97
MUC_NS = "http://jabber.org/protocol/muc"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
ITEM_JID = re.compile(rb"<item\b[^>]*?\bjid=['\"]([^'\"]+)['\"]")
STATUS_110 = re.compile(rb"code=['\"]110['\"]")
# Stanza ids unique over the whole run: Roost stores a re-used id (XEP-0359 origin-id or
# the stanza id) once per sender, as a re-sent message, so ids that restart each step
# would be dropped as duplicates.
MESSAGE_IDS = itertools.count()


# ---------------------------------------------------------------- measurement windows


@dataclass
class Window:
    """Counts and latencies of the deliveries in one step (times in CLOCK_MONOTONIC ns)."""

    w0: int = 0
    w1: int = 0
    delivered: int = 0
    delivered_window: int = 0
    latencies: list[int] = field(default_factory=list)

    def on_body(self, sent_ns: int, now_ns: int) -> None:
        self.delivered += 1
        if self.w0 <= now_ns <= self.w1:
            self.delivered_window += 1
        if self.w0 <= sent_ns <= self.w1:
            self.latencies.append(now_ns - sent_ns)


class Meter:
    """Server CPU (all its processes), CPU 0 busy time (for other%), and this process's CPU."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.t = time.monotonic()
        self.server = peer.cpu_seconds()
        self.cpu0 = cpu_busy_seconds(peer.cpu)
        self.me = self_cpu_seconds()

    def read(self) -> dict[str, float]:
        wall = time.monotonic() - self.t
        server = self.peer.cpu_seconds() - self.server
        cpu0 = cpu_busy_seconds(self.peer.cpu) - self.cpu0
        return {
            "wall": wall,
            "server_cpu_s": server,
            "server_pct": 100 * server / wall,
            "other_pct": max(0.0, 100 * (cpu0 - server) / wall),
            "gen_pct": 100 * (self_cpu_seconds() - self.me) / wall,
        }


# ---------------------------------------------------------------- sessions


@dataclass
class Session:
    user: str
    client: xmppraw.Client


async def login(peer: Peer, user: str, resource: str, window: Window | None, *, presence: bool = True) -> Session:
    client = await xmppraw.connect(peer.host, peer.port, window.on_body if window else None)
    try:
        await client.login(DOMAIN, user, PASSWORD, resource, presence=presence)
    except BaseException:
        client.abort()
        raise
    return Session(user, client)


async def login_rate(peer: Peer, users: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Connect, stream, PLAIN, bind, presence, close, `concurrency` at a time, for `duration` seconds."""
    start = time.monotonic()
    w0, w1 = start + args.warmup, start + args.login_duration
    done: list[float] = []  # completion times within the window
    times: list[float] = []  # login durations (connect -> bound) within the window
    errors: list[str] = []
    counter = 0

    async def worker(k: int) -> None:
        nonlocal counter
        while time.monotonic() < w1:
            user = users[counter % len(users)]
            counter += 1
            t0 = time.monotonic()
            try:
                session = await login(peer, user, f"l{k}-{counter}", None, presence=not args.login_no_presence)
            except (OSError, xmppraw.XmppError, TimeoutError) as error:
                if len(errors) < 1000:
                    errors.append(repr(error)[:200])
                await asyncio.sleep(0.05)
                continue
            t1 = time.monotonic()
            session.client.close()
            if w0 <= t1 <= w1:
                done.append(t1)
                times.append(t1 - t0)

    cpu: dict[str, float] = {}

    async def meter_window() -> None:
        await asyncio.sleep(max(0.0, w0 - time.monotonic()))
        meter = Meter(peer)
        await asyncio.sleep(max(0.0, w1 - time.monotonic()))
        cpu.update(meter.read())

    await asyncio.gather(meter_window(), *(worker(k) for k in range(args.login_concurrency)))
    window = w1 - w0
    times.sort()
    rate = len(done) / window
    await asyncio.sleep(1.0)  # let the closes finish before the next scenario
    return {
        "logins_per_s": rate,
        "login_p50_ms": 1e3 * percentile(times, 50),
        "login_p99_ms": 1e3 * percentile(times, 99),
        "errors": len(errors),
        "error_samples": errors[:3],
        "us_per_login": 1e6 * cpu["server_cpu_s"] / len(done) if done else float("nan"),
        **{k: cpu[k] for k in ("server_pct", "other_pct", "gen_pct")},
    }


async def connect_idle(
    peer: Peer, users: list[str], count: int, window: Window, args: argparse.Namespace
) -> tuple[list[Session], dict[str, Any]]:
    """`count` sessions (bound, with presence), RSS read before and at 4 checkpoints: KB per client."""
    gate = asyncio.Semaphore(args.login_concurrency)
    sessions: list[Session] = []

    async def one(i: int) -> None:
        async with gate:
            for attempt in range(3):
                try:
                    session = await login(peer, users[i % len(users)], f"s{i}", window, presence=args.presence == "all")
                    break
                except (OSError, xmppraw.XmppError, TimeoutError):
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.5)
            session.client.go_hot()
            sessions.append(session)

    # Warm-up batch (opened and closed): first allocations, caches, code paths.
    warm = min(100, count)
    await asyncio.gather(*(one(i) for i in range(warm)))
    for s in sessions:
        s.client.close()
    sessions.clear()
    await asyncio.sleep(2.0)
    points: list[tuple[int, int]] = [(0, _settled_rss(peer))]
    opened = 0
    for target in (count // 4, count // 2, 3 * count // 4, count):
        await asyncio.gather(*(one(i) for i in range(opened, target)))
        opened = target
        await asyncio.sleep(2.0)
        points.append((opened, _settled_rss(peer)))
    idle = Meter(peer)
    await asyncio.sleep(3.0)
    idle_pct = idle.read()["server_pct"]
    slope = _slope(points)
    (n0, r0), (n1, r1) = points[0], points[-1]
    return sessions, {
        "clients": count,
        "rss_before_mb": r0 / 1024,
        "rss_after_mb": r1 / 1024,
        "kb_per_client": (r1 - r0) / max(1, n1 - n0),
        "kb_per_client_slope": slope,
        "points": points,
        "idle_server_pct": idle_pct,
    }


def _settled_rss(peer: Peer) -> int:
    return peer.rss_kb()


def _slope(points: list[tuple[int, int]]) -> float:
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else float("nan")


# ---------------------------------------------------------------- open-loop steps


@dataclass
class Row:
    offered: float  # messages/s sent (chat) or deliveries/s offered (muc)
    delivered_rate: float
    delivered_pct: float
    p50: float
    p99: float
    max: float
    errors: int
    closed: int
    server_pct: float
    other_pct: float
    gen_pct: float
    lag_ms: float
    us_per_delivery: float
    stalls: str = ""  # Roost's stall log of the measured window (bench/serve.py)

    @property
    def ok(self) -> bool:
        return (
            self.delivered_rate >= DELIVERED_GOAL * self.offered
            and self.p99 < P99_GOAL_MS
            and self.errors == 0
            and self.closed == 0
        )


HEADER = (
    f"{'offered/s':>9} {'deliv/s':>8} {'deliv%':>7} {'p50ms':>7} {'p99ms':>7} {'maxms':>7} {'err':>4} "
    f"{'srvCPU%':>7} {'us/dlv':>6} {'other%':>6} {'genCPU%':>7} {'lagms':>6} ok"
)


def format_row(r: Row) -> str:
    return (
        f"{r.offered:>9.0f} {r.delivered_rate:>8.0f} {r.delivered_pct:>7.2f} {r.p50:>7.1f} {r.p99:>7.1f} "
        f"{r.max:>7.1f} {r.errors + r.closed:>4d} {r.server_pct:>7.0f} {r.us_per_delivery:>6.0f} "
        f"{r.other_pct:>6.0f} {r.gen_pct:>7.0f} {r.lag_ms:>6.1f} {'yes' if r.ok else 'NO'}"
    )


async def run_step(
    peer: Peer,
    senders: list[tuple[xmppraw.Client, bytes]],
    everyone: list[Session],
    window: Window,
    rate: float,
    fanout: int,
    kind: str,
    args: argparse.Namespace,
    texts: list[str],
) -> Row:
    """Send `rate` messages/s round-robin over `senders` (client, to) for `duration` seconds."""
    errors0 = sum(s.client.errors for s in everyone)
    closed0 = sum(1 for s in everyone if s.client.closed)
    start = time.monotonic() + 0.2
    window.w0 = int((start + args.warmup) * 1e9)
    window.w1 = int((start + args.duration) * 1e9)
    window.delivered = window.delivered_window = 0
    window.latencies = []
    delivered_at_start = window.delivered
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    meter: Meter | None = None
    sent = sent_window = 0
    lag = 0.0
    n = len(senders)
    end = start + args.duration
    warm_end = start + args.warmup
    while True:
        now = time.monotonic()
        if meter is None and now >= warm_end:
            meter = Meter(peer)
        if now >= end:
            break
        due = int((now - start) * rate)
        if due > sent:
            lag = max(lag, (now - (start + (sent + 1) / rate)) * 1e3)
            for k in range(sent, due):
                client, to = senders[k % n]
                ns = time.monotonic_ns()
                client.send(
                    b"<message to='%s' type='%s' id='m%d'><body>%d %d %s</body></message>"
                    % (to, kind.encode(), next(MESSAGE_IDS), ns, k, texts[k % len(texts)].encode())
                )
                if now >= warm_end:
                    sent_window += 1
            sent = due
        await asyncio.sleep(0.001)
    assert meter is not None
    cpu = meter.read()
    expected = sent * fanout
    deadline = time.monotonic() + max(5.0, args.duration)
    while time.monotonic() < deadline and window.delivered - delivered_at_start < expected:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    measured = args.duration - args.warmup
    lat = sorted(x / 1e6 for x in window.latencies)
    delivered_rate = window.delivered_window / measured
    errors = sum(s.client.errors for s in everyone) - errors0
    for s in everyone:
        if s.client.error_samples and errors:
            print(f"    error sample: {s.client.error_samples[0][:300]!r}", flush=True)
            break
    return Row(
        offered=rate * fanout,
        delivered_rate=delivered_rate,
        delivered_pct=100 * window.delivered / expected if expected else 0.0,
        p50=percentile(lat, 50),
        p99=percentile(lat, 99),
        max=lat[-1] if lat else float("nan"),
        errors=errors,
        closed=sum(1 for s in everyone if s.client.closed) - closed0,
        server_pct=cpu["server_pct"],
        other_pct=cpu["other_pct"],
        gen_pct=cpu["gen_pct"],
        lag_ms=lag,
        us_per_delivery=1e6 * cpu["server_cpu_s"] / (delivered_rate * cpu["wall"]) if delivered_rate else float("nan"),
        stalls=peer.stalls(warm_end, end),
    )


async def quiesce(window: Window, quiet: float = 1.0, bound: float = 60.0) -> None:
    """Wait (bounded) until deliveries stop arriving: a late backlog must not count in the next step."""
    deadline = time.monotonic() + bound
    last = -1
    while time.monotonic() < deadline and window.delivered != last:
        last = window.delivered
        await asyncio.sleep(quiet)


async def find_max(
    window: Window,
    label: str,
    steps: list[float],
    fanout: int,
    step: Any,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Step the offered rate up until a step fails, then try once between the last pass and it."""
    print(f"  {label}: {HEADER}", flush=True)
    rows: list[Row] = []
    best: Row | None = None
    failed: Row | None = None
    for rate in steps:
        await quiesce(window)
        row = await step(rate)
        rows.append(row)
        print(f"  {label}: {format_row(row)}", flush=True)
        if row.stalls:
            print(f"  {label}:     stalls: {row.stalls}", flush=True)
        if row.ok:
            best = row
        else:
            failed = row
            if not args.all_steps:
                break
    if failed is not None and not args.all_steps:
        low = best.offered / fanout if best else 0.0
        middle = (low + failed.offered / fanout) / 2
        if middle > low * 1.1:
            await quiesce(window)
            row = await step(middle)
            rows.append(row)
            print(f"  {label}: {format_row(row)}", flush=True)
            if row.ok and (best is None or row.offered > best.offered):
                best = row
    peak = max(rows, key=lambda r: r.delivered_rate)
    return {
        "max_ok": best.delivered_rate if best else 0.0,
        "max_ok_offered": best.offered if best else 0.0,
        "p50_at_max": best.p50 if best else float("nan"),
        "p99_at_max": best.p99 if best else float("nan"),
        "us_at_max": best.us_per_delivery if best else float("nan"),
        "peak": peak.delivered_rate,
        "us_at_peak": peak.us_per_delivery,
        "other_pct": statistics.fmean(r.other_pct for r in rows),
        "rows": [r.__dict__ | {"ok": r.ok} for r in rows],
    }


async def chat(
    peer: Peer, sessions: list[Session], window: Window, args: argparse.Namespace, texts: list[str]
) -> dict[str, Any]:
    pairs = min(args.pairs, len(sessions) // 2)
    # To the full JID: without initial presence (--presence login) a bare JID reaches no resource.
    senders = [(sessions[2 * i].client, sessions[2 * i + 1].client.jid.encode()) for i in range(pairs)]
    used = sessions[: 2 * pairs]
    steps = [float(x) for x in args.chat_steps.split(",")]
    # Prime: one message per pair, not measured (Roost opens each pair's direct conversation on first use).
    primed = window.delivered
    for k, (client, to) in enumerate(senders):
        client.send(b"<message to='%s' type='chat' id='p%d'><body>0 prime</body></message>" % (to, k))
    deadline = time.monotonic() + 120
    while window.delivered - primed < pairs and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    print(f"  {peer.name} 1:1: primed {window.delivered - primed} of {pairs} pairs", flush=True)
    await asyncio.sleep(1.0)

    async def step(rate: float) -> Row:
        return await run_step(peer, senders, used, window, rate, 1, "chat", args, texts)

    return {"pairs": pairs} | await find_max(window, f"{peer.name} 1:1", steps, 1, step, args)


async def find_muc(peer: Peer, session: Session) -> str | None:
    """The MUC service: a disco#items item of the server whose disco#info has the MUC feature."""
    client = session.client
    client.hot = False
    try:
        items = await client.iq(f"<iq type='get' id='di1' to='{DOMAIN}'><query xmlns='{DISCO_ITEMS}'/></iq>".encode())
        for found in ITEM_JID.finditer(items):
            jid = found.group(1).decode()
            info = await client.iq(f"<iq type='get' id='dn1' to='{jid}'><query xmlns='{DISCO_INFO}'/></iq>".encode())
            if f"var='{MUC_NS}'".encode() in info or f'var="{MUC_NS}"'.encode() in info:
                return jid
        return None
    except (xmppraw.XmppError, TimeoutError):
        return None
    finally:
        client.go_hot()


async def muc(
    peer: Peer, sessions: list[Session], window: Window, args: argparse.Namespace, texts: list[str]
) -> dict[str, Any]:
    service = await find_muc(peer, sessions[0])
    if service is None:
        return {"na": "no MUC yet" if peer.name == "Roost" else "no MUC service found"}
    occupants = sessions[: args.occupants]
    room = f"bench{int(time.time())}@{service}"
    creator = occupants[0].client
    creator.hot = False
    creator.send(f"<presence to='{room}/n0'><x xmlns='{MUC_NS}'><history maxstanzas='0'/></x></presence>".encode())
    await creator.expect(re.compile(rb"<presence\b[^>]*>(?:(?!</presence>).)*code=['\"]110['\"].*?</presence>", re.S))
    # An instant room (XEP-0045 §10.1.2), in case the service locks new rooms until configured.
    await creator.iq(
        f"<iq type='set' id='own1' to='{room}'><query xmlns='{MUC_NS}#owner'>"
        "<x xmlns='jabber:x:data' type='submit'/></query></iq>".encode()
    )
    # Mediated invitations (XEP-0045 §7.8.2) make the occupants members: a room made from
    # XMPP on Roost is members-only (its rooms are invite-only unless opened on the web);
    # on the peers' open rooms an invitation only sends the invitee a message.
    for s in occupants[1:]:
        creator.send(
            f"<message to='{room}'><x xmlns='{MUC_NS}#user'><invite to='{s.user}@{DOMAIN}'/></x></message>".encode()
        )
    await creator.iq(f"<iq type='get' id='inv1' to='{DOMAIN}'><ping xmlns='urn:xmpp:ping'/></iq>".encode())
    creator.go_hot()
    gate = asyncio.Semaphore(20)

    async def join(i: int, s: Session) -> None:
        async with gate:
            c = s.client
            c.hot = False
            c.buffer.clear()
            c.send(f"<presence to='{room}/n{i}'><x xmlns='{MUC_NS}'><history maxstanzas='0'/></x></presence>".encode())
            await c.expect(re.compile(rb"<presence\b[^>]*>(?:(?!</presence>).)*code=['\"]110['\"].*?</presence>", re.S))
            c.go_hot()

    await asyncio.gather(*(join(i, s) for i, s in enumerate(occupants) if i > 0))
    await asyncio.sleep(2.0)
    to = room.encode()
    senders = [(s.client, to) for s in occupants[: args.senders]]
    steps = [float(x) / len(occupants) for x in args.muc_steps.split(",")]

    async def step(rate: float) -> Row:
        return await run_step(peer, senders, occupants, window, rate, len(occupants), "groupchat", args, texts)

    result = await find_max(window, f"{peer.name} MUC", steps, len(occupants), step, args)
    return {"room": room, "occupants": len(occupants), "senders": len(senders)} | result


# ---------------------------------------------------------------- one server


async def bench_server(peer: Peer, args: argparse.Namespace) -> dict[str, Any]:
    scenarios = set(args.scenarios.split(","))
    count = max(args.clients, 2 * args.pairs, args.occupants)
    users = [f"{args.prefix}{i}" for i in range(count)]
    t0 = time.monotonic()
    await peer.make_accounts(users)
    print(f"  {peer.name}: {count} accounts in {time.monotonic() - t0:.0f} s", flush=True)
    result: dict[str, Any] = {"server": peer.name, "version": peer.version}
    texts = chat_texts(seed=1, words=args.body_words)
    if "login" in scenarios:
        load = _loadavg()
        result["login"] = await login_rate(peer, users, args) | {"loadavg": load}
        r = result["login"]
        print(
            f"  {peer.name} login: {r['logins_per_s']:.0f}/s p50 {r['login_p50_ms']:.1f} ms p99 "
            f"{r['login_p99_ms']:.1f} ms, {r['us_per_login']:.0f} us CPU/login, errors {r['errors']}, "
            f"srvCPU {r['server_pct']:.0f}% other {r['other_pct']:.0f}% gen {r['gen_pct']:.0f}% (load {load})",
            flush=True,
        )
        if r["error_samples"]:
            print(f"    {r['error_samples'][0]}", flush=True)
    if not scenarios & {"memory", "chat", "muc"}:
        return result
    window = Window()
    sessions, memory = await connect_idle(peer, users, count, window, args)
    try:
        if "memory" in scenarios:
            result["memory"] = memory
            print(
                f"  {peer.name} memory: {memory['clients']} clients, RSS {memory['rss_before_mb']:.1f} -> "
                f"{memory['rss_after_mb']:.1f} MB, {memory['kb_per_client']:.1f} KB/client "
                f"(slope {memory['kb_per_client_slope']:.1f}); "
                f"server CPU while they idle {memory['idle_server_pct']:.0f}%",
                flush=True,
            )
        if "chat" in scenarios:
            result["chat"] = await chat(peer, sessions, window, args, texts) | {"loadavg": _loadavg()}
        if "muc" in scenarios:
            result["muc"] = await muc(peer, sessions, window, args, texts) | {"loadavg": _loadavg()}
            if "na" in result["muc"]:
                print(f"  {peer.name} MUC: n/a ({result['muc']['na']})", flush=True)
    finally:
        for s in sessions:
            s.client.close()
        await asyncio.sleep(0.5)
        for s in sessions:
            s.client.abort()
    return result


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 1)[0]


# ---------------------------------------------------------------- summary


def _median(values: list[float]) -> float:
    values = [v for v in values if v == v]  # drop NaN
    return statistics.median(values) if values else float("nan")


def summary(results: list[dict[str, Any]]) -> str:
    by_server: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_server.setdefault(r["server"], []).append(r)
    lines = [
        "| server | logins/s (us CPU each) | KB/client | 1:1 msgs/s at p99<100ms (p50/p99 ms) | 1:1 peak (us CPU/msg) "
        "| MUC deliveries/s at p99<100ms (p50/p99 ms) | MUC peak (us CPU/delivery) | other% on CPU 0 | runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def med(runs: list[dict[str, Any]], part: str, key: str) -> float:
        return _median([float(r[part][key]) for r in runs if part in r and key in r[part]])

    def fmt(value: float, spec: str = ",.0f") -> str:
        return "—" if value != value else format(value, spec)

    for name, runs in by_server.items():
        muc_na = next((r["muc"]["na"] for r in runs if "muc" in r and "na" in r["muc"]), None)
        others = [
            float(r[p]["other_pct"]) for r in runs for p in ("login", "chat", "muc") if "other_pct" in r.get(p, {})
        ]
        muc_cells = (
            f"| n/a ({muc_na}) | n/a "
            if muc_na
            else f"| {fmt(med(runs, 'muc', 'max_ok'))} ({fmt(med(runs, 'muc', 'p50_at_max'), '.1f')}/"
            f"{fmt(med(runs, 'muc', 'p99_at_max'), '.1f')}) "
            f"| {fmt(med(runs, 'muc', 'peak'))} ({fmt(med(runs, 'muc', 'us_at_peak'))}) "
        )
        lines.append(
            f"| {name} {runs[0]['version']} | {fmt(med(runs, 'login', 'logins_per_s'))} "
            f"({fmt(med(runs, 'login', 'us_per_login'))}) "
            f"| {fmt(med(runs, 'memory', 'kb_per_client_slope'), '.1f')} "
            f"| {fmt(med(runs, 'chat', 'max_ok'))} ({fmt(med(runs, 'chat', 'p50_at_max'), '.1f')}/"
            f"{fmt(med(runs, 'chat', 'p99_at_max'), '.1f')}) "
            f"| {fmt(med(runs, 'chat', 'peak'))} ({fmt(med(runs, 'chat', 'us_at_peak'))}) "
            + muc_cells
            + f"| {fmt(_median(others))} | {len(runs)} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--servers", default="roost,prosody,ejabberd", help="comma-separated: roost, prosody, ejabberd")
    p.add_argument("--scenarios", default="login,memory,chat,muc")
    p.add_argument("--repeat", type=int, default=1, help="run every server this many times (interleaved)")
    p.add_argument("--pairs", type=int, default=500)
    p.add_argument("--clients", type=int, default=1000, help="idle sessions for the memory reading (at least 2*pairs)")
    p.add_argument("--occupants", type=int, default=200)
    p.add_argument("--senders", type=int, default=10)
    p.add_argument("--chat-steps", default="100,250,500,1000,2000,3000,4000,5000,6000,8000,10000")
    p.add_argument("--muc-steps", default="2000,5000,10000,15000,20000,25000,30000,40000,50000")
    p.add_argument("--all-steps", action="store_true", help="run every step even after a failure")
    p.add_argument("--duration", type=float, default=8.0, help="seconds per step, warm-up included")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--login-duration", type=float, default=10.0)
    p.add_argument("--login-concurrency", type=int, default=50)
    p.add_argument(
        "--presence",
        choices=("login", "all"),
        default="login",
        help="login: only the login scenario sends initial presence; all: the idle/1:1/MUC sessions too "
        "(Roost answers each initial presence with 2 SQL queries per online user: slow with 1,000 online)",
    )
    p.add_argument(
        "--login-no-presence",
        action="store_true",
        help="the login scenario stops after bind (no initial presence): SASL and binding alone",
    )
    p.add_argument("--body-words", type=int, default=12)
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    p.add_argument("--prefix", default="bench")
    p.add_argument("--keep", action="store_true", help="keep the servers' folders")
    p.add_argument("--json", help="append every run's results to this file (JSON lines)")
    args = p.parse_args(argv)
    if args.warmup >= args.duration:
        p.error("--warmup must be shorter than --duration")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pin_self(args.client_cpu)
    raise_fd_limit(2 * max(args.clients, 2 * args.pairs) + args.login_concurrency * 4 + 1024)
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    for n in names:
        if n not in PEERS:
            raise SystemExit(f"unknown server {n!r}; known: {', '.join(PEERS)}")
    print(
        f"xmpp_load: servers {names}, scenarios {args.scenarios}, {args.pairs} pairs, {args.clients} clients, "
        f"MUC {args.occupants} occupants/{args.senders} senders; server CPU {args.server_cpu}, "
        f"generator CPU {args.client_cpu}; {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    for run in range(args.repeat):
        for name in names:
            print(f"run {run + 1}/{args.repeat}: {name} (loadavg {Path('/proc/loadavg').read_text().strip()})")
            peer = PEERS[name](cpu=args.server_cpu, keep=args.keep)
            result: dict[str, Any]
            try:
                peer.start()
                print(f"  {peer.name} {peer.version} on port {peer.port}, pids {peer.pids()}", flush=True)
                result = cast(dict[str, Any], run_async(bench_server(peer, args)))
            except Exception as error:  # one server failing must not stop the others
                print(f"  {name} FAILED: {error!r}\n{peer.log_tail()[-1500:]}", flush=True)
                result = {"server": peer.name, "version": peer.version, "failed": repr(error)}
            finally:
                with contextlib.suppress(Exception):
                    peer.stop()
            result["run"] = run + 1
            results.append(result)
            if args.json:
                with Path(args.json).open("a") as out:
                    out.write(json.dumps(result) + "\n")
    print("\n" + summary([r for r in results if "failed" not in r]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
