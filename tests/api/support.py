"""Small helpers for the HTTP API tests: error checks and reads through the real server."""

from __future__ import annotations

from typing import Any

from tests.harness import Reply, ServerProcess, token


def assert_error(reply: Reply, status: int, code: str, field: str | None = None) -> None:
    """The reply is a coded JSON error: the status, the stable code and a message for a person."""
    assert reply.status == status, reply.body
    assert isinstance(reply.body, dict), reply.body
    assert reply.body["error"] == code, reply.body
    assert isinstance(reply.body["message"], str) and reply.body["message"].strip(), reply.body
    if field is not None:
        assert reply.body["field"] == field, reply.body


def ok(reply: Reply, status: int = 200) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert isinstance(reply.body, dict)
    return reply.body


def ticket(server: ServerProcess, site: str, ticket_id: int) -> dict[str, Any]:
    """The staff view of a ticket, read as the site's manager."""
    return ok(server.request("GET", f"/api/tickets/{ticket_id}", token(site, "manager")))["ticket"]


def journey(server: ServerProcess, site: str, ticket_id: int) -> list[str]:
    """The kinds of the ticket's events, oldest first."""
    body = ok(server.request("GET", f"/api/tickets/{ticket_id}", token(site, "manager")))
    return [e["kind"] for e in body["journey"]]


def waiting(server: ServerProcess, site: str, service: str) -> list[str]:
    """Labels waiting for one desk, in queue order."""
    body = ok(server.request("GET", f"/api/sites/{site}/queues", token(site, "manager")))
    line = next(q for q in body["queues"] if q["service"] == service)
    return [t["label"] for t in line["waiting"]]


def all_waiting(server: ServerProcess, site: str) -> dict[str, list[str]]:
    body = ok(server.request("GET", f"/api/sites/{site}/queues", token(site, "manager")))
    return {q["service"]: [t["label"] for t in q["waiting"]] for q in body["queues"]}


def counter(server: ServerProcess, site: str, number: str) -> dict[str, Any]:
    """One counter's state, `number` as in the site file: "c1" .. "c4"."""
    body = ok(server.request("GET", f"/api/sites/{site}/counters", token(site, "manager")))
    return next(c for c in body["counters"] if c["id"] == f"{site}-{number}")


def counter_action(server: ServerProcess, site: str, number: str, action: str,
                   staff: str = "staff1", body: dict[str, Any] | None = None) -> Reply:
    return server.request("POST", f"/api/sites/{site}/counters/{site}-{number}/{action}",
                          token(site, staff), body or {})

