"""The administrators' API for a running site's desks, counters, kiosks, displays and printers.

Bodies use the site file's own keys (see the README's site file reference), and every change
is checked by the site file's rules, refused with a 409 when it would disturb what is live,
stored with its audit row, and in effect on every screen of the site at once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from ..services import services
from ..siteedit import changes
from ..siteedit.changes import Change
from ..siteedit.devices import device_change, device_views
from ..siteedit.editor import SiteEditor
from ..siteedit.layer import SiteParts, counter_table, printer_table, service_table
from ..store.devices import Device
from ..web.endpoints import EndpointSpec, endpoint
from ..web.validation import array, boolean, integer, obj, string

bp = Blueprint("siteedit_api", __name__)
ADMINS = ("admin",)
ORGANISATIONS = ["hellowork", "city"]
PRINTER_KINDS = ["tcp", "network", "usb", "serial", "file", "cups", "memory"]
TEXT = {"type": "string", "maxLength": 500}
WORDS = {
    "type": "object",
    "maxProperties": 20,
    "description": "{language code: {label, description}}",
    "additionalProperties": obj({"label": string(200), "description": TEXT}, required=("label",)),
}
SERVICE_BODY = obj(
    {
        "staff_name": string(200, description="the desk's name as staff see it"),
        "visitor": {**WORDS, "description": "the desk as visitors read it, by language code "
                    "(ja required): the kiosk's button, the ticket and the phone page"},
        "organisation": string(16, enum=ORGANISATIONS),
        "prefix": {"type": "string", "maxLength": 3, "description": "up to 3 letters"},
        "numbers": array(integer(1, 9999), 2, 2),
        "target_wait": integer(1, 240, description="minutes"),
        "sensitive": boolean(description="displays and the spoken call say public_name instead"),
        "public_name": string(200),
        "name": string(200, description="old form of staff_name"),
        "description": {**TEXT, "description": "old form of visitor.ja.description"},
        "translations": {**WORDS, "description": "old form of visitor, other languages"},
    },
    required=("organisation",),
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
        "address": string(300, description="tcp (network): host[:port]; usb: 0xVID:0xPID; "
                          "serial and file: the device path (serial: ?baudrate=9600&flow=rtscts); "
                          "cups: the queue, or host:port/queue; memory: a name"),
        "commands": string(8, enum=["escpos", "star"],
                           description="escpos (also Star in ESC/POS emulation) or star"),
        "width": integer(512, 576, description="dots on 80 mm paper: 512 (180 dpi, "
                         "e.g. TM-T88) or 576 (203 dpi, e.g. TM-T20, TSP100)"),
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
        "show_sensitive": {**array(string(64), 0, 20),
                           "description": "displays of an area (a welfare corner's): the "
                           "site's sensitive desks whose waiting figures it shows; [] for none"},
    }
)
CHANGE_ERRORS = ("unknown_site", "invalid_field")


def editor() -> SiteEditor:
    return services().siteedit


def configuration_view(parts: SiteParts, ed: SiteEditor) -> dict[str, Any]:
    """A site's desks, counters, printers, kiosks and displays in effect, in the site file's
    words, with what is live about them."""
    site = parts.site
    queue = ed.engine.queue(site.id)
    printing = ed.live.printing
    counters = []
    for c in site.counters:
        state = queue.counters.get(c.id)
        counters.append({**counter_table(c), "status": state.status if state else "closed",
                         "in_hand": state is not None and state.ticket_id is not None})
    printers = []
    for p in parts.printers:
        live = printing.view(p.id) if p.id in printing.configs else {}
        printers.append({**printer_table(p), "kind": p.url.split("://")[0],
                         "address": p.url.split("://")[1], "state": live.get("state", "unknown")})
    return {
        "site": site.id,
        "name": site.name,
        "areas": list(site.areas),
        "edited": sorted(ed.layers.get(site.id, {})),
        "services": [{"id": s.id, **service_table(s),
                      "target_wait_in_effect": queue.services[s.id].target_wait_min,
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


def _apply(device: Device, site_id: str, change: Change) -> Any:
    ed = editor()
    audit = _audit(change.action, change.target)
    if audit is not None:
        audit.detail.update(change.detail)
    ed.apply(change.edit, device, audit)
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
                           errors=(*CHANGE_ERRORS, "numbers_in_use", "desk_shown_on_display")))
def put_service(device: Device, body: dict[str, Any], site_id: str, service_id: str) -> Any:
    return _apply(device, site_id, changes.put_service(editor(), site_id, service_id, body))


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration/services/{service_id}",
                           "Remove a desk: refused while a ticket needs it or a counter serves "
                           "it", ADMINS, tag="configuration",
                           errors=("unknown_site", "unknown_service", "service_has_live_tickets",
                                   "service_served_by_counter", "desk_shown_on_display")))
def delete_service(device: Device, body: dict[str, Any], site_id: str, service_id: str) -> Any:
    return _apply(device, site_id, changes.remove_service(editor(), site_id, service_id))


@endpoint(bp, EndpointSpec("PUT", "/sites/{site_id}/configuration/counters/{counter_id}",
                           "Add a counter, or change one (name, number, area, the desks it "
                           "serves and how it picks between them)", ADMINS, body=COUNTER_BODY,
                           idempotent=True, tag="configuration",
                           errors=(*CHANGE_ERRORS, "counter_in_use", "counter_has_devices")))
def put_counter(device: Device, body: dict[str, Any], site_id: str, counter_id: str) -> Any:
    return _apply(device, site_id, changes.put_counter(editor(), site_id, counter_id, body))


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration/counters/{counter_id}",
                           "Remove a counter: refused while it has someone in hand or a console "
                           "or display is bound to it", ADMINS, tag="configuration",
                           errors=("unknown_site", "unknown_counter", "counter_in_use",
                                   "counter_has_devices")))
def delete_counter(device: Device, body: dict[str, Any], site_id: str, counter_id: str) -> Any:
    return _apply(device, site_id, changes.remove_counter(editor(), site_id, counter_id))


@endpoint(bp, EndpointSpec("PUT", "/sites/{site_id}/configuration/printers/{printer_id}",
                           "Add a ticket printer to the site, or change one", ADMINS,
                           body=PRINTER_BODY, idempotent=True, tag="configuration",
                           errors=CHANGE_ERRORS))
def put_printer(device: Device, body: dict[str, Any], site_id: str, printer_id: str) -> Any:
    return _apply(device, site_id, changes.put_printer(editor(), site_id, printer_id, body))


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration/printers/{printer_id}",
                           "Remove a ticket printer: refused while a kiosk prints on it",
                           ADMINS, tag="configuration",
                           errors=("unknown_site", "unknown_printer", "printer_in_use")))
def delete_printer(device: Device, body: dict[str, Any], site_id: str, printer_id: str) -> Any:
    return _apply(device, site_id, changes.remove_printer(editor(), site_id, printer_id))


@endpoint(bp, EndpointSpec("PATCH", "/sites/{site_id}/configuration/devices/{device_id}",
                           "Rename, move (site, area, counter), switch off or on a kiosk or "
                           "display, choose a kiosk's printers (in failover order), or the "
                           "sensitive desks whose waiting figures a display (in a welfare "
                           "corner) shows", ADMINS,
                           body=DEVICE_BODY, idempotent=True, tag="configuration",
                           errors=(*CHANGE_ERRORS, "unknown_device", "unknown_counter",
                                   "device_has_printers", "printer_in_use", "not_a_display",
                                   "desk_not_sensitive")))
def patch_device(device: Device, body: dict[str, Any], site_id: str, device_id: str) -> Any:
    return _apply(device, site_id, device_change(editor(), site_id, device_id, body))


@endpoint(bp, EndpointSpec("DELETE", "/sites/{site_id}/configuration",
                           "Undo every administrator's change to the site: back to the site "
                           "file (refused, like any change, if it would disturb what is live)",
                           ADMINS, tag="configuration",
                           errors=("unknown_site", "invalid_field", "service_has_live_tickets",
                                   "service_served_by_counter", "counter_in_use",
                                   "counter_has_devices", "numbers_in_use", "printer_in_use",
                                   "desk_shown_on_display")))
def reset_configuration(device: Device, body: dict[str, Any], site_id: str) -> Any:
    return _apply(device, site_id, changes.reset(editor(), site_id))
