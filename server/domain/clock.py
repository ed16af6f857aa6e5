"""Clocks: the domain asks one for "now" so that tests and simulations can move time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that stands still until told to move: for tests, demos and day replays."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock needs an aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("time must be aware")
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


class JumpWatch:
    """Notices when a clock's time jumps: back at all, or, for a clock that follows real
    time, on by more than the time that passed (counted by a monotonic clock that no one
    can set). The numbering copes either way (business days never go back); people want
    to know, since a clock stepped back or forward moves every time recorded since."""

    TOLERANCE = timedelta(seconds=2)

    def __init__(self, follows_real_time: bool,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.follows_real_time = follows_real_time
        self.monotonic = monotonic
        self._last: tuple[datetime, float] | None = None

    def jump(self, now: datetime) -> timedelta | None:
        """How far the clock jumped since the last look (negative: back), or None."""
        seen = self.monotonic()
        last, self._last = self._last, (now, seen)
        if last is None:
            return None
        expected = last[0]
        if self.follows_real_time:
            expected += timedelta(seconds=seen - last[1])
        moved = now - expected
        if moved < -self.TOLERANCE or (self.follows_real_time and moved > self.TOLERANCE):
            return moved
        return None
