"""Kiosks and displays waiting to be paired (server/auth/pairing.py), stored so that every
process on the database shares them: a device may ask for its code on one process, be
approved on another and collect its token on a third.

A pairing is found by the hash of its id (the device asking) or by its code (the
administrator approving). Its approval and its collection each happen once: each is a
statement that changes the row only in the state it must be in, and of two processes doing
the same at once, the second finds the row changed (on PostgreSQL it waits for the first's
commit, then looks again; SQLite's writers take turns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from . import audit, devices, schema
from .db import as_utc
from .devices import Device


class TooManyWaiting(Exception):
    """So many devices wait (in all, or from this address) that no more may."""


class CodeTaken(Exception):
    """Another pairing shows this code: make another."""


class NotWaiting(Exception):
    """No device waits with this code, or it was approved already, or (`expired`) its time
    is up."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "unknown")
        self.expired = expired


@dataclass(frozen=True)
class NewPairing:
    id_hash: str
    code: str
    address: str | None
    expires_at: datetime
    token_hash: str  # of the token the device gets once approved
    sealed_token: str  # that token, sealed with a key only the device's pairing id gives


@dataclass(frozen=True)
class Waiting:
    """A stored pairing as its device sees it."""

    code: str
    expires_at: datetime
    approved: bool


def add(engine: Engine, pairing: NewPairing, now: datetime, most: int,
        most_per_address: int) -> None:
    """Store a new pairing, unless `most` are waiting, or `most_per_address` from its
    address. Raises TooManyWaiting, or CodeTaken if a pairing not yet purged shows its code."""
    p = schema.pairings
    live = p.c.expires_at > now
    try:
        with engine.begin() as conn:
            waiting = conn.execute(select(func.count()).select_from(p).where(live)).scalar_one()
            here = conn.execute(select(func.count()).select_from(p).where(
                live, p.c.address == pairing.address)).scalar_one()
            if waiting >= most or here >= most_per_address:
                raise TooManyWaiting
            conn.execute(p.insert().values(
                id_hash=pairing.id_hash, code=pairing.code, address=pairing.address,
                expires_at=pairing.expires_at, token_hash=pairing.token_hash,
                sealed_token=pairing.sealed_token))
    except IntegrityError:
        raise CodeTaken(pairing.code) from None


def find(engine: Engine, id_hash: str) -> Waiting | None:
    p = schema.pairings
    with engine.connect() as conn:
        row = conn.execute(select(p.c.code, p.c.expires_at, p.c.device_id)
                           .where(p.c.id_hash == id_hash)).first()
    if row is None:
        return None
    expires_at = as_utc(row.expires_at)
    assert expires_at is not None
    return Waiting(row.code, expires_at, row.device_id is not None)


def check_code(engine: Engine, code: str, now: datetime) -> None:
    """Raise NotWaiting unless a device waits with `code`, not yet approved."""
    p = schema.pairings
    with engine.connect() as conn:
        row = conn.execute(select(p.c.expires_at, p.c.device_id)
                           .where(p.c.code == code)).first()
    _refuse_unless_waiting(row, now)


def _refuse_unless_waiting(row: Any, now: datetime) -> None:
    if row is None:
        raise NotWaiting(expired=False)
    if as_utc(row.expires_at) <= now:  # type: ignore[operator]
        raise NotWaiting(expired=True)
    if row.device_id is not None:
        raise NotWaiting(expired=False)


def approve(engine: Engine, code: str, device: Device, now: datetime, until: datetime,
            rows: Sequence[dict[str, Any]] = ()) -> str:
    """Pair the device waiting with `code` as `device` (stored, with the audit rows), to
    collect its token by `until`: the hash of that token. Raises NotWaiting, having changed
    nothing, if no device waits with the code (or another approval took it first)."""
    p = schema.pairings
    with engine.begin() as conn:
        claimed = conn.execute(
            p.update()
            .where(p.c.code == code, p.c.device_id.is_(None), p.c.expires_at > now)
            .values(device_id=device.id, expires_at=until))
        if claimed.rowcount != 1:
            _refuse_unless_waiting(conn.execute(select(p.c.expires_at, p.c.device_id)
                                                .where(p.c.code == code)).first(), now)
            raise NotWaiting(expired=False)  # taken between the statements (not on SQLite)
        hashed = str(conn.execute(select(p.c.token_hash).where(p.c.code == code)).scalar_one())
        devices.insert_paired(conn, device, hashed, now)
        audit.insert(conn, rows)
    return hashed


def collect(engine: Engine, id_hash: str, now: datetime) -> tuple[str, Device] | None:
    """Take an approved pairing's sealed token and its device, and forget the pairing; None
    if it is not (or no longer) approved and waiting to be collected."""
    p = schema.pairings
    with engine.begin() as conn:
        row = conn.execute(select(p.c.sealed_token, p.c.device_id).where(
            p.c.id_hash == id_hash, p.c.device_id.is_not(None), p.c.expires_at > now,
            p.c.sealed_token.is_not(None))).first()
        if row is None:
            return None
        if conn.execute(p.delete().where(p.c.id_hash == id_hash)).rowcount != 1:
            return None  # collected by another request meanwhile
        device = devices.device_by_id(conn, row.device_id)
    return (row.sealed_token, device) if device is not None else None


def purge(engine: Engine, now: datetime, keep: timedelta) -> int:
    """Drop the sealed tokens of pairings whose time is up, and the pairings themselves
    `keep` after (until then a late poll hears "expired"); the pairings dropped."""
    p = schema.pairings
    with engine.begin() as conn:
        gone = conn.execute(p.delete().where(p.c.expires_at <= now - keep)).rowcount
    with engine.begin() as conn:
        conn.execute(p.update().where(p.c.expires_at <= now, p.c.sealed_token.is_not(None))
                     .values(sealed_token=None))
    return int(gone)
