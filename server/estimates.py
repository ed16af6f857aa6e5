"""Keeps each site's recent service times from the event stream and answers wait estimates."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .domain.estimate import Estimate, ServiceTimes, estimate_for
from .domain.events import Event
from .domain.model import Ticket
from .presenters import people_ahead
from .store import repository


class Estimator:
    """An engine listener: learns service times as events are stored."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.times: dict[str, ServiceTimes] = defaultdict(ServiceTimes)

    def warm_up(self, recent: int = 20000) -> None:
        since = max(0, self.engine.committed_seq - recent)
        sites = list(self.engine.sites)
        for event in repository.events_since(self.engine.reader, sites, since, recent):
            self.times[event.site_id].observe(event)

    def __call__(self, events: list[Event]) -> None:
        for event in events:
            self.times[event.site_id].observe(event)

    def estimate(self, site_id: str, ticket: Ticket) -> Estimate | None:
        queue = self.engine.queue(site_id)
        return estimate_for(queue, ticket, self.times[site_id], people_ahead(queue, ticket))


def estimate_view(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {"ahead": estimate.ahead, "low_min": estimate.low_min, "high_min": estimate.high_min,
            "text": estimate.text}
