"""Pairing a kiosk or display: it shows a short code, an administrator enters it, and the
device collects a long-lived token, once.

Pending pairings live in memory only: after a restart a device simply asks for a new code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.errors import NotFound
from ..store.devices import Device
from .errors import PairingExpired, TooManyAttempts

# No 0/O, 1/I/L, 2/Z, 5/S, 6/G or 8/B: the code is read off a screen and typed by hand.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 6
MAX_PENDING = 200
MAX_PER_ADDRESS = 10
KEEP_EXPIRED = timedelta(hours=1)  # so a late poll hears "expired", not "unknown"


@dataclass
class Pairing:
    id: str
    code: str
    address: str | None
    expires_at: datetime
    state: str = "pending"  # pending → approving → paired (then collected and forgotten)
    device: Device | None = None
    token: str | None = None

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.expires_at - now).total_seconds()))


def normalise_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


class Pairings:
    def __init__(self, minutes: int) -> None:
        self.lifetime = timedelta(minutes=minutes)
        self.by_id: dict[str, Pairing] = {}

    def start(self, now: datetime, address: str | None) -> Pairing:
        self.purge(now)
        live = [p for p in self.by_id.values() if p.expires_at > now]
        if len(live) >= MAX_PENDING or sum(p.address == address for p in live) >= MAX_PER_ADDRESS:
            raise TooManyAttempts(
                "Too many devices are waiting to be paired: try again later.", retry_after=60
            )
        codes = {p.code for p in live}
        code = ""
        while not code or code in codes:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        pairing = Pairing(secrets.token_urlsafe(24), code, address, now + self.lifetime)
        self.by_id[pairing.id] = pairing
        return pairing

    def get(self, pairing_id: str, now: datetime) -> Pairing:
        pairing = self.by_id.get(pairing_id)
        if pairing is None:
            raise NotFound("There is no such pairing: ask for a new code.", "unknown_pairing")
        if pairing.expires_at <= now:
            raise PairingExpired("The pairing code has expired: ask for a new one.")
        return pairing

    def claim(self, code: str, now: datetime) -> Pairing:
        """The pending pairing showing `code`, marked as being approved (a code is used once)."""
        wanted = normalise_code(code)
        for pairing in self.by_id.values():
            if pairing.code != wanted:
                continue
            if pairing.expires_at <= now:
                raise PairingExpired(
                    "This code has expired: the device shows a new one after it asks again."
                )
            if pairing.state == "pending":
                pairing.state = "approving"
                return pairing
        raise NotFound(
            "No device is waiting with this code (or it was used already).", "unknown_pairing"
        )

    def release(self, pairing: Pairing) -> None:
        """Approval failed: the code may be entered again."""
        pairing.state = "pending"

    def paired(self, pairing: Pairing, device: Device, token: str, now: datetime) -> None:
        """Approved: the device has one more lifetime to collect its token."""
        pairing.state, pairing.device, pairing.token = "paired", device, token
        pairing.expires_at = now + self.lifetime

    def collect(self, pairing: Pairing) -> None:
        del self.by_id[pairing.id]

    def purge(self, now: datetime) -> None:
        for key in [k for k, p in self.by_id.items() if p.expires_at + KEEP_EXPIRED <= now]:
            del self.by_id[key]
