"""Refusals: a request the server will not carry out, each with a stable code.

Clients and tests rely on the code; what status answers it and what it means are in the
catalogue (server/refusals.py). The subclasses say what kind of refusal it is.
"""

from __future__ import annotations


class Refusal(Exception):
    """A request refused. `code` is stable; `message` is for a person; `details` name what
    the refusal is about (a field, a site, a ticket…) and are sent along with the code."""

    code = ""  # a subclass that stands for one refusal names its code here

    def __init__(self, message: str, code: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if not self.code:
            raise TypeError(f"{type(self).__name__} needs a code: {message}")
        self.details = details


class NotFound(Refusal):
    """What is asked for does not exist."""


class Invalid(Refusal):
    """What was sent does not fit."""


class Conflict(Refusal):
    """The request does not fit the state things are in."""


class Unavailable(Refusal):
    """The server cannot do it now; nothing was changed."""


class Elsewhere(Unavailable):
    """In a cluster: the site's live queue is owned by another process (its request is
    forwarded there), or by none just now."""

    def __init__(self, site_id: str) -> None:
        super().__init__(f"Site '{site_id}' is served by another server process just now; "
                         "try again in a few seconds.", "site_moving", site=site_id)
        self.site_id = site_id


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
