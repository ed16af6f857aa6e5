"""Writing the audit log for requests: every state-changing call by a staff role, and every
administrator action, whether it succeeded or was refused. Reads are never written.

A queue action's row is stored in the same group commit as the change it describes (the
engine asks `engine_hook` for it). Account and device changes store their row in their own
transaction. Anything else (refusals, repeats) rides on the next commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context, request

from ..services import services
from ..store.audit import audit_row
from ..store.devices import Device

STAFF_ROLES = ("staff", "manager", "admin")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class RequestAudit:
    """The audit row of one request, completed as the request runs."""

    actor: str
    actor_kind: str
    role: str | None
    site_id: str | None
    action: str
    target: str | None = None
    address: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    written: bool = False
    in_commit: bool = False  # handed to the engine with the change

    def row(self, outcome: int, error: str | None = None) -> dict[str, Any]:
        detail = dict(self.detail)
        if error:
            detail["error"] = error
        now = services().clock.now()
        return audit_row(
            now,
            self.actor,
            self.actor_kind,
            self.role,
            self.site_id,
            self.action,
            outcome,
            self.target,
            detail,
            self.address,
        )

    def stored_with_change(self, outcome: int) -> list[dict[str, Any]]:
        """The row, to be written in the same transaction as the change."""
        self.in_commit = True
        return [self.row(outcome)]

    def finish(self, outcome: int, error: str | None = None) -> None:
        """Make sure the row is stored: with the next group commit, if not stored already.
        A row handed over with a change is stored if the request succeeded; if it failed
        after that, the commit failed and the refusal is written instead."""
        if self.written or (self.in_commit and outcome < 400):
            self.written = True
            return
        self.written = True
        services().engine.append_audit([self.row(outcome, error)])


def client_address() -> str | None:
    return request.remote_addr


def begin(
    credential: Device,
    action: str | None = None,
    target: str | None = None,
    site_id: str | None = None,
    always: bool = False,
) -> RequestAudit | None:
    """Start the row of this request if it is one the log keeps: a state-changing request by
    a staff role (or any request, with `always`)."""
    if not always and (request.method in SAFE_METHODS or credential.role not in STAFF_ROLES):
        return None
    params = request.view_args or {}
    if target is None:
        target = _target(params)
    if site_id is None:
        site_id = params.get("site_id") or _site_of_ticket(params.get("ticket_id"))
    rule = request.url_rule.rule if request.url_rule else request.path
    path = rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
    audit = RequestAudit(
        actor=credential.id,
        actor_kind=credential.kind,
        role=credential.role,
        site_id=site_id or credential.site_id,
        action=action or f"{request.method} {path}",
        target=target,
        address=client_address(),
    )
    g.madoguchi_audit = audit
    return audit


def _target(params: dict[str, Any]) -> str | None:
    for name, label in (
        ("ticket_id", "ticket"),
        ("counter_id", "counter"),
        ("device_id", "device"),
        ("username", "account"),
        ("site_id", "site"),
    ):
        if name in params:
            return f"{label}:{params[name]}"
    return None


def _site_of_ticket(ticket_id: Any) -> str | None:
    if ticket_id is None:
        return None
    engine = services().engine
    return next((s for s, q in engine.queues.items() if ticket_id in q.tickets), None)


def engine_hook(response: tuple[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit row the engine stores with the change the current request makes."""
    if not has_request_context():
        return []
    audit: RequestAudit | None = g.get("madoguchi_audit")
    if audit is None or audit.written or audit.in_commit:
        return []
    return audit.stored_with_change(response[0])


def record_body(audit: RequestAudit | None, body: Any) -> None:
    """Keep what the request asked for (passwords and tokens are dropped when stored)."""
    if audit is not None and isinstance(body, dict) and body:
        audit.detail["body"] = body
