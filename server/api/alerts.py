"""The staff alert channel's API: a kiosk asks for staff, staff read and take the site's
alerts, and a display says whether it may play sound (one that may not raises an alert)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..presenters import alerts_view
from ..services import services
from ..store.devices import Device
from ..web.endpoints import STAFF_ROLES, EndpointSpec, endpoint, idempotency
from ..web.validation import integer, obj, string

bp = Blueprint("alerts_api", __name__)


def _run(device: Device, body: dict[str, Any], site_id: str, operation: Any,
         render: Any) -> tuple[int, dict[str, Any]]:
    key, digest = idempotency(device, body)
    return services().engine.run(  # type: ignore[no-any-return]
        site_id, operation, render, key=key, request_hash=digest)


ALERT_BODY = obj({"kind": string(32, enum=["need_help", "call_staff"]), "ticket": integer(1)},
                 required=("kind",))


@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/alerts",
                           "Ask staff to come to the kiosk ('need_help', 'call_staff')",
                           ("kiosk", *STAFF_ROLES), body=ALERT_BODY, idempotent=True,
                           ok_status=202, tag="alerts",
                           errors=("unknown_site", "unknown_ticket")))
def alert(device: Device, body: dict[str, Any], site_id: str) -> tuple[int, dict[str, Any]]:
    return _run(device, body, site_id,
                lambda q, now: q.alert_staff(body["kind"], now, body.get("ticket"), device.id,
                                             device.name or device.id),
                lambda event: (202, {"alert": body["kind"], "ticket": event.ticket_id,
                                     "id": event.data["id"]}))


@endpoint(bp, EndpointSpec("GET", "/sites/{site_id}/alerts",
                           "The site's open staff alerts (nobody has taken them yet)",
                           STAFF_ROLES, tag="alerts", errors=("unknown_site",)))
def open_alerts(device: Device, body: dict[str, Any], site_id: str) -> dict[str, Any]:
    return alerts_view(services().engine.queue(site_id))


TAKE_BODY = obj({"counter": string(64)})


@endpoint(bp, EndpointSpec("POST", "/sites/{site_id}/alerts/{alert_id}/take",
                           "Take a staff alert (「対応します」): it leaves every console, and "
                           "the kiosk that asked tells the visitor someone is coming",
                           STAFF_ROLES, body=TAKE_BODY, idempotent=True, tag="alerts",
                           errors=("unknown_site", "unknown_alert", "alert_taken",
                                   "unknown_counter")))
def take_alert(device: Device, body: dict[str, Any], site_id: str,
               alert_id: str) -> tuple[int, dict[str, Any]]:
    return _run(device, body, site_id,
                lambda q, now: q.take_alert(alert_id, now, device.id,
                                            body.get("counter")),
                lambda event: (200, {"id": alert_id, "alert": event.data["alert"],
                                     "taken_by": event.staff,
                                     "seconds": event.data["seconds"]}))


SOUND_BODY = obj({"sound": string(16, enum=["allowed", "blocked"]), "held": integer(0, 1000),
                  "test": string(16, enum=["played", "blocked"])}, required=("sound",))


@endpoint(bp, EndpointSpec("POST", "/displays/sound",
                           "A display says whether it may play sound (and how many calls it "
                           "holds unspoken); one that may not raises a staff alert",
                           ("display",), body=SOUND_BODY, idempotent=True, tag="alerts"))
def display_sound(device: Device, body: dict[str, Any]) -> dict[str, Any]:
    idempotency(device, body)  # a report said twice is the same report: the key is only checked
    server = services()
    changed = server.health.report(device.id, body["sound"], body.get("held", 0),
                                   body.get("test"))
    if changed and device.site_id in server.sites:
        server.alerts.device_sound(device.site_id, device.id, device.name or device.id,
                                   silent=body["sound"] == "blocked")
    return {"ok": True}
