"""Slowing down password guessing: after too many failures, logins wait, longer each time.

One throttle counts failures per key; the login uses three (see AuthService.login): per
user name at one client address, per client address, and per user name alone with a much
higher limit. `Throttle` keeps them in this process's memory (a restart forgets them);
server/auth/shared_throttle.py keeps them in Redis for a cluster's processes to share, with
the same rules.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

MAX_LOCK_SECONDS = 3600  # also how long a key is remembered after its last failure
MAX_ENTRIES = 10_000


class LoginThrottle(Protocol):
    """What the login asks of a throttle, wherever it keeps its counts."""

    def retry_after(self, key: str) -> int: ...

    def failed(self, key: str) -> int: ...

    def succeeded(self, key: str) -> None: ...

    def forget(self, key: str, *, prefix: bool = False, once: str = "") -> None: ...


def lock_length(first: int, locks: int) -> int:
    """The seconds of the `locks`-th lock in a row: `first`, doubled each time, up to an
    hour."""
    return min(MAX_LOCK_SECONDS, first * 2 ** min(locks - 1, 20))


@dataclass
class _Entry:
    failures: int = 0
    locks: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class Throttle:
    """Failures per key; `limit` failures in a row lock the key for `lock_seconds`, doubled
    for each lock since the last success, up to an hour. A key quiet for an hour (no
    failure) starts over."""

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
        elif now - entry.last > MAX_LOCK_SECONDS:  # quiet for an hour: start over
            entry = self.entries[key] = _Entry()
        entry.last = now
        entry.failures += 1
        if entry.failures < self.limit:
            return 0
        entry.failures = 0
        entry.locks += 1
        seconds = lock_length(self.lock_seconds, entry.locks)
        entry.locked_until = now + seconds
        return seconds

    def succeeded(self, key: str) -> None:
        self.entries.pop(key, None)

    def forget(self, key: str, *, prefix: bool = False, once: str = "") -> None:
        """Forget `key`, or every key starting with it (an administrator lifted a lock).
        `once` matters to shared counts only: this process applies each unlock once."""
        if not prefix:
            self.entries.pop(key, None)
            return
        for known in [k for k in self.entries if k.startswith(key)]:
            del self.entries[known]

    def _make_room(self, now: float) -> None:
        if len(self.entries) < MAX_ENTRIES:
            return
        for key in [k for k, e in self.entries.items() if now - e.last > MAX_LOCK_SECONDS]:
            del self.entries[key]
        if len(self.entries) >= MAX_ENTRIES:  # still full: forget the oldest half
            oldest = sorted(self.entries, key=lambda k: self.entries[k].last)
            for key in oldest[: MAX_ENTRIES // 2]:
                del self.entries[key]
