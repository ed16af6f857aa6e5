"""Domain errors: each carries a stable code that clients and tests rely on."""

from __future__ import annotations


class QueueError(Exception):
    """A request the queue cannot honour. `code` is stable; `message` is for a person."""

    code = "queue_error"
    kind = "conflict"  # conflict | not_found | invalid | forbidden | unavailable

    def __init__(self, message: str, code: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(QueueError):
    code = "not_found"
    kind = "not_found"


class Invalid(QueueError):
    code = "invalid"
    kind = "invalid"


class Conflict(QueueError):
    code = "conflict"
    kind = "conflict"


class Unavailable(QueueError):
    code = "unavailable"
    kind = "unavailable"


def unknown_site(site_id: str) -> NotFound:
    return NotFound(f"There is no site '{site_id}'.", "unknown_site", site=site_id)


def unknown_service(site_id: str, service_id: str) -> NotFound:
    return NotFound(
        f"Site '{site_id}' has no service '{service_id}'.", "unknown_service", service=service_id
    )


def unknown_counter(site_id: str, counter_id: str) -> NotFound:
    return NotFound(
        f"Site '{site_id}' has no counter '{counter_id}'.", "unknown_counter", counter=counter_id
    )


def unknown_ticket(ticket_id: int) -> NotFound:
    return NotFound(f"There is no ticket {ticket_id}.", "unknown_ticket", ticket=ticket_id)
