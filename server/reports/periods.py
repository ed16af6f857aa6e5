"""Report days, periods and fiscal years: which moments belong to which day, hour and month.

A report day is a site's business day, the day ticket numbers belong to: it starts at the
site's `day_starts_at` (04:00 in Sapporo), local time. A ticket and everything that happens
to it count on the business day it was issued; time a counter was open counts on the
business day it falls in. Hours are the local clock hours (0–23) of a moment. The fiscal
year is Japan's: April 1 to March 31, named by the year it starts in (FY2026 is
2026-04-01 to 2027-03-31).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GROUPS = ("hour", "day", "month")


def default_group(period: Period) -> str:
    """One day is read by the hour (a day as one bar says nothing); longer periods by day."""
    return "hour" if period.first == period.last else "day"
WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
MAX_DAYS = 1100  # about three years: the longest period one report covers


@dataclass(frozen=True)
class Period:
    """Business days from `first` to `last`, both included."""

    first: date
    last: date

    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(max(count, 0))]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def day_window(day: date, timezone: str, starts_at: time) -> tuple[datetime, datetime]:
    """The moments (aware UTC) a business day covers: [start, end)."""
    tz = ZoneInfo(timezone)
    start = datetime.combine(day, starts_at, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), starts_at, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def fiscal_year_of(day: date) -> int:
    """The fiscal year a day belongs to: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year(year: int) -> Period:
    return Period(date(year, 4, 1), date(year + 1, 3, 31))


def group_key(group: str, day: date, hour: int) -> str:
    """The bucket a figure falls in: "09" (hour of the day), "2026-04-01" or "2026-04"."""
    if group == "hour":
        return f"{hour:02d}"
    if group == "day":
        return day.isoformat()
    return day.isoformat()[:7]


def group_keys(group: str, period: Period) -> list[str]:
    """Every bucket of the period, in order, whether or not anything happened in it."""
    if group == "hour":
        return [f"{h:02d}" for h in range(24)]
    keys = [group_key(group, d, 0) for d in period.days()]
    return list(dict.fromkeys(keys))
