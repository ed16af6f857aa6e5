"""Managers edit their site's notice line, business hours and target waits, live.

A change is checked, stored (with its audit row, in one transaction) in `site_overrides`,
laid over the site file, and put in place in the running server: the site object every
part reads is replaced, and every screen of the site gets a fresh snapshot at once
(displays and kiosks their public one, consoles and dashboards the staff one). The
overrides are laid over the site file again at every start.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..domain.model import Site
from ..realtime import display_snapshot
from ..store.devices import Device
from . import store
from .site_edits import applied, checked, settings_view


class SiteEditor:
    """Keeps the site file's sites and lays the stored overrides over them."""

    def __init__(
        self, services: Any, base: dict[str, Site], writer: Any, reader: Any, offload: Any
    ) -> None:
        self.services = services
        self.offload = offload
        self.base = dict(base)
        self.writer = writer
        self.reader = reader
        self.overrides: dict[str, dict[str, Any]] = {}

    def load(self) -> None:
        """At start: lay every stored override over the site file."""
        with self.reader.connect() as conn:
            self.overrides = {k: v for k, v in store.all_overrides(conn).items() if k in self.base}
        for site_id, overrides in self.overrides.items():
            self._put_in_place(applied(self.base[site_id], overrides))

    def change(self, site_id: str, body: dict[str, Any], who: Device, audit: Any) -> Site:
        base = self.base[site_id]
        overrides = checked(base, body, self.overrides.get(site_id, {}))
        now = self.services.clock.now()
        rows = audit.stored_with_change(200) if audit is not None else []
        self.offload(lambda: self._store(site_id, overrides, now, who.id, rows))
        self.overrides[site_id] = overrides
        site = applied(base, overrides)
        self._put_in_place(site)
        self._push(site_id)
        return site

    def _store(
        self, site_id: str, overrides: dict[str, Any], now: Any, by: str, rows: list[dict[str, Any]]
    ) -> None:
        with self.writer.begin() as conn:
            store.save_overrides(conn, site_id, overrides, now, by, rows)

    def _put_in_place(self, site: Site) -> None:
        """Every part reads the site from the shared sites map or from its queue."""
        self.services.sites[site.id] = site
        self.services.engine.queue(site.id).reconfigure(site)

    def _push(self, site_id: str) -> None:
        services = self.services
        site = services.sites[site_id]
        socketio = services.socketio
        staff = Device("reports", "staff", site_id, "")
        socketio.emit("snapshot", display_snapshot(services, staff, site_id), to=f"staff:{site_id}")
        kiosk = Device("reports", "kiosk", site_id, "")
        socketio.emit(
            "snapshot", display_snapshot(services, kiosk, site_id), to=f"public:{site_id}"
        )
        for area in site.areas:
            display = Device("reports", "display", site_id, "", area=area)
            socketio.emit(
                "snapshot",
                display_snapshot(services, display, site_id),
                to=f"display:{site_id}:{area}",
            )
        for counter in site.counters:
            display = Device(
                "reports", "display", site_id, "", area=counter.area, counter_id=counter.id
            )
            socketio.emit(
                "snapshot",
                display_snapshot(services, display, site_id),
                to=f"counter:{site_id}:{counter.id}",
            )
        socketio.emit("config", {"site": site_id, **settings_view(site)}, to=f"staff:{site_id}")


def editor() -> SiteEditor:
    return current_app.extensions["madoguchi_site_editor"]  # type: ignore[no-any-return]
