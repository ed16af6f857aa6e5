"""How often a credential not held in memory may be looked up in the store.

A process holds the credentials in memory and reads them all again every second; one made
on another process of a cluster since is looked up by itself on its first use
(server/auth/registry.py). A client sending made-up tokens must not turn each of its requests
into a query: a value not found is not looked up again for a while (the next full read brings
whatever is made meanwhile), and only so many lookups are made a second. Beyond that the
caller is refused as before the lookups existed, until the next full read.
"""

from __future__ import annotations

import time
from collections.abc import Callable

LOOKUPS_PER_SECOND = 50
MISS_SECONDS = 10.0
MOST_MISSES = 1024


class Lookups:
    """The misses remembered (oldest first, at most `most`) and this second's lookups."""

    def __init__(
        self,
        per_second: int = LOOKUPS_PER_SECOND,
        remember: float = MISS_SECONDS,
        most: int = MOST_MISSES,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_second
        self.remember = remember
        self.most = most
        self.now = now
        self.misses: dict[str, float] = {}  # key -> until when it is not looked up again
        self._second = 0
        self._count = 0

    def allowed(self, key: str) -> bool:
        """Whether `key` may be looked up now (and if so, counted)."""
        now = self.now()
        until = self.misses.get(key)
        if until is not None:
            if until > now:
                return False
            del self.misses[key]
        if int(now) != self._second:
            self._second, self._count = int(now), 0
        if self._count >= self.per_second:
            return False
        self._count += 1
        return True

    def missed(self, key: str) -> None:
        """Remember that `key` was not found (or not usable). Every miss is kept as long, so
        the oldest is the first to expire: drop from the front."""
        now = self.now()
        self.misses.pop(key, None)
        while self.misses:
            oldest = next(iter(self.misses))
            if len(self.misses) < self.most and self.misses[oldest] > now:
                break
            del self.misses[oldest]
        self.misses[key] = now + self.remember
