"""Ticket numbers: per band, restarting each business day, never reusing a live number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .errors import Conflict
from .model import Service


@dataclass
class BandCursor:
    """The last number handed out from one band on one business day."""

    key: str
    day: date
    last: int


def band_key(service: Service) -> str:
    return f"{service.prefix}:{service.first_number}-{service.last_number}"


def label_for(service: Service, number: int) -> str:
    return f"{service.prefix}{number}"


def next_number(
    service: Service, cursor: BandCursor | None, day: date, live_labels: set[str]
) -> int:
    """The next free number of `service`'s band on `day`, skipping numbers still live."""
    first, last = service.first_number, service.last_number
    size = last - first + 1
    if cursor is None or cursor.day != day:
        candidate = first
    else:
        candidate = cursor.last + 1 if cursor.last < last else first
    for _ in range(size):
        if label_for(service, candidate) not in live_labels:
            return candidate
        candidate = candidate + 1 if candidate < last else first
    raise Conflict(
        f"Every number from {first} to {last} for {service.name} is still in use.",
        "numbers_exhausted",
        service=service.id,
    )
