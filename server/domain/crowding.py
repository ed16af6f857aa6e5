"""The usual crowding of a site by weekday and hour, learned from the tickets it issued.

For each weekday and hour, the mean number of tickets issued in that hour over the weekdays
of the period that had any visitor at all: a closed Monday does not make Mondays look quiet.
Shown as levels (quiet, usual, busy) so that a visitor can pick a quiet time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

LEVELS = ("quiet", "usual", "busy")


@dataclass(frozen=True)
class Crowding:
    """Mean tickets issued by (weekday 0 = Monday, hour) and how many days that is from."""

    means: dict[tuple[int, int], float]
    days: int

    def level(self, weekday: int, hour: int) -> str | None:
        """quiet, usual or busy against the site's own busiest hour; None: nobody comes then."""
        mean = self.means.get((weekday, hour), 0.0)
        peak = max(self.means.values(), default=0.0)
        if mean <= 0 or peak <= 0:
            return None
        share = mean / peak
        return LEVELS[0] if share < 0.4 else LEVELS[1] if share < 0.75 else LEVELS[2]

    def hours(self) -> list[int]:
        """The hours anyone was issued a ticket in, in order."""
        return sorted({hour for (_, hour), mean in self.means.items() if mean > 0})


def usual_crowding(issued: Iterable[datetime], tz: ZoneInfo) -> Crowding:
    counts: dict[tuple[int, int], int] = {}
    days_by_weekday: dict[int, set[object]] = {}
    for moment in issued:
        local = moment.astimezone(tz)
        key = (local.weekday(), local.hour)
        counts[key] = counts.get(key, 0) + 1
        days_by_weekday.setdefault(local.weekday(), set()).add(local.date())
    means = {key: count / len(days_by_weekday[key[0]]) for key, count in counts.items()}
    return Crowding(means, sum(len(days) for days in days_by_weekday.values()))
