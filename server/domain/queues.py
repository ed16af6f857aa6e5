"""Per-service waiting lines, kept in order of when each visitor joined (rank time)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

Entry = tuple[datetime, int]  # (rank_at, ticket id): ties broken by issue order


@dataclass
class WaitingLine:
    """The waiting tickets of one service, split into normal and priority, each in rank order,
    and checked-in appointments, in order of their slots (`booked`: (slot time, ticket id))."""

    normal: list[Entry] = field(default_factory=list)
    priority: list[Entry] = field(default_factory=list)
    booked: list[Entry] = field(default_factory=list)

    def add(self, rank_at: datetime, ticket_id: int, priority: bool,
            slot_at: datetime | None = None) -> None:
        if slot_at is not None:
            bisect.insort(self.booked, (slot_at, ticket_id))
        else:
            bisect.insort(self.priority if priority else self.normal, (rank_at, ticket_id))

    def remove(self, rank_at: datetime, ticket_id: int, priority: bool,
               slot_at: datetime | None = None) -> None:
        line = self.booked if slot_at is not None else self.priority if priority else self.normal
        entry = (slot_at if slot_at is not None else rank_at, ticket_id)
        i = bisect.bisect_left(line, entry)
        if i < len(line) and line[i] == entry:
            del line[i]

    def head_booked(self) -> Entry | None:
        return self.booked[0] if self.booked else None

    def head(self, priority: bool) -> Entry | None:
        line = self.priority if priority else self.normal
        return line[0] if line else None

    def ahead_of(self, rank_at: datetime, ticket_id: int,
                 slot_at: datetime | None = None) -> int:
        """How many waiting tickets joined before this one (both classes), and appointments
        due before it: O(log n). An appointment counts the appointments booked before it."""
        if slot_at is not None:
            return bisect.bisect_left(self.booked, (slot_at, ticket_id))
        mine = (rank_at, ticket_id)
        return (bisect.bisect_left(self.normal, mine) + bisect.bisect_left(self.priority, mine)
                + bisect.bisect_left(self.booked, mine))

    def __len__(self) -> int:
        return len(self.normal) + len(self.priority) + len(self.booked)

    def in_order(self) -> list[Entry]:
        """Everyone waiting, oldest first (priority is not shown as an order here; an
        appointment stands at its slot's time)."""
        return sorted(self.normal + self.priority + self.booked)
