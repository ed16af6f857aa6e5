"""Staff accounts and their login sessions; every change is stored with its audit rows."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from . import audit, schema
from .db import as_utc


class AccountExists(Exception):
    pass


@dataclass(frozen=True)
class Account:
    """A person who logs in: role, home site (none for an administrator), organisations."""

    id: int
    username: str
    name: str
    role: str
    site_id: str | None
    organisations: tuple[str, ...]
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None = None
    unlocked_at: datetime | None = None  # an administrator last lifted its login locks

    @property
    def active(self) -> bool:
        return self.disabled_at is None


def session_hash(session_id: str) -> str:
    """What is stored of a login cookie's session id: never the id itself."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    """One login: the hash of the cookie's session id, whose it is, and until when."""

    id_hash: str
    account_id: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


def _account(r: Any) -> Account:
    return Account(
        r.id,
        r.username,
        r.name,
        r.role,
        r.site_id,
        tuple(r.organisations),
        r.password_hash,
        as_utc(r.created_at),  # type: ignore[arg-type]
        as_utc(r.disabled_at),
        as_utc(r.unlocked_at),
    )


def _session(r: Any) -> SessionRecord:
    return SessionRecord(
        r.id_hash,
        r.account_id,
        as_utc(r.created_at),  # type: ignore[arg-type]
        as_utc(r.expires_at),  # type: ignore[arg-type]
        as_utc(r.revoked_at),
    )


def all_accounts(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.accounts).order_by(schema.accounts.c.username))
        return [_account(r) for r in rows]


def find_account(engine: Engine, username: str) -> Account | None:
    a = schema.accounts
    with engine.connect() as conn:
        row = conn.execute(select(a).where(a.c.username == username)).first()
    return _account(row) if row else None


def create_account(
    engine: Engine,
    username: str,
    name: str,
    role: str,
    site_id: str | None,
    organisations: Sequence[str],
    password_hash: str,
    now: datetime,
    rows: Sequence[dict[str, Any]] = (),
) -> Account:
    values = {
        "username": username,
        "name": name,
        "role": role,
        "site_id": site_id,
        "organisations": list(organisations),
        "password_hash": password_hash,
        "created_at": now,
        "password_changed_at": now,
    }
    try:
        with engine.begin() as conn:
            result = conn.execute(schema.accounts.insert().values(**values))
            audit.insert(conn, rows)
    except IntegrityError:
        raise AccountExists(username) from None
    key = result.inserted_primary_key
    assert key is not None
    return Account(
        int(key[0]), username, name, role, site_id, tuple(organisations), password_hash, now
    )


def _revoke_sessions(
    conn: Connection, account_id: int, now: datetime, keep: str | None = None
) -> None:
    s = schema.sessions
    query = s.update().where(s.c.account_id == account_id, s.c.revoked_at.is_(None))
    if keep is not None:
        query = query.where(s.c.id_hash != keep)
    conn.execute(query.values(revoked_at=now))


def set_password(
    engine: Engine,
    account_id: int,
    password_hash: str,
    now: datetime,
    rows: Sequence[dict[str, Any]] = (),
    keep_session: str | None = None,
) -> None:
    """Store a new password hash and end the account's sessions (but `keep_session`)."""
    a = schema.accounts
    with engine.begin() as conn:
        conn.execute(
            a.update()
            .where(a.c.id == account_id)
            .values(password_hash=password_hash, password_changed_at=now)
        )
        _revoke_sessions(conn, account_id, now, keep_session)
        audit.insert(conn, rows)


def rehash_password(engine: Engine, account_id: int, password_hash: str) -> None:
    """Store the same password hashed anew (in the current form): no session ends."""
    a = schema.accounts
    with engine.begin() as conn:
        conn.execute(a.update().where(a.c.id == account_id).values(password_hash=password_hash))


def set_disabled(
    engine: Engine,
    account_id: int,
    disabled: bool,
    now: datetime,
    rows: Sequence[dict[str, Any]] = (),
) -> None:
    """Disable an account (ending its sessions) or enable it again."""
    a = schema.accounts
    with engine.begin() as conn:
        conn.execute(
            a.update().where(a.c.id == account_id).values(disabled_at=now if disabled else None)
        )
        if disabled:
            _revoke_sessions(conn, account_id, now)
        audit.insert(conn, rows)


def set_unlocked(
    engine: Engine, account_id: int, now: datetime, rows: Sequence[dict[str, Any]] = ()
) -> None:
    """Record that an administrator lifted the account's login locks (the server that holds
    them reads it back, also when the command line did it)."""
    a = schema.accounts
    with engine.begin() as conn:
        conn.execute(a.update().where(a.c.id == account_id).values(unlocked_at=now))
        audit.insert(conn, rows)


def add_session(
    engine: Engine, record: SessionRecord, address: str | None, rows: Sequence[dict[str, Any]] = ()
) -> None:
    with engine.begin() as conn:
        conn.execute(
            schema.sessions.insert().values(
                id_hash=record.id_hash,
                account_id=record.account_id,
                created_at=record.created_at,
                expires_at=record.expires_at,
                address=address,
            )
        )
        audit.insert(conn, rows)


def revoke_session(
    engine: Engine, id_hash: str, now: datetime, rows: Sequence[dict[str, Any]] = ()
) -> None:
    s = schema.sessions
    with engine.begin() as conn:
        conn.execute(
            s.update()
            .where(s.c.id_hash == id_hash, s.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit.insert(conn, rows)


def find_session(engine: Engine, id_hash: str) -> tuple[SessionRecord, Account] | None:
    """One login by its hash, with its account, revoked or expired or not: for a process that
    has not read it yet (it was made on another)."""
    s, a = schema.sessions, schema.accounts
    with engine.connect() as conn:
        row = conn.execute(select(s).where(s.c.id_hash == id_hash)).first()
        if row is None:
            return None
        account = conn.execute(select(a).where(a.c.id == row.account_id)).first()
    return (_session(row), _account(account)) if account else None


def live_sessions(engine: Engine, now: datetime) -> list[SessionRecord]:
    """Sessions not yet expired, revoked ones included (so a revocation is seen)."""
    s = schema.sessions
    with engine.connect() as conn:
        return [_session(r) for r in conn.execute(select(s).where(s.c.expires_at > now))]


def credential_versions(engine: Engine) -> dict[str, int]:
    """How many times each table of credentials was changed ("accounts", "devices",
    "sessions"; a session's making is not counted: migration 0012)."""
    c = schema.credential_changes
    with engine.connect() as conn:
        return {r.name: int(r.version) for r in conn.execute(select(c.c.name, c.c.version))}
