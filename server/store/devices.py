"""Credentials of kiosks, displays, staff and administrators, stored as token hashes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from . import schema


@dataclass(frozen=True)
class Device:
    """Who is calling: a device or a person, with the role and place it is bound to."""

    id: str
    role: str
    site_id: str | None
    name: str
    area: str | None = None
    counter_id: str | None = None


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
    returned by device id, to be shown once. Devices no longer configured are revoked.
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
                      "area": device.area, "counter_id": device.counter_id, "revoked_at": None}
            if token is not None:
                values["token_hash"] = token_hash(token)
            if row is None:
                conn.execute(d.insert().values(id=device.id, created_at=now, **values))
            else:
                conn.execute(d.update().where(d.c.id == device.id).values(**values))
        for device_id, row in existing.items():
            if device_id not in seen and row.revoked_at is None:
                conn.execute(d.update().where(d.c.id == device_id).values(revoked_at=now))
    return issued


def active_devices(engine: Engine) -> dict[str, Device]:
    """Every usable credential, by token hash."""
    d = schema.devices
    with engine.connect() as conn:
        rows = conn.execute(select(d).where(d.c.revoked_at.is_(None)))
        return {r.token_hash: Device(r.id, r.role, r.site_id, r.name, r.area, r.counter_id)
                for r in rows}
