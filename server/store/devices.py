"""Credentials of kiosks, displays, staff and administrators, stored as token hashes.

Devices come from the site file (`source` "config", managed by `init`) or are paired from
the admin page (`source` "paired", never touched by `init`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from . import audit, schema
from .db import as_utc

BOTH_ORGANISATIONS = ("hellowork", "city")


@dataclass(frozen=True)
class Device:
    """Who is calling: a device or a person, with the role and place it is bound to."""

    id: str
    role: str
    site_id: str | None
    name: str
    area: str | None = None
    counter_id: str | None = None
    kind: str = "device"  # or "user": a person logged in with a password
    # Whose figures it may see (issue #5). Site-file credentials count for both.
    organisations: tuple[str, ...] = BOTH_ORGANISATIONS
    # A display in a welfare corner: the sensitive desks whose waiting figures it shows.
    show_sensitive: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Rebuilt from JSON (a cluster's join), a list comes back: keep it a tuple.
        object.__setattr__(self, "show_sensitive", tuple(self.show_sensitive))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def sync_devices(
    engine: Engine, wanted: Iterable[tuple[Device, str | None]], now: datetime,
    renew: bool = False,
) -> dict[str, str]:
    """Make the stored devices match the configuration.

    A device given a token in the configuration gets that token. One without keeps the token
    it has, or gets a new one (every one with `renew`); the new plaintext tokens are
    returned by device id, to be shown once. Devices no longer configured are revoked;
    paired devices are left as they are.
    """
    issued: dict[str, str] = {}
    d = schema.devices
    with engine.begin() as conn:
        existing = {r.id: r for r in conn.execute(select(d))}
        seen = set()
        for device, token in wanted:
            seen.add(device.id)
            row = existing.get(device.id)
            if token is None and (row is None or renew or row.revoked_at is not None):
                token = issued[device.id] = new_token()
            values = {"role": device.role, "site_id": device.site_id, "name": device.name,
                      "area": device.area, "counter_id": device.counter_id, "revoked_at": None,
                      "source": "config",
                      "show_sensitive": list(device.show_sensitive) or None}
            if token is not None:
                values["token_hash"] = token_hash(token)
            if row is None:
                conn.execute(d.insert().values(id=device.id, created_at=now, **values))
            else:
                conn.execute(d.update().where(d.c.id == device.id).values(**values))
        for device_id, row in existing.items():
            if device_id not in seen and row.revoked_at is None and row.source == "config":
                conn.execute(d.update().where(d.c.id == device_id).values(revoked_at=now))
    return issued


def _device(r: Any) -> Device:
    return Device(r.id, r.role, r.site_id, r.name, r.area, r.counter_id,
                  show_sensitive=tuple(r.show_sensitive or ()))


def active_devices(engine: Engine) -> dict[str, Device]:
    """Every usable credential (neither revoked nor switched off), by token hash."""
    d = schema.devices
    with engine.connect() as conn:
        rows = conn.execute(select(d).where(d.c.revoked_at.is_(None), d.c.disabled_at.is_(None)))
        return {r.token_hash: _device(r) for r in rows}


def find_device(engine: Engine, hashed_token: str) -> Device | None:
    """The usable credential of one token hash: for a process that has not read it yet."""
    d = schema.devices
    with engine.connect() as conn:
        row = conn.execute(select(d).where(d.c.token_hash == hashed_token,
                                           d.c.revoked_at.is_(None),
                                           d.c.disabled_at.is_(None))).first()
    return _device(row) if row else None


def add_device(engine: Engine, device: Device, hashed_token: str, now: datetime,
               rows: Sequence[dict[str, Any]] = ()) -> None:
    """Store a paired device with the hash of its new token."""
    with engine.begin() as conn:
        insert_paired(conn, device, hashed_token, now)
        audit.insert(conn, rows)


def insert_paired(conn: Connection, device: Device, hashed_token: str, now: datetime) -> None:
    """A paired device, in the caller's transaction."""
    conn.execute(schema.devices.insert().values(
        id=device.id, role=device.role, site_id=device.site_id, name=device.name,
        area=device.area, counter_id=device.counter_id, token_hash=hashed_token,
        created_at=now, source="paired"))


def device_by_id(conn: Connection, device_id: str) -> Device | None:
    """A stored device, usable or not, in the caller's transaction."""
    d = schema.devices
    row = conn.execute(select(d).where(d.c.id == device_id)).first()
    return _device(row) if row else None


def revoke_device(engine: Engine, device_id: str, now: datetime,
                  rows: Sequence[dict[str, Any]] = ()) -> bool:
    """Revoke a device's token; False if there is no such device or it was revoked already."""
    d = schema.devices
    with engine.begin() as conn:
        result = conn.execute(d.update().where(d.c.id == device_id, d.c.revoked_at.is_(None))
                              .values(revoked_at=now))
        if result.rowcount:
            audit.insert(conn, rows)
    return bool(result.rowcount)


def device_exists(engine: Engine, device_id: str) -> bool:
    d = schema.devices
    with engine.connect() as conn:
        return conn.execute(select(d.c.id).where(d.c.id == device_id)).first() is not None


def all_devices(engine: Engine, site_id: str | None = None) -> list[dict[str, Any]]:
    """Every stored device, revoked ones too, as plain views (never the token hash)."""
    d = schema.devices
    query = select(d).order_by(d.c.site_id, d.c.role, d.c.id)
    if site_id is not None:
        query = query.where(d.c.site_id == site_id)
    with engine.connect() as conn:
        rows = list(conn.execute(query))
    out = []
    for r in rows:
        created, revoked = as_utc(r.created_at), as_utc(r.revoked_at)
        disabled = as_utc(r.disabled_at)
        out.append({"id": r.id, "role": r.role, "site": r.site_id, "name": r.name,
                    "area": r.area, "counter": r.counter_id, "source": r.source,
                    "show_sensitive": list(r.show_sensitive or ()),
                    "created_at": created.isoformat() if created else None,
                    "revoked_at": revoked.isoformat() if revoked else None,
                    "disabled_at": disabled.isoformat() if disabled else None})
    return out
