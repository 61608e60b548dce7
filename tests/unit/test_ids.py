"""Time-sortable ids: unique and increasing, whatever the wall clock does."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from roost.model import ids as ids_module
from roost.model.ids import EPOCH_MS, MAX_SEQ, IdGenerator, id_time_ms


class SteppingTime:
    """Stands in for the `time` module: returns the seconds it is given, in turn."""

    def __init__(self, seconds: list[float]) -> None:
        self._seconds: Iterator[float] = iter(seconds)
        self.last = seconds[0]

    def time(self) -> float:
        self.last = next(self._seconds, self.last)
        return self.last


def _with_clock(monkeypatch: pytest.MonkeyPatch, seconds: list[float]) -> None:
    monkeypatch.setattr(ids_module, "time", SteppingTime(seconds))


T0 = 1_750_000_000.0


def test_ids_increase_and_carry_their_time(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_clock(monkeypatch, [T0, T0 + 0.001, T0 + 5])
    generator = IdGenerator(node=3)

    made = [generator.next_id() for _ in range(3)]

    assert made == sorted(made)
    assert [id_time_ms(i) for i in made] == [int(T0 * 1000), int(T0 * 1000) + 1, int(T0 * 1000) + 5000]
    assert all((i >> 12) & 0x3FF == 3 for i in made)  # the node number sits above the sequence


def test_a_clock_stepping_back_never_repeats_or_reorders(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_clock(monkeypatch, [T0 + 10, T0 + 10, T0 + 3, T0 + 3, T0 + 9.999, T0 + 10, T0 + 11])
    generator = IdGenerator()

    made = [generator.next_id() for _ in range(7)]

    assert made == sorted(made)
    assert len(set(made)) == 7
    assert id_time_ms(made[-1]) == int((T0 + 11) * 1000)


def test_more_ids_in_one_millisecond_than_the_sequence_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_clock(monkeypatch, [T0])
    generator = IdGenerator()

    made = [generator.next_id() for _ in range(MAX_SEQ * 2 + 10)]

    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_unique_across_threads() -> None:
    generator = IdGenerator()
    made: list[list[int]] = [[] for _ in range(4)]

    def work(out: list[int]) -> None:
        out.extend(generator.next_id() for _ in range(2000))

    threads = [threading.Thread(target=work, args=(out,)) for out in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [i for out in made for i in out]
    assert len(set(every)) == len(every)
    assert all(out == sorted(out) for out in made)


def test_floor_for_is_below_every_id_made_at_that_time(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_clock(monkeypatch, [T0])
    generator = IdGenerator(node=1023)
    made = generator.next_id()
    ms = int(T0 * 1000)

    assert generator.floor_for(ms) <= made < generator.floor_for(ms + 1)
    assert generator.floor_for(EPOCH_MS - 1000) == 0


@pytest.mark.parametrize("node", [-1, 1024])
def test_node_out_of_range(node: int) -> None:
    with pytest.raises(ValueError, match="node"):
        IdGenerator(node=node)
