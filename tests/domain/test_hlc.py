"""The hybrid logical clock orders causally related edits even when wall clocks lie."""

from __future__ import annotations

from visitapp.domain.hlc import Clock, pack, unpack, wins


def fixed(ms: int):
    return lambda: ms


def test_tick__is_strictly_increasing_when_the_wall_clock_stands_still():
    clock = Clock(now_ms=fixed(1_000))
    stamps = [clock.tick() for _ in range(5)]
    assert stamps == sorted(set(stamps))
    assert unpack(stamps[-1]) == (1_000, 4)


def test_tick__follows_the_wall_clock_when_it_moves_on():
    now = [1_000]
    clock = Clock(now_ms=lambda: now[0])
    clock.tick()
    now[0] = 5_000
    assert unpack(clock.tick()) == (5_000, 0)


def test_edit_after_seeing_a_value__beats_it_even_with_a_clock_an_hour_behind():
    ahead = Clock(now_ms=fixed(10_000_000))
    behind = Clock(now_ms=fixed(10_000_000 - 3_600_000))
    seen = ahead.tick()
    behind.receive(seen)
    assert wins(behind.tick(), "b", seen, "a")


def test_wins__breaks_ties_by_device_id():
    ts = pack(1_000, 0)
    assert wins(ts, "b", ts, "a")
    assert not wins(ts, "a", ts, "b")
