"""Pairing a kiosk or display: it shows a short code, an administrator enters it, and the
device collects a long-lived token, once.

Pending pairings are stored (server/store/pairings.py), so that every process of a cluster
knows them: the device, the administrator's PC and a load balancer need not agree on a
process. What is stored gives nobody the token: the pairing id the device polls with is
kept only as a hash, and the token it will collect (made when it asks for its code) only
sealed with a key made from that id, until it is collected or its time is up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine

from ..domain.errors import NotFound
from ..store import pairings as store
from ..store.devices import Device, new_token, token_hash
from .errors import PairingExpired, TooManyAttempts

Offload = Callable[[Callable[[], Any]], Any]
# No 0/O, 1/I/L, 2/Z, 5/S, 6/G or 8/B: the code is read off a screen and typed by hand.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 6
MAX_PENDING = 200
MAX_PER_ADDRESS = 10
KEEP_EXPIRED = timedelta(hours=1)  # so a late poll hears "expired", not "unknown"
CODE_TRIES = 5  # codes made in turn when one is shown already (1 in 10⁵ at 200 waiting)
SEAL = b"madoguchi pairing token"


@dataclass(frozen=True)
class Pairing:
    """A pairing as its device sees it: `token` and `device` once approved and collected."""

    id: str
    code: str
    expires_at: datetime
    token: str | None = None
    device: Device | None = None

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.expires_at - now).total_seconds()))


def normalise_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _pad(pairing_id: str) -> bytes:
    return hmac.new(pairing_id.encode(), SEAL, hashlib.sha256).digest()


def seal(token: str, pairing_id: str) -> str:
    """`token` (32 characters, as new_token makes) sealed with a key made from the id."""
    raw = token.encode("ascii")
    pad = _pad(pairing_id)
    if len(raw) != len(pad):
        raise ValueError("a pairing seals a token of 32 characters")
    return bytes(a ^ b for a, b in zip(raw, pad, strict=True)).hex()


def unseal(sealed: str, pairing_id: str) -> str:
    return bytes(a ^ b for a, b in zip(bytes.fromhex(sealed), _pad(pairing_id),
                                       strict=True)).decode("ascii")


def _unknown() -> NotFound:
    return NotFound("There is no such pairing: ask for a new code.", "unknown_pairing")


def _refusal(gone: store.NotWaiting) -> Exception:
    if gone.expired:
        return PairingExpired(
            "This code has expired: the device shows a new one after it asks again.")
    return NotFound(
        "No device is waiting with this code (or it was used already).", "unknown_pairing")


class Pairings:
    """The devices waiting to be paired, in the store; its calls run through `offload`."""

    def __init__(self, writer: Engine, reader: Engine, offload: Offload, minutes: int) -> None:
        self.writer = writer
        self.reader = reader
        self.offload = offload
        self.lifetime = timedelta(minutes=minutes)

    def start(self, now: datetime, address: str | None) -> Pairing:
        pairing_id, token = secrets.token_urlsafe(24), new_token()
        for _ in range(CODE_TRIES):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            row = store.NewPairing(token_hash(pairing_id), code, address, now + self.lifetime,
                                   token_hash(token), seal(token, pairing_id))
            try:
                self.offload(partial(store.add, self.writer, row, now, MAX_PENDING,
                                     MAX_PER_ADDRESS))
            except store.CodeTaken:
                continue
            except store.TooManyWaiting:
                raise TooManyAttempts(
                    "Too many devices are waiting to be paired: try again later.",
                    retry_after=60, lock="pairing") from None
            return Pairing(pairing_id, code, row.expires_at)
        raise RuntimeError("no free pairing code was found")

    def poll(self, pairing_id: str, now: datetime) -> Pairing:
        """The pairing as it stands; once approved, its token and device, given once."""
        hashed = token_hash(pairing_id)
        found: store.Waiting | None = self.offload(lambda: store.find(self.reader, hashed))
        if found is None:
            raise _unknown()
        if found.expires_at <= now:
            raise PairingExpired("The pairing code has expired: ask for a new one.")
        if not found.approved:
            return Pairing(pairing_id, found.code, found.expires_at)
        collected = self.offload(lambda: store.collect(self.writer, hashed, now))
        if collected is None:  # another request collected it meanwhile
            raise _unknown()
        sealed, device = collected
        return Pairing(pairing_id, found.code, found.expires_at, unseal(sealed, pairing_id),
                       device)

    def check(self, code: str, now: datetime) -> None:
        """Refuse, as approving would, unless a device waits with `code`."""
        try:
            self.offload(lambda: store.check_code(self.reader, normalise_code(code), now))
        except store.NotWaiting as gone:
            raise _refusal(gone) from None

    def approve(self, code: str, device: Device, now: datetime,
                rows: list[dict[str, Any]]) -> str:
        """Pair the device showing `code` as `device`, stored with the audit rows: the hash
        of the token it collects. A code is approved once, by whichever process is first."""
        try:
            return str(self.offload(lambda: store.approve(
                self.writer, normalise_code(code), device, now, now + self.lifetime, rows)))
        except store.NotWaiting as gone:
            raise _refusal(gone) from None

    def purge(self, now: datetime) -> int:
        return int(self.offload(lambda: store.purge(self.writer, now, KEEP_EXPIRED)))
