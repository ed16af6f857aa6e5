"""What the server last heard from each device: when (its last contact) and, for a display,
whether it may play sound, how many calls it holds unspoken, and its last sound test.

Kept in memory: after a restart every display connects again within seconds and says anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .domain.clock import Clock
from .domain.model import Site

SOUND_STATES = ("allowed", "blocked")
TEST_RESULTS = ("played", "blocked")


@dataclass
class Health:
    last_contact: datetime | None = None
    connected: bool = False
    sound: str | None = None  # "allowed", "blocked", or None: never said
    sound_at: datetime | None = None
    held: int = 0  # calls it could not speak yet
    test: str | None = None  # the last sound test: "played" or "blocked"
    test_at: datetime | None = None


class DeviceHealth:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._by_id: dict[str, Health] = {}

    def _of(self, device_id: str) -> Health:
        return self._by_id.setdefault(device_id, Health())

    def contact(self, device_id: str, connected: bool | None = None) -> None:
        health = self._of(device_id)
        health.last_contact = self.clock.now()
        if connected is not None:
            health.connected = connected

    def report(self, device_id: str, sound: str, held: int = 0, test: str | None = None) -> bool:
        """A display says whether it may play sound; True when that changed."""
        health = self._of(device_id)
        now = self.clock.now()
        changed = health.sound != sound
        health.last_contact = now
        health.sound, health.held = sound, held
        if changed:
            health.sound_at = now
        if test is not None:
            health.test, health.test_at = test, now
        return changed

    def view(self, device_id: str, tz: ZoneInfo) -> dict[str, Any]:
        health = self._by_id.get(device_id) or Health()

        def local(moment: datetime | None) -> str | None:
            return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None

        return {
            "sound": health.sound,
            "sound_since": local(health.sound_at),
            "held_calls": health.held,
            "last_contact": local(health.last_contact),
            "online": health.connected,
            "sound_test": health.test,
            "sound_test_at": local(health.test_at),
        }


def with_health(
    devices: list[dict[str, Any]], health: DeviceHealth, sites: dict[str, Site]
) -> list[dict[str, Any]]:
    """Device views (GET /api/devices, the admin page), each display with its `health`."""
    for view in devices:
        if view["role"] == "display":
            site = sites.get(view["site"]) or next(iter(sites.values()), None)
            view["health"] = health.view(view["id"], site.tz if site else ZoneInfo("UTC"))
    return devices
