"""The audit log: who did what, when, where, and how it ended. Rows are only added and read.

A row is a plain dict with the columns of `schema.audit_log` (without `seq`). The queue's
group commit writes the rows of queue actions in the same transaction as the change; account
and device changes write theirs in their own transaction, alongside the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, select

from . import schema
from .db import as_utc

ACTOR_KINDS = ("user", "device", "cli")
SECRET_WORDS = ("password", "token", "secret")


class ChangeAudit(Protocol):
    """The audit row of a change being made, as the request that asks for it keeps it
    (server/web/audit.py): a service names what it changed, then hands the row over to be
    stored in the same transaction as the change."""

    actor: str
    target: str | None
    detail: dict[str, Any]
    written: bool
    in_commit: bool

    def row(self, outcome: int, error: str | None = None) -> dict[str, Any]: ...

    def stored_with_change(self, outcome: int) -> list[dict[str, Any]]: ...


def audit_row(
    at: datetime,
    actor: str,
    actor_kind: str,
    role: str | None,
    site_id: str | None,
    action: str,
    outcome: int,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> dict[str, Any]:
    """One row, with any password or token taken out of its detail."""
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {actor_kind!r}")
    return {
        "at": at,
        "actor": actor[:64],
        "actor_kind": actor_kind,
        "role": role,
        "site_id": site_id,
        "action": action[:200],
        "target": target[:200] if target else None,
        "outcome": outcome,
        "detail": without_secrets(detail or {}),
        "address": address,
    }


def without_secrets(value: Any) -> Any:
    """`value` with every key that names a password, token or secret removed, at any depth."""
    if isinstance(value, dict):
        return {
            k: without_secrets(v)
            for k, v in value.items()
            if not any(word in str(k).lower() for word in SECRET_WORDS)
        }
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def insert(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append rows inside the caller's transaction."""
    if rows:
        conn.execute(schema.audit_log.insert(), list(rows))


def append(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Append rows in a transaction of their own."""
    with engine.begin() as conn:
        insert(conn, rows)


def read(
    engine: Engine, since: int = 0, limit: int = 100, site_id: str | None = None
) -> list[dict[str, Any]]:
    """Rows after `since`, oldest first; with `site_id`, only that site's."""
    a = schema.audit_log
    query = select(a).where(a.c.seq > since).order_by(a.c.seq).limit(limit)
    if site_id is not None:
        query = query.where(a.c.site_id == site_id)
    with engine.connect() as conn:
        return [entry_view(r) for r in conn.execute(query)]


def latest(engine: Engine, limit: int = 50, site_id: str | None = None) -> list[dict[str, Any]]:
    """The newest rows, newest first (for the admin page)."""
    a = schema.audit_log
    query = select(a).order_by(a.c.seq.desc()).limit(limit)
    if site_id is not None:
        query = query.where(a.c.site_id == site_id)
    with engine.connect() as conn:
        return [entry_view(r) for r in conn.execute(query)]


def entry_view(r: Any) -> dict[str, Any]:
    at = as_utc(r.at)
    return {
        "seq": r.seq,
        "at": at.isoformat() if at else None,
        "actor": r.actor,
        "actor_kind": r.actor_kind,
        "role": r.role,
        "site": r.site_id,
        "action": r.action,
        "target": r.target,
        "outcome": r.outcome,
        "detail": r.detail,
        "address": r.address,
    }
