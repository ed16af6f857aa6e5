"""Every change to a running site, in one place: an administrator's (desks, counters,
printers, devices) and a manager's (notice line, opening hours, target waits), each checked
whole, stored whole (with its audit row), then in effect on every screen at once.

An administrator's change is a new layer for one site (see layer.py), and sometimes new
values for devices. It is laid over the site file and read by the site file's rules; checked
against what is live (safety.py); stored in one transaction with its audit row; checked again
(the event loop ran while it was stored) and only then put in place. A manager's change is
checked by overrides.py, which are laid over the site as the layer makes it. Putting a change
in place is the same for both: the site every part reads, the site's live queue, the
printers, and a fresh snapshot to every screen of the site.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from gevent.lock import BoundedSemaphore

from ..auth.registry import Credentials
from ..domain.clock import Clock
from ..domain.errors import Conflict, Invalid, Refusal, Unavailable, unknown_site
from ..domain.model import Site
from ..engine import Engine
from ..printing import PrintService
from ..realtime import Publisher
from ..siteconfig import SiteConfig
from ..store.devices import Device
from ..tomlread import ConfigError, dotted
from . import store
from .layer import (
    FieldError,
    Layer,
    SiteParts,
    TakenElsewhere,
    check_site,
    laid_over,
    part_tables,
)
from .overrides import applied, checked, settings_view
from .safety import check_change, check_desks_removable

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Edit:
    """One change asked for: what it does to the site's parts, the part of the layer it
    writes, the item it is about (for naming a refused field), and device rows to change."""

    site_id: str
    part: str | None  # "services", "counters"…: the layer's part it writes; None: no part
    change: Callable[[SiteParts], SiteParts]  # the site's parts in effect, changed
    item: tuple[str | int, ...] = ()  # e.g. ("counters", 2): its fields are body.<key>
    subject: tuple[str, str] | None = None  # e.g. ("counters", "c9"), for the audit log
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    devices_before: dict[str, dict[str, Any]] = field(default_factory=dict)  # for an undo
    after: Callable[[], None] | None = None  # runs once the change is in place
    renamed: dict[str, str] = field(default_factory=dict)  # site file key -> body field
    reset: bool = False  # back to the site file: the whole layer goes


def file_parts(config: SiteConfig) -> dict[str, SiteParts]:
    """Each site as the site file has it: desks, counters, printers, kiosks' printers."""
    parts = {}
    for site in config.sites:
        printer_ids = {p for p, s in config.printer_sites if s == site.id}
        printers = tuple(p for p in config.printers if p.id in printer_ids)
        kiosks = {d.id: d.printers for d in config.devices
                  if d.site_id == site.id and d.printers}
        parts[site.id] = SiteParts(site, printers, kiosks)
    return parts


@dataclass(frozen=True)
class LiveSite:
    """The running parts a change to a site reaches."""

    sites: dict[str, Site]  # the map every part reads a site from
    engine: Engine
    credentials: Credentials
    printing: PrintService
    publisher: Publisher
    clock: Clock


@dataclass(frozen=True)
class Edits:
    """What is stored of the changes to each site: the administrators' layers, the managers'
    overrides, and each site's parts with the layer laid over the site file."""

    layers: dict[str, Layer]
    overrides: dict[str, dict[str, Any]]
    parts: dict[str, SiteParts]


def in_effect(config: SiteConfig, edits: Edits) -> SiteConfig:
    """The site file's configuration with every site as it is in effect."""
    parts = edits.parts
    chosen = {k: v for p in parts.values() for k, v in p.kiosk_printers.items()}
    return replace(
        config,
        sites=tuple(applied(parts[s.id].site, edits.overrides.get(s.id, {}))
                    for s in config.sites),
        printers=tuple(p for part in parts.values() for p in part.printers),
        printer_sites=tuple((p.id, s) for s, part in parts.items() for p in part.printers),
        devices=tuple(replace(d, printers=chosen.get(d.id, ())) if d.role == "kiosk" else d
                      for d in config.devices),
    )


def load_edits(config: SiteConfig, reader: Any) -> Edits:
    """At start, before the queues are loaded: every stored layer laid over the site file, and
    the managers' overrides. A layer the site file no longer fits (it was changed since) is
    left out, loudly."""
    return stored_edits(file_parts(config), reader)


def stored_edits(base: dict[str, SiteParts], reader: Any) -> Edits:
    """What is stored of the changes to each site, laid over `base` (each site's parts as the
    site file has them) by load_edits's rules."""
    current = dict(base)
    layers = {}
    for site_id, layer in store.all_layers(reader).items():
        if site_id not in base:
            continue
        try:
            current[site_id] = laid_over(base[site_id], layer, _taken(current, site_id))
            layers[site_id] = layer
        except ConfigError as exc:
            log.error("site %s: the administrator's changes no longer fit the site file and "
                      "are not used (%s); make them again on the admin page", site_id, exc)
    overrides = {k: v for k, v in store.all_overrides(reader).items() if k in base}
    return Edits(layers, overrides, current)


def _taken(current: Mapping[str, SiteParts], site_id: str) -> TakenElsewhere:
    others = [p for s, p in current.items() if s != site_id]
    return TakenElsewhere(
        frozenset(c.id for p in others for c in p.site.counters),
        frozenset(pr.id for p in others for pr in p.printers),
    )


class SiteEditor:
    """Holds each site's parts as the site file has them, the administrators' layers, the
    parts they make, and the managers' overrides; makes changes one at a time."""

    def __init__(self, config: SiteConfig, edits: Edits, live: LiveSite, writer: Any,
                 offload: Any) -> None:
        self.live = live
        self.sites = live.sites
        self.engine = live.engine
        self.credentials = live.credentials
        self.clock = live.clock
        self.file = file_parts(config)
        self.layers = dict(edits.layers)
        self.current = dict(edits.parts)
        self.overrides = dict(edits.overrides)
        self.writer = writer
        self.offload = offload
        self._one_at_a_time = BoundedSemaphore()

    def parts(self, site_id: str) -> SiteParts:
        if site_id not in self.current:
            raise unknown_site(site_id)
        return self.current[site_id]

    def refresh(self, site_id: str) -> None:
        """A cluster's site this process is about to serve, before its queue is loaded: the
        changes stored for it (by the process that served it until now) are put in place, as
        at start (load_edits); until then this process had the site as it was when it
        started. Reads the database; runs in the cluster's lease round."""
        with self._one_at_a_time:
            edits = stored_edits(self.file, self.writer)
            old, new = self.parts(site_id), edits.parts[site_id]
            for mine, stored in ((self.layers, edits.layers), (self.overrides, edits.overrides)):
                if site_id in stored:
                    mine[site_id] = stored[site_id]
                else:
                    mine.pop(site_id, None)
            self.current[site_id] = new
            self._set_site(site_id, old, new)  # no queue yet: the engine loads it from here

    def apply(self, edit: Edit, who: Device, audit: Any) -> SiteParts:
        """An administrator's change."""
        with self._one_at_a_time:
            return self._apply(edit, who, audit)

    def change_settings(self, site_id: str, body: dict[str, Any], who: Device,
                        audit: Any) -> Site:
        """A manager's change of the site's notice line, opening hours or target waits."""
        with self._one_at_a_time:
            parts = self.parts(site_id)
            overrides = checked(parts.site, body, self.overrides.get(site_id, {}))
            rows = audit.stored_with_change(200) if audit is not None else []
            now = self.clock.now()
            change = store.StoredChange(site_id, None, overrides, audit=rows)
            self.offload(lambda: store.save(self.writer, change, now, who.id))
            self.overrides[site_id] = overrides
            self._put_in_place(site_id, parts, parts)
            return self.sites[site_id]

    def _apply(self, edit: Edit, who: Device, audit: Any) -> SiteParts:
        site_id = edit.site_id
        queue = self.engine.queue(site_id)
        old = self.parts(site_id)
        new = self._named(edit, lambda: edit.change(old))
        _check_removals(queue, old, new)
        self._named(edit, lambda: check_site(new, _taken(self.current, site_id)))
        layer = self._layer_after(edit, new)
        devices = list(self.credentials.devices.values())
        check_change(queue, old, new, _moved(devices, edit.devices))
        overrides = self._overrides_after(site_id, old, new)
        if audit is not None:
            audit.detail.update(_before_after(old, new, edit))
        rows = audit.stored_with_change(200) if audit is not None else []
        now = self.clock.now()
        change = store.StoredChange(site_id, layer, overrides, edit.devices, rows)
        try:
            self.offload(lambda: store.save(self.writer, change, now, who.id))
        except Exception as exc:  # nothing was stored: nothing changes
            log.exception("storing a change to site %s failed", site_id)
            raise Unavailable(f"The database could not store the change ({exc}).",
                              "store_unavailable") from None
        try:  # the event loop ran while the change was stored
            check_change(queue, old, new, _moved(devices, edit.devices))
        except Refusal as exc:
            self._undo(edit, audit, exc, now, who)
            raise
        if layer is not None:
            self.layers[site_id] = layer
        self.current[site_id] = new
        if overrides is not None:
            self.overrides[site_id] = overrides
        self._put_in_place(site_id, old, new)
        if edit.after is not None:
            edit.after()
        return new

    def _layer_after(self, edit: Edit, new: SiteParts) -> Layer | None:
        """The layer to store: the stored one with the edited part as it now is (in the site
        file's words); None if the edit writes no part."""
        if edit.reset:
            return {}
        if edit.part is None:
            return None
        return {**self.layers.get(edit.site_id, {}), edit.part: part_tables(new, edit.part)}

    def _named(self, edit: Edit, check: Callable[[], T]) -> T:
        """`check()`, with a value the site file's rules refuse named as the request's field
        (body.<key>) if it is the edited item's, else by its place in the site."""
        try:
            return check()
        except FieldError as exc:
            where = exc.where
            mine = edit.item and where[: len(edit.item)] == edit.item and \
                len(where) > len(edit.item)
            key = dotted(where[len(edit.item):])
            name = f"body.{edit.renamed.get(key, key)}" if mine else f"site.{dotted(where)}"
            raise Invalid(f"{dotted(where)}: {exc.reason}", "invalid_field",
                          field=name) from None

    def _overrides_after(self, site_id: str, old: SiteParts, new: SiteParts
                         ) -> dict[str, Any] | None:
        """The managers' settings once desks are removed or given a new target wait by the
        administrator (the administrator's figure then stands); None if unchanged."""
        overrides = self.overrides.get(site_id)
        waits = dict((overrides or {}).get("target_waits", {}))
        for service_id in list(waits):
            now, before = new.site.service(service_id), old.site.service(service_id)
            if now is None or before is None or now.target_wait_min != before.target_wait_min:
                del waits[service_id]
        if overrides is None or waits == overrides.get("target_waits", {}):
            return None
        return {**overrides, "target_waits": waits}

    def _undo(self, edit: Edit, audit: Any, exc: Refusal, now: Any, who: Device) -> None:
        """Something went live while the change was stored: store the site as it was."""
        site_id = edit.site_id
        rows = [audit.row(409, exc.code)] if audit is not None else []
        if audit is not None:
            audit.written = True
        before = store.StoredChange(site_id, self.layers.get(site_id, {}),
                                    self.overrides.get(site_id), edit.devices_before, rows)
        self.offload(lambda: store.save(self.writer, before, now, who.id))

    def _put_in_place(self, site_id: str, old: SiteParts, new: SiteParts) -> None:
        """Every part reads the site from the shared sites map or from its queue."""
        site = self._set_site(site_id, old, new)
        self.engine.queue(site_id).reconfigure(site)
        self.live.publisher.site_changed(site_id, settings_view(site))

    def _set_site(self, site_id: str, old: SiteParts, new: SiteParts) -> Site:
        """The site in the shared sites map (a queue is loaded from it), and its printers."""
        site = applied(new.site, self.overrides.get(site_id, {}))
        self.sites[site_id] = site
        if old.printers != new.printers or dict(old.kiosk_printers) != dict(new.kiosk_printers):
            self.live.printing.set_site_printers(site_id, new.printers, new.kiosk_printers)
        return site


def _check_removals(queue: Any, old: SiteParts, new: SiteParts) -> None:
    """A desk taken away that a counter or a ticket still needs is a conflict (409), not a
    mistake in the counters (422): say so before the site file's rules read the change."""
    used = {p for ids in new.kiosk_printers.values() for p in ids}
    kept = {p.id for p in new.printers}
    for printer in old.printers:
        if printer.id not in kept and printer.id in used:
            raise Conflict(f"A kiosk still prints on printer {printer.id}: choose another "
                           "printer for it first.", "printer_in_use", printer=printer.id)
    removed = [s.id for s in old.site.services if new.site.service(s.id) is None]
    check_desks_removable(queue, removed, ((c.id, c.name, c.services) for c in new.site.counters))


def _moved(devices: list[Device], changes: Mapping[str, dict[str, Any]]) -> list[Device]:
    """The credentials in force, with the places this change gives devices."""
    found = []
    for device in devices:
        values = changes.get(device.id)
        if values is not None:
            if values.get("disabled_at") is not None:
                continue
            device = replace(device, site_id=values.get("site_id", device.site_id),
                             area=values.get("area", device.area),
                             counter_id=values.get("counter_id", device.counter_id),
                             show_sensitive=tuple(values.get("show_sensitive",
                                                             device.show_sensitive) or ()))
        found.append(device)
    return found


def _before_after(old: SiteParts, new: SiteParts, edit: Edit) -> dict[str, Any]:
    """For the audit log: the edited item as it was and as it is."""
    if edit.subject is None:
        return {}
    part, key = edit.subject
    return {"before": _find(part_tables(old, part), key),
            "after": _find(part_tables(new, part), key)}


def _find(part: Any, key: str) -> Any:
    if isinstance(part, dict):
        return part.get(key)
    return next((t for t in part if t.get("id") == key), None)
