"""The changes an administrator can ask for, each turned into an Edit of the site's layer:
the same for the API and the admin page's forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.errors import NotFound, unknown_counter, unknown_service
from .editor import Edit, SiteEditor


@dataclass
class Change:
    """An edit, with what the audit log calls it."""

    edit: Edit
    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)  # more for the audit row


def put_service(ed: SiteEditor, site_id: str, service_id: str, body: dict[str, Any]) -> Change:
    layer = ed.layer_for_edit(site_id, "services")
    created = service_id not in layer["services"]
    layer["services"][service_id] = body
    edit = Edit(site_id, layer, ("services", service_id), ("services", service_id))
    return Change(edit, "service_created" if created else "service_changed",
                  f"service:{site_id}/{service_id}")


def remove_service(ed: SiteEditor, site_id: str, service_id: str) -> Change:
    layer = ed.layer_for_edit(site_id, "services")
    if service_id not in layer["services"]:
        raise unknown_service(site_id, service_id)
    del layer["services"][service_id]
    edit = Edit(site_id, layer, ("services", service_id), ("services", service_id))
    return Change(edit, "service_removed", f"service:{site_id}/{service_id}")


def put_counter(ed: SiteEditor, site_id: str, counter_id: str, body: dict[str, Any]) -> Change:
    layer = ed.layer_for_edit(site_id, "counters")
    counters = layer["counters"]
    index = next((i for i, c in enumerate(counters) if c["id"] == counter_id), None)
    table = {"id": counter_id, **body}
    created = index is None
    if index is None:
        counters.append(table)
        index = len(counters) - 1
    else:
        counters[index] = table
    edit = Edit(site_id, layer, ("counters", index), ("counters", counter_id))
    return Change(edit, "counter_created" if created else "counter_changed",
                  f"counter:{site_id}/{counter_id}")


def remove_counter(ed: SiteEditor, site_id: str, counter_id: str) -> Change:
    layer = ed.layer_for_edit(site_id, "counters")
    kept = [c for c in layer["counters"] if c["id"] != counter_id]
    if len(kept) == len(layer["counters"]):
        raise unknown_counter(site_id, counter_id)
    layer["counters"] = kept
    edit = Edit(site_id, layer, ("counters", counter_id), ("counters", counter_id))
    return Change(edit, "counter_removed", f"counter:{site_id}/{counter_id}")


def put_printer(ed: SiteEditor, site_id: str, printer_id: str, body: dict[str, Any]) -> Change:
    """`kind` and `address` make the site file's `url` (network://host:9100 and so on)."""
    layer = ed.layer_for_edit(site_id, "printers")
    printers = layer["printers"]
    table = {"id": printer_id, "url": f"{body['kind']}://{body['address']}",
             **{k: v for k, v in body.items() if k not in ("kind", "address")}}
    index = next((i for i, p in enumerate(printers) if p["id"] == printer_id), None)
    created = index is None
    if index is None:
        printers.append(table)
        index = len(printers) - 1
    else:
        printers[index] = {**printers[index], **table}
    edit = Edit(site_id, layer, ("printers", index), ("printers", printer_id),
                renamed={"url": "address"})
    return Change(edit, "printer_created" if created else "printer_changed",
                  f"printer:{site_id}/{printer_id}")


def remove_printer(ed: SiteEditor, site_id: str, printer_id: str) -> Change:
    layer = ed.layer_for_edit(site_id, "printers")
    kept = [p for p in layer["printers"] if p["id"] != printer_id]
    if len(kept) == len(layer["printers"]):
        raise NotFound(f"Site '{site_id}' has no printer '{printer_id}'.", "unknown_printer",
                       printer=printer_id)
    layer["printers"] = kept
    edit = Edit(site_id, layer, ("printers", printer_id), ("printers", printer_id))
    return Change(edit, "printer_removed", f"printer:{site_id}/{printer_id}")


def reset(ed: SiteEditor, site_id: str) -> Change:
    return Change(Edit(site_id, ed.reset_layer(site_id)), "configuration_reset",
                  f"site:{site_id}")
