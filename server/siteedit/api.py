"""The administrators' API for a running site's desks, counters, kiosks, displays and printers.

Bodies use the site file's own keys (see the README's site file reference), and every change
is checked by the site file's rules, refused with a 409 when it would disturb what is live,
stored with its audit row, and in effect on every screen of the site at once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g

from ..api.endpoints import EndpointSpec, endpoint
from ..api.validation import array, boolean, integer, obj, string
from ..domain.errors import NotFound, unknown_counter, unknown_service
from ..store.devices import Device
from .devices import device_edit, device_views
from .editor import ConfigEditor, Edit
from .layer import SiteParts, counter_table, printer_table, service_table

bp = Blueprint("siteedit_api", __name__)
ADMINS = ("admin",)
ORGANISATIONS = ["hellowork", "city"]
PRINTER_KINDS = ["network", "usb", "serial", "file", "memory"]
TEXT = {"type": "string", "maxLength": 500}
SERVICE_BODY = obj(
    {
        "name": string(200, description="the desk's name (staff screens; public ones too "
                       "unless sensitive)"),
        "organisation": string(16, enum=ORGANISATIONS),
        "prefix": {"type": "string", "maxLength": 3, "description": "up to 3 letters"},
        "numbers": array(integer(1, 9999), 2, 2),
        "target_wait": integer(1, 240, description="minutes"),
        "sensitive": boolean(description="public screens show public_name instead"),
        "public_name": string(200),
        "description": TEXT,
    },
    required=("name", "organisation"),
)
COUNTER_BODY = obj(
    {
        "name": string(200),
        "number": integer(1, 999),
        "area": string(64),
        "services": array(string(64), 1, 20),
        "mode": string(16, enum=["weighted", "ordered"]),
        "weights": {"type": "object", "description": "{desk: weight above 0}; weighted only"},
    },
    required=("name", "number", "services"),
)
PRINTER_BODY = obj(
    {
        "name": string(200),
        "kind": string(8, enum=PRINTER_KINDS),
        "address": string(300, description="network: host[:port]; usb: 0xVID:0xPID; serial "
                          "and file: the device path; memory: a name"),
        "width": integer(512, 576, description="dots: 512 (58 mm) or 576 (80 mm)"),
        "confirm": string(8, enum=["gs_r", "none"]),
    },
    required=("kind", "address"),
)
DEVICE_BODY = obj(
    {
        "name": string(200),
        "site": string(64, description="move it to another site"),
        "area": string(64, nullable=True),
        "counter": string(64, nullable=True, description="displays: one counter only"),
        "enabled": boolean(),
        "printers": array(string(64), 0, 5),
    }
)
CHANGE_ERRORS = ("unknown_site", "invalid_field")


def editor() -> ConfigEditor:
    return current_app.extensions["madoguchi_config_editor"]  # type: ignore[no-any-return]


def configuration_view(parts: SiteParts, ed: ConfigEditor) -> dict[str, Any]:
    """A site's desks, counters, printers, kiosks and displays in effect, in the site file's
    words, with what is live about them."""
    site = parts.site
    queue = ed.services.engine.queue(site.id)
    printing = ed.services.printing
    counters = []
    for c in site.counters:
        state = queue.counters.get(c.id)
        counters.append({**counter_table(c), "status": state.status if state else "closed",
                         "in_hand": state is not None and state.ticket_id is not None})
    printers = []
    for p in parts.printers:
        live = printing.view(p.id) if printing is not None and p.id in printing.configs else {}
        printers.append({**printer_table(p), "kind": p.scheme, "address": p.url.split("://")[1],
                         "state": live.get("state", "unknown")})
    return {
        "site": site.id,
        "name": site.name,
        "areas": list(site.areas),
        "edited": sorted(ed.layers.get(site.id, {})),
        "services": [{"id": s.id, **service_table(s),
                      "waiting": len(queue.lines.get(s.id, ()))} for s in site.services],
        "counters": counters,
        "printers": printers,
        "devices": device_views(ed, site.id),
    }


def _audit(action: str, target: str) -> Any:
    audit = g.get("madoguchi_audit")
    if audit is not None:
        audit.action, audit.target = action, target
    return audit


def _apply(device: Device, site_id: str, edit: Edit, action: str, target: str) -> Any:
    ed = editor()
    ed.apply(edit, device, _audit(action, target))
    return configuration_view(ed.parts(site_id), ed)


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/configuration",
                           "A site's desks, counters, printers, kiosks and displays in effect "
                           "(the site file with the administrators' changes)", ADMINS,
                           errors=("unknown_site",), tag="configuration"))
def read_configuration(device: Device, body: dict[str, Any], site_id: str) -> Any:
    ed = editor()
    return configuration_view(ed.parts(site_id), ed)


@endpoint(bp, EndpointSpec("PUT", "/sites/{site_id}/configuration/services/{service_id}",
                           "Add a desk to the site, or change one (its whole definition)",
                           ADMINS, body=SERVICE_BODY, idempotent=True, tag="configuration",
                           errors=(*CHANGE_ERRORS, "numbers_in_use")))
def put_service(device: Device, body: dict[str, Any], site_id: str, service_id: str) -> Any:
    layer = editor().layer_for_edit(site_id)
    created = service_id not in layer["services"]
    layer["services"][service_id] = body
    edit = Edit(site_id, layer, ("services", service_id), ("services", service_id))
    return _apply(device, site_id, edit, "service_created" if created else "service_changed",
                  f"service:{site_id}/{service_id}")


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration/services/{service_id}",
                           "Remove a desk: refused while a ticket needs it or a counter serves "
                           "it", ADMINS, tag="configuration",
                           errors=("unknown_site", "unknown_service", "service_has_live_tickets",
                                   "service_served_by_counter")))
def delete_service(device: Device, body: dict[str, Any], site_id: str, service_id: str) -> Any:
    layer = editor().layer_for_edit(site_id)
    if service_id not in layer["services"]:
        raise unknown_service(site_id, service_id)
    del layer["services"][service_id]
    edit = Edit(site_id, layer, ("services", service_id), ("services", service_id))
    return _apply(device, site_id, edit, "service_removed", f"service:{site_id}/{service_id}")


@endpoint(bp, EndpointSpec("PUT", "/sites/{site_id}/configuration/counters/{counter_id}",
                           "Add a counter, or change one (name, number, area, the desks it "
                           "serves and how it picks between them)", ADMINS, body=COUNTER_BODY,
                           idempotent=True, tag="configuration",
                           errors=(*CHANGE_ERRORS, "counter_in_use", "counter_has_devices")))
def put_counter(device: Device, body: dict[str, Any], site_id: str, counter_id: str) -> Any:
    layer = editor().layer_for_edit(site_id)
    counters = layer["counters"]
    index = next((i for i, c in enumerate(counters) if c["id"] == counter_id), None)
    table = {"id": counter_id, **body}
    if index is None:
        counters.append(table)
        index = len(counters) - 1
    else:
        counters[index] = table
    edit = Edit(site_id, layer, ("counters", index), ("counters", counter_id))
    action = "counter_changed" if len(counters) == len(editor().parts(site_id).site.counters) \
        else "counter_created"
    return _apply(device, site_id, edit, action, f"counter:{site_id}/{counter_id}")


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration/counters/{counter_id}",
                           "Remove a counter: refused while it has someone in hand or a console "
                           "or display is bound to it", ADMINS, tag="configuration",
                           errors=("unknown_site", "unknown_counter", "counter_in_use",
                                   "counter_has_devices")))
def delete_counter(device: Device, body: dict[str, Any], site_id: str, counter_id: str) -> Any:
    layer = editor().layer_for_edit(site_id)
    kept = [c for c in layer["counters"] if c["id"] != counter_id]
    if len(kept) == len(layer["counters"]):
        raise unknown_counter(site_id, counter_id)
    layer["counters"] = kept
    edit = Edit(site_id, layer, ("counters", counter_id), ("counters", counter_id))
    return _apply(device, site_id, edit, "counter_removed", f"counter:{site_id}/{counter_id}")


@endpoint(bp, EndpointSpec("PUT", "/sites/{site_id}/configuration/printers/{printer_id}",
                           "Add a ticket printer to the site, or change one", ADMINS,
                           body=PRINTER_BODY, idempotent=True, tag="configuration",
                           errors=CHANGE_ERRORS))
def put_printer(device: Device, body: dict[str, Any], site_id: str, printer_id: str) -> Any:
    layer = editor().layer_for_edit(site_id)
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
                renamed={"url": "address"})  # the site file's url is kind + address here
    return _apply(device, site_id, edit, "printer_created" if created else "printer_changed",
                  f"printer:{site_id}/{printer_id}")


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration/printers/{printer_id}",
                           "Remove a ticket printer: refused while a kiosk prints on it",
                           ADMINS, tag="configuration",
                           errors=("unknown_site", "unknown_printer", "printer_in_use")))
def delete_printer(device: Device, body: dict[str, Any], site_id: str, printer_id: str) -> Any:
    layer = editor().layer_for_edit(site_id)
    kept = [p for p in layer["printers"] if p["id"] != printer_id]
    if len(kept) == len(layer["printers"]):
        raise NotFound(f"Site '{site_id}' has no printer '{printer_id}'.", "unknown_printer",
                       printer=printer_id)
    layer["printers"] = kept
    edit = Edit(site_id, layer, ("printers", printer_id), ("printers", printer_id))
    return _apply(device, site_id, edit, "printer_removed", f"printer:{site_id}/{printer_id}")


@endpoint(bp, EndpointSpec("PATCH", "/sites/{site_id}/configuration/devices/{device_id}",
                           "Rename, move (site, area, counter), switch off or on a kiosk or "
                           "display, or choose a kiosk's printers (in failover order)", ADMINS,
                           body=DEVICE_BODY, idempotent=True, tag="configuration",
                           errors=(*CHANGE_ERRORS, "unknown_device", "unknown_counter",
                                   "device_has_printers", "printer_in_use")))
def patch_device(device: Device, body: dict[str, Any], site_id: str, device_id: str) -> Any:
    ed = editor()
    edit = device_edit(ed, site_id, device_id, body)
    audit = _audit("device_changed", f"device:{device_id}")
    if audit is not None:
        values = edit.devices[device_id]
        audit.detail["after"] = {
            **{k: v for k, v in values.items() if k != "disabled_at"},
            **({"enabled": values["disabled_at"] is None} if "disabled_at" in values else {}),
            "printers": edit.layer.get("kiosk_printers", {}).get(device_id, [])}
    ed.apply(edit, device, audit)
    return configuration_view(ed.parts(site_id), ed)


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration",
                           "Undo every administrator's change to the site: back to the site "
                           "file (refused, like any change, if it would disturb what is live)",
                           ADMINS, tag="configuration",
                           errors=("unknown_site", "invalid_field", "service_has_live_tickets",
                                   "service_served_by_counter", "counter_in_use",
                                   "counter_has_devices", "numbers_in_use", "printer_in_use")))
def reset_configuration(device: Device, body: dict[str, Any], site_id: str) -> Any:
    edit = Edit(site_id, editor().reset_layer(site_id))
    return _apply(device, site_id, edit, "configuration_reset", f"site:{site_id}")

