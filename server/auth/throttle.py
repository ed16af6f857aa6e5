"""Slowing down password guessing: after too many failures, logins wait, longer each time.

One `Throttle` counts failures per key; the login uses three (see AuthService.login): per
user name at one client address, per client address, and per user name alone with a much
higher limit. Kept in memory: a restart forgets it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_LOCK_SECONDS = 3600
MAX_ENTRIES = 10_000


@dataclass
class _Entry:
    failures: int = 0
    locks: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class Throttle:
    """Failures per key; `limit` failures in a row lock the key for `lock_seconds`, doubled
    for each lock since the last success, up to an hour."""

    def __init__(
        self, limit: int, lock_seconds: int, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.lock_seconds = lock_seconds
        self.now = now
        self.entries: dict[str, _Entry] = {}

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 if it may try now."""
        entry = self.entries.get(key)
        if entry is None:
            return 0
        left = entry.locked_until - self.now()
        return math.ceil(left) if left > 0 else 0

    def failed(self, key: str) -> int:
        """Count a failure; returns the seconds of the lock it started, or 0."""
        now = self.now()
        entry = self.entries.get(key)
        if entry is None:
            self._make_room(now)
            entry = self.entries[key] = _Entry()
        elif now - entry.last > MAX_LOCK_SECONDS:
            entry.locks = 0  # quiet for an hour: start over
        entry.last = now
        entry.failures += 1
        if entry.failures < self.limit:
            return 0
        entry.failures = 0
        entry.locks += 1
        seconds = min(MAX_LOCK_SECONDS, self.lock_seconds * 2 ** min(entry.locks - 1, 20))
        entry.locked_until = now + seconds
        return seconds

    def succeeded(self, key: str) -> None:
        self.entries.pop(key, None)

    def forget(self, keep: Callable[[str], bool]) -> None:
        """Forget every key for which `keep` is false (an administrator lifted a lock)."""
        for key in [k for k in self.entries if not keep(k)]:
            del self.entries[key]

    def _make_room(self, now: float) -> None:
        if len(self.entries) < MAX_ENTRIES:
            return
        for key in [k for k, e in self.entries.items() if now - e.last > MAX_LOCK_SECONDS]:
            del self.entries[key]
        if len(self.entries) >= MAX_ENTRIES:  # still full: forget the oldest half
            oldest = sorted(self.entries, key=lambda k: self.entries[k].last)
            for key in oldest[: MAX_ENTRIES // 2]:
                del self.entries[key]
