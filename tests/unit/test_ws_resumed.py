"""The WebSocket writer starts outside any task; `_resumed` runs it on once it has to wait."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from roost.api.ws import _resumed


def _begin(coro: Any) -> Any:
    """What WebSocketSession._start_writer does: run the coroutine until its first wait."""
    return coro.send(None)


async def test_runs_on_after_the_future_it_waits_on() -> None:
    gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    seen: list[object] = []

    async def writer() -> None:
        seen.append(await gate)
        await asyncio.sleep(0)  # a bare yield on the way
        seen.append("done")

    coro = writer()
    task = asyncio.get_running_loop().create_task(_resumed(coro, _begin(coro)))
    await asyncio.sleep(0)
    assert seen == []
    gate.set_result(7)
    await task
    assert seen == [7, "done"]


async def test_a_failed_future_raises_inside_the_coroutine() -> None:
    gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def writer() -> None:
        try:
            await gate
        except OSError as error:
            seen.append(str(error))

    coro = writer()
    task = asyncio.get_running_loop().create_task(_resumed(coro, _begin(coro)))
    gate.set_exception(OSError("gone"))
    await task
    assert seen == ["gone"]


async def test_cancelling_the_task_cancels_the_coroutine() -> None:
    gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def writer() -> None:
        try:
            await gate
        finally:
            seen.append("finally")

    coro = writer()
    task = asyncio.get_running_loop().create_task(_resumed(coro, _begin(coro)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["finally"]
    assert gate.cancelled()
