"""SIGTERM with clients connected and messages in flight: a clean exit, nothing acknowledged lost.

The server must stop accepting, finish the writes it has queued, tell its
WebSocket clients (a {"type": "closing"} frame or a close frame), and exit
with status 0. After a restart, every message a client got an ack for is in
the history exactly once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import database_params
from tests.e2e.test_durability import (
    ACK_TIMEOUT,
    DEVICES,
    LANES,
    Device,
    Ledger,
    check_history,
    fresh_database,
    histories_of,
    make_accounts,
    open_direct,
    pump,
    resend,
)
from tests.support.server import server_with

ACKS_BEFORE_STOP = 200
SEND_SECONDS = 1.5
STOP_TIMEOUT = 20.0  # a bound for the wait, not a performance target
SHUTDOWN_CLOSE_CODES = {1001, 1012}  # the app's "server shutting down", or uvicorn's own close


def was_told_of_shutdown(device: Device) -> bool:
    """A {"type": "closing"} frame, or a close frame with a shutdown code (docs/events.md)."""
    if device.closing is not None:
        return device.closing.get("reason") == "server shutting down"
    close = device.ws.protocol.close_rcvd
    return close is not None and close.code in SHUTDOWN_CLOSE_CODES


@pytest.fixture(params=database_params())
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    with fresh_database(request.param) as url:
        yield url


async def test_sigterm_closes_clients_flushes_writes_and_exits_zero(tmp_path: Path, database: str) -> None:
    with server_with(tmp_path / "roost", database) as server:
        accounts = await make_accounts(server, 4)
        first = await open_direct(server, accounts[0], accounts[1])
        second = await open_direct(server, accounts[2], accounts[3])
        ledger = Ledger(dict(zip(accounts, [first, first, second, second], strict=True)))
        devices = [await Device.connect(server, a) for a in accounts for _ in range(DEVICES)]
        owners = [a for a in accounts for _ in range(DEVICES)]
        stop = asyncio.Event()
        lanes = [
            asyncio.create_task(pump(device, owner, ledger, 0, stop))
            for device, owner in zip(devices, owners, strict=True)
            for _ in range(LANES)
        ]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SEND_SECONDS
        while len(ledger.acked) < ACKS_BEFORE_STOP and loop.time() < deadline:
            await asyncio.sleep(0.005)
        in_flight = sum(len(d.pending) for d in devices)

        # The clients keep reading (and sending) while the server shuts down.
        code = await asyncio.to_thread(server.stop, signal.SIGTERM, STOP_TIMEOUT)
        stop.set()
        _, not_done = await asyncio.wait([*lanes, *(d.reader for d in devices)], timeout=ACK_TIMEOUT + 5)
        log = server.log_tail()
        assert code == 0, log
        assert not not_done, "a client was left hanging after the server exited"
        untold = [d for d in devices if not was_told_of_shutdown(d)]
        assert not untold, f"{len(untold)} clients got neither a closing frame nor a shutdown close code"
        assert "roost stopped" in log, log
        assert "Traceback" not in log and " ERROR " not in log, log
        unexpected = [f for f in ledger.errors if f["error"]["code"] != "server.stopping"]
        assert not unexpected, unexpected
        for device in devices:
            await device.close()

        server.start()
        stored = check_history(ledger, await histories_of(server, ledger), complete=False)
        await resend(server, accounts, ledger, stored)
        check_history(ledger, await histories_of(server, ledger), complete=True)
        print(
            f"\nSIGTERM: acked={len(ledger.acked)} in_flight_at_stop={in_flight} errors={len(ledger.errors)}"
            f" closing_frames={sum(d.closing is not None for d in devices)}"
            f" close_codes={sorted({d.ws.protocol.close_rcvd.code for d in devices if d.ws.protocol.close_rcvd})}"
        )
