"""Managers' settings of their site (under /api): its notice line, business hours and
desks' target waits, read and changed live."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from ..services import services
from ..siteconfig import WEEKDAYS
from ..siteedit.overrides import settings_view
from ..store.devices import Device
from ..web.endpoints import EndpointSpec, endpoint
from ..web.validation import integer, obj, string

bp = Blueprint("site_settings", __name__)
EDITORS = ("manager", "admin")
SETTINGS_BODY = obj(
    {
        "notice": {"type": "string", "maxLength": 200},
        "hours": obj({day: string(11, nullable=True) for day in WEEKDAYS}),
        "target_waits": {"type": "object", "additionalProperties": integer(1, 240)},
    }
)



@endpoint(
    bp,
    EndpointSpec(
        "GET",
        "/sites/{site_id}/settings",
        "The site's notice line, business hours and target waits in effect",
        EDITORS,
        errors=("unknown_site",),
        tag="sites",
    ),
)
def read_settings(device: Device, body: dict[str, Any], site_id: str) -> Any:
    services().engine.queue(site_id)
    return settings_view(services().sites[site_id])


@endpoint(
    bp,
    EndpointSpec(
        "POST",
        "/sites/{site_id}/settings",
        "Change the site's notice "
        "line, business hours (by weekday) or desks' target waits; every "
        "screen of the site gets it at once",
        EDITORS,
        body=SETTINGS_BODY,
        errors=("unknown_site", "unknown_service", "invalid_field"),
        idempotent=True,  # it sets values: a repeat sets the same ones again
        tag="sites",
    ),
)
def change_settings(device: Device, body: dict[str, Any], site_id: str) -> Any:
    services().engine.queue(site_id)
    audit = g.get("madoguchi_audit")
    if audit is not None:
        audit.action = "site_settings_changed"
        audit.target = f"site:{site_id}"
    return settings_view(services().siteedit.change_settings(site_id, body, device, audit))
