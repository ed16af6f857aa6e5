"""The one place a ticket changes status, checked against the transition table."""

from __future__ import annotations

from datetime import datetime

from .errors import Conflict
from .model import TRANSITIONS, Ticket, TicketStatus

_ACTION_WORDS = {
    TicketStatus.WAITING: "put back in a queue",
    TicketStatus.CALLED: "called",
    TicketStatus.SERVING: "started",
    TicketStatus.PARKED: "parked",
    TicketStatus.DONE: "finished",
    TicketStatus.NO_SHOW: "marked as no-show",
    TicketStatus.CANCELLED: "cancelled",
}


def check_transition(ticket: Ticket, to: TicketStatus) -> None:
    """Raise `invalid_transition` unless the table allows `ticket` to move to `to`."""
    if to not in TRANSITIONS[ticket.status]:
        raise Conflict(
            f"Ticket {ticket.label} is {ticket.status.value} and cannot be "
            f"{_ACTION_WORDS[to]}.",
            "invalid_transition",
            ticket=ticket.id,
            status=ticket.status.value,
        )


def transition(ticket: Ticket, to: TicketStatus, now: datetime) -> None:
    check_transition(ticket, to)
    ticket.status = to
    ticket.updated_at = now
