"""The changes an administrator can ask for, each an Edit of the site's parts: the same for the
API and the admin page's forms."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..domain.errors import NotFound, unknown_counter, unknown_service
from . import layer
from .editor import Edit, SiteEditor
from .layer import SiteParts


@dataclass
class Change:
    """An edit, with what the audit log calls it."""

    edit: Edit
    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)  # more for the audit row


def put_service(ed: SiteEditor, site_id: str, service_id: str, body: dict[str, Any]) -> Change:
    created = ed.parts(site_id).site.service(service_id) is None
    edit = Edit(site_id, "services", lambda p: layer.put_service(p, service_id, body),
                ("services", service_id), ("services", service_id))
    return Change(edit, "service_created" if created else "service_changed",
                  f"service:{site_id}/{service_id}")


def remove_service(ed: SiteEditor, site_id: str, service_id: str) -> Change:
    site = ed.parts(site_id).site
    if site.service(service_id) is None:
        raise unknown_service(site_id, service_id)

    def without(parts: SiteParts) -> SiteParts:
        kept = tuple(s for s in parts.site.services if s.id != service_id)
        return replace(parts, site=replace(parts.site, services=kept))

    edit = Edit(site_id, "services", without, ("services", service_id),
                ("services", service_id))
    return Change(edit, "service_removed", f"service:{site_id}/{service_id}")


def put_counter(ed: SiteEditor, site_id: str, counter_id: str, body: dict[str, Any]) -> Change:
    counters = ed.parts(site_id).site.counters
    index = next((i for i, c in enumerate(counters) if c.id == counter_id), len(counters))
    edit = Edit(site_id, "counters", lambda p: layer.put_counter(p, counter_id, body),
                ("counters", index), ("counters", counter_id))
    return Change(edit, "counter_created" if index == len(counters) else "counter_changed",
                  f"counter:{site_id}/{counter_id}")


def remove_counter(ed: SiteEditor, site_id: str, counter_id: str) -> Change:
    if ed.parts(site_id).site.counter(counter_id) is None:
        raise unknown_counter(site_id, counter_id)

    def without(parts: SiteParts) -> SiteParts:
        kept = tuple(c for c in parts.site.counters if c.id != counter_id)
        return replace(parts, site=replace(parts.site, counters=kept))

    edit = Edit(site_id, "counters", without, ("counters", counter_id),
                ("counters", counter_id))
    return Change(edit, "counter_removed", f"counter:{site_id}/{counter_id}")


def put_printer(ed: SiteEditor, site_id: str, printer_id: str, body: dict[str, Any]) -> Change:
    """`kind` and `address` make the site file's `url` (network://host:9100 and so on)."""
    printers = ed.parts(site_id).printers
    index = next((i for i, p in enumerate(printers) if p.id == printer_id), len(printers))
    table = {"url": f"{body['kind']}://{body['address']}",
             **{k: v for k, v in body.items() if k not in ("kind", "address")}}
    edit = Edit(site_id, "printers", lambda p: layer.put_printer(p, printer_id, table),
                ("printers", index), ("printers", printer_id), renamed={"url": "address"})
    return Change(edit, "printer_created" if index == len(printers) else "printer_changed",
                  f"printer:{site_id}/{printer_id}")


def remove_printer(ed: SiteEditor, site_id: str, printer_id: str) -> Change:
    if all(p.id != printer_id for p in ed.parts(site_id).printers):
        raise NotFound(f"Site '{site_id}' has no printer '{printer_id}'.", "unknown_printer",
                       printer=printer_id)

    def without(parts: SiteParts) -> SiteParts:
        return replace(parts, printers=tuple(p for p in parts.printers if p.id != printer_id))

    edit = Edit(site_id, "printers", without, ("printers", printer_id),
                ("printers", printer_id))
    return Change(edit, "printer_removed", f"printer:{site_id}/{printer_id}")


def reset(ed: SiteEditor, site_id: str) -> Change:
    """Back to the site file: the layer goes, with every change in it."""
    ed.parts(site_id)
    edit = Edit(site_id, None, lambda _: ed.file[site_id], reset=True)
    return Change(edit, "configuration_reset", f"site:{site_id}")
