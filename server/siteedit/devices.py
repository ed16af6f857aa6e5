"""Kiosks and displays as an administrator moves, names, switches off and on, gives printers
or (a display in a welfare corner) sensitive desks to show: checked by the pairing rules and
the site file's, stored with the site's change, and in force at once (a switched-off device's
connections close; a moved one, or one that shows other desks, reconnects to its new place)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..auth.service import device_to_pair
from ..domain.errors import Conflict, Invalid, NotFound, Refusal
from ..domain.model import Site
from ..sitedevices import shown_sensitive_refusal
from ..store.devices import Device
from .changes import Change
from .editor import Edit, SiteEditor
from .layer import SiteParts, put_kiosk_printers
from .store import device_rows

log = logging.getLogger(__name__)


def unknown_device(device_id: str) -> NotFound:
    return NotFound(f"This site has no kiosk or display '{device_id}'.", "unknown_device",
                    device=device_id)


def device_views(editor: SiteEditor, site_id: str) -> list[dict[str, Any]]:
    rows = editor.offload(lambda: device_rows(editor.engine.reader, [site_id]))
    chosen = editor.parts(site_id).kiosk_printers
    credentials = editor.credentials
    return [{"id": r.id, "role": r.role, "name": r.name, "site": r.site_id, "area": r.area,
             "counter": r.counter_id, "enabled": r.disabled_at is None,
             "show_sensitive": list(r.show_sensitive or ()),
             "printers": list(chosen.get(r.id, ())), "source": r.source,
             "connected": credentials.connected(r.id)} for r in rows]


def device_change(editor: SiteEditor, site_id: str, device_id: str,
                  body: dict[str, Any]) -> Change:
    """The change `body` asks of a kiosk or display of `site_id`."""
    parts = editor.parts(site_id)
    rows = editor.offload(lambda: device_rows(editor.engine.reader, [site_id]))
    row = next((r for r in rows if r.id == device_id), None)
    if row is None:
        raise unknown_device(device_id)
    target = body.get("site", site_id)
    sites = editor.sites
    placed = "site" in body or "area" in body or "counter" in body
    area = body.get("area", row.area) if target == site_id else body.get("area")
    counter = body.get("counter", row.counter_id) if target == site_id else body.get("counter")
    if "counter" in body and body["counter"] and "area" not in body:
        area = None  # a display moved to a counter takes the counter's area
    try:
        if row.role == "kiosk":  # a kiosk serves the whole site: the pairing rule refuses more
            area, counter = body.get("area"), body.get("counter")
        place = device_to_pair(sites, row.role, target, body.get("name", row.name), area,
                               counter)
    except Refusal as exc:
        if exc.code == "invalid_field":
            raise Invalid(exc.message, "invalid_field",
                          field=f"body.{exc.details.get('field', 'name')}") from None
        raise
    values: dict[str, Any] = {"name": place.name}
    if placed:
        values.update(site_id=place.site_id, area=place.area, counter_id=place.counter_id)
    kept = tuple(row.show_sensitive or ())
    desks = _shown_sensitive(body, kept, row.role, place.counter_id,
                             sites[place.site_id or site_id])
    if desks != kept:
        values["show_sensitive"] = list(desks) or None
    if "enabled" in body:
        values["disabled_at"] = None if body["enabled"] else editor.clock.now()
    printers = dict(parts.kiosk_printers)
    if "printers" in body:
        printers[device_id] = tuple(body["printers"])
    part, change = _printers_change(row.role, device_id, body)
    if target != site_id and printers.get(device_id):
        raise Conflict("This kiosk prints on this site's printers: choose no printer for it "
                       "before moving it to another site.", "device_has_printers",
                       device=device_id)
    was = Device(row.id, row.role, row.site_id, row.name, row.area, row.counter_id,
                 show_sensitive=kept)
    stored = {"name": row.name, "site_id": row.site_id, "area": row.area,
              "counter_id": row.counter_id, "disabled_at": row.disabled_at,
              "show_sensitive": row.show_sensitive}
    edit = Edit(site_id, part, change, ("kiosk_printers", device_id), None,
                devices={device_id: values},
                devices_before={device_id: {k: stored[k] for k in values}},
                after=lambda: put_in_force(editor, was, row.token_hash, values, row.disabled_at))
    shown = {k: v for k, v in values.items() if k not in ("disabled_at", "show_sensitive")}
    if "disabled_at" in values:
        shown["enabled"] = values["disabled_at"] is None
    shown["show_sensitive"] = list(desks)
    before = {"name": row.name, "site_id": row.site_id, "area": row.area,
              "counter_id": row.counter_id, "enabled": row.disabled_at is None,
              "printers": list(parts.kiosk_printers.get(device_id, ())),
              "show_sensitive": list(kept)}
    shown["printers"] = list(printers.get(device_id, ()))
    return Change(edit, "device_changed", f"device:{device_id}",
                  {"before": before, "after": shown})


def _shown_sensitive(body: dict[str, Any], kept: tuple[str, ...], role: str,
                     counter_id: str | None, site: Site) -> tuple[str, ...]:
    """The sensitive desks the display is to show (those `body` names, else those it shows
    now), checked by the site file's rule at the place it is going to."""
    desks = tuple(body.get("show_sensitive", kept) or ())
    for index, desk_id in enumerate(desks):
        if desk_id in desks[:index]:
            raise Invalid(f"Desk '{desk_id}' is listed twice.", "invalid_field",
                          field=f"body.show_sensitive.{index}")
    refusal = shown_sensitive_refusal(role, counter_id, site, desks)
    if refusal is not None:
        field = "body.show_sensitive" + ("" if refusal.index is None else f".{refusal.index}")
        raise Invalid(refusal.reason[0].upper() + refusal.reason[1:] + ".", refusal.code,
                      field=field)
    return desks


def _printers_change(role: str, device_id: str, body: dict[str, Any]
                     ) -> tuple[str | None, Callable[[SiteParts], SiteParts]]:
    """The part of the layer a device's change writes, and what it does to the site's parts:
    a kiosk's printers, or nothing."""
    if "printers" not in body:
        return None, lambda parts: parts
    if role != "kiosk" and body["printers"]:
        raise Invalid("Only a kiosk prints tickets.", "invalid_field", field="body.printers")
    return "kiosk_printers", lambda parts: put_kiosk_printers(parts, device_id, body["printers"])


def put_in_force(editor: SiteEditor, was: Device, token_hash: str, values: dict[str, Any],
                 disabled_at: Any) -> None:
    """The credential as now stored, in memory at once; its open connections close (a
    switched-off device stays out; a moved one reconnects and joins its new rooms)."""
    credentials = editor.credentials
    now = replace(was, name=values.get("name", was.name),
                  site_id=values.get("site_id", was.site_id),
                  area=values.get("area", was.area),
                  counter_id=values.get("counter_id", was.counter_id),
                  show_sensitive=tuple(values.get("show_sensitive", was.show_sensitive) or ()))
    off = values["disabled_at"] is not None if "disabled_at" in values else disabled_at is not None
    # A display that shows other sensitive desks joins other rooms (realtime.rooms_for).
    moved = (now.site_id, now.area, now.counter_id, now.show_sensitive) != (
        was.site_id, was.area, was.counter_id, was.show_sensitive)
    if off:
        credentials.drop_device(was.id)
        return
    if moved:
        for sid, (kind, key) in list(credentials.sockets.items()):
            if kind == "device" and key == token_hash:
                credentials.untrack(sid)
                try:
                    credentials.disconnect(sid)
                except Exception:  # the socket may be closing already
                    log.debug("could not disconnect %s", sid, exc_info=True)
    credentials.put_device(token_hash, now)

