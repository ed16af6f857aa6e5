"""Per-service waiting lines, kept in order of when each visitor joined (rank time)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

Entry = tuple[datetime, int]  # (rank_at, ticket id): ties broken by issue order


@dataclass
class WaitingLine:
    """The waiting tickets of one service, split into normal and priority, each in rank order."""

    normal: list[Entry] = field(default_factory=list)
    priority: list[Entry] = field(default_factory=list)

    def add(self, rank_at: datetime, ticket_id: int, priority: bool) -> None:
        bisect.insort(self.priority if priority else self.normal, (rank_at, ticket_id))

    def remove(self, rank_at: datetime, ticket_id: int, priority: bool) -> None:
        line = self.priority if priority else self.normal
        i = bisect.bisect_left(line, (rank_at, ticket_id))
        if i < len(line) and line[i] == (rank_at, ticket_id):
            del line[i]

    def head(self, priority: bool) -> Entry | None:
        line = self.priority if priority else self.normal
        return line[0] if line else None

    def ahead_of(self, rank_at: datetime, ticket_id: int) -> int:
        """How many waiting tickets joined before this one (both classes): O(log n)."""
        mine = (rank_at, ticket_id)
        return bisect.bisect_left(self.normal, mine) + bisect.bisect_left(self.priority, mine)

    def __len__(self) -> int:
        return len(self.normal) + len(self.priority)

    def in_order(self) -> list[Entry]:
        """Everyone waiting, oldest first (priority is not shown as an order here)."""
        return sorted(self.normal + self.priority)
