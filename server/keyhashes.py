"""A set of 64-bit hashes at 8 bytes each, for the idempotency keys the engine has answered.

A Python set of ints costs ~90 bytes an entry: on a day of 25,000 tickets that is 2 MB for the
keys alone. Here most hashes sit in one sorted array (8 bytes each, found by bisection) and
only the newest in a small set, folded into the array when it grows past a quarter of it, so
the folds are few and each costs about a millisecond per 30,000 hashes.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from datetime import datetime
from itertools import chain

MIN_FOLD = 2048


class HashSet:
    def __init__(self) -> None:
        self._sorted = array("q")
        self._recent: set[int] = set()

    def add(self, digest: int) -> None:
        self._recent.add(digest)
        if len(self._recent) >= max(MIN_FOLD, len(self._sorted) // 4):
            self._fold()

    def __contains__(self, digest: object) -> bool:
        if digest in self._recent:
            return True
        if not isinstance(digest, int):
            return False
        i = bisect_left(self._sorted, digest)
        return i < len(self._sorted) and self._sorted[i] == digest

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def _fold(self) -> None:
        merged = array("q", sorted(chain(self._sorted, self._recent)))
        self._sorted, self._recent = merged, set()


class AnsweredKeys:
    """The idempotency keys answered, by the hour they were answered in: only their hashes
    (a key's answer is read back from the store, which holds the key itself). A hash shared
    by two keys only costs a look in the store. An hour's keys are forgotten together."""

    def __init__(self) -> None:
        self._by_hour: dict[int, HashSet] = {}

    def add(self, key: str, at: datetime) -> None:
        hour = int(at.timestamp() // 3600)
        keys = self._by_hour.get(hour)
        if keys is None:
            keys = self._by_hour[hour] = HashSet()
        keys.add(hash(key))

    def __contains__(self, key: object) -> bool:
        digest = hash(key)
        return any(digest in keys for keys in self._by_hour.values())

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._by_hour.values())

    def forget_before(self, cutoff: datetime) -> None:
        """Forget the hours wholly before `cutoff`."""
        last = int(cutoff.timestamp() // 3600)
        for hour in [h for h in self._by_hour if h < last]:
            del self._by_hour[hour]
