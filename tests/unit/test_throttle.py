"""Login throttling: free failures, then doubling waits up to a cap, forgotten after a while."""

from __future__ import annotations

import pytest

from roost.core.auth.throttle import Throttle
from roost.model.errors import RateLimited
from tests.unit.support import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def throttle(clock: FakeClock) -> Throttle:
    return Throttle(clock, free=3, base_delay=1.0, max_delay=8.0, forget_after=600.0)


def _fail(throttle: Throttle, key: str, times: int) -> None:
    for _ in range(times):
        throttle.failed(key)


def test_the_first_failures_are_free(throttle: Throttle) -> None:
    _fail(throttle, "amy", 2)
    throttle.check("amy")
    assert throttle.wait_for("amy") == 0.0


def test_waits_double_per_failure_up_to_the_cap(throttle: Throttle) -> None:
    waits = []
    for _ in range(8):
        throttle.failed("amy")
        waits.append(throttle.wait_for("amy"))
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_check_raises_with_the_remaining_wait(throttle: Throttle, clock: FakeClock) -> None:
    _fail(throttle, "amy", 4)  # wait 2 s
    clock.advance(0.5)

    with pytest.raises(RateLimited) as caught:
        throttle.check("amy")

    assert caught.value.code == "auth.throttled"
    assert caught.value.retry_after == pytest.approx(1.5)
    clock.advance(1.5)
    throttle.check("amy")


def test_keys_are_independent(throttle: Throttle) -> None:
    _fail(throttle, "amy", 5)
    throttle.check("bob")
    with pytest.raises(RateLimited):
        throttle.check("amy")


def test_success_forgets_failures(throttle: Throttle) -> None:
    _fail(throttle, "amy", 5)
    throttle.succeeded("amy")
    throttle.check("amy")
    throttle.failed("amy")
    assert throttle.wait_for("amy") == 0.0


def test_failures_are_forgotten_after_a_quiet_time(throttle: Throttle, clock: FakeClock) -> None:
    _fail(throttle, "amy", 10)
    clock.advance(599)
    assert throttle.wait_for("amy") == 0.0  # the 8 s cap passed long ago
    throttle.failed("amy")
    assert throttle.wait_for("amy") == 8.0  # still counted: 11 failures
    clock.advance(601)
    assert throttle.wait_for("amy") == 0.0
    throttle.failed("amy")
    assert throttle.wait_for("amy") == 0.0  # counting started over


def test_many_keys_are_pruned_oldest_first(clock: FakeClock) -> None:
    throttle = Throttle(clock, free=0, max_delay=8.0, max_keys=10)
    for n in range(10):
        throttle.failed(f"k{n}")
        clock.advance(0.01)

    throttle.failed("newest")

    assert throttle.wait_for("k0") == 0.0  # forgotten to make room
    assert throttle.wait_for("k9") > 0
    assert throttle.wait_for("newest") > 0
