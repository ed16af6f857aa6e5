"""The site file's devices (`[[sites.devices]]`, `[[devices]]`): kiosks, displays, consoles,
managers and administrators, with the place each is bound to, read as siteconfig.py reads the
rest; and the rule for a display in a welfare corner that shows its sensitive desks' waiting
figures (`show_sensitive`), which the admin page's device change follows too."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from server import sitekeys
from server.domain.model import Site
from server.tomlread import Registry, Table

ROLES = ("kiosk", "display", "staff", "manager", "admin")
_TOKEN = re.compile(r"\S{8,}")
_DEVICE_KEYS = tuple(sitekeys.DEVICE)


@dataclass(frozen=True)
class DeviceSpec:
    """A credential from the config file: a kiosk, display, staff console, manager or admin."""

    id: str
    role: str
    site_id: str | None  # None only for admin (all sites)
    name: str
    token: str | None  # None: generated at init
    area: str | None = None  # displays: the area whose counters they show
    counter_id: str | None = None  # displays: single-counter mode; staff: home counter
    printers: tuple[str, ...] = ()  # kiosks: ticket printers in failover order
    show_sensitive: tuple[str, ...] = ()  # displays: sensitive desks whose figures they show


@dataclass(frozen=True)
class ShownSensitiveRefusal:
    """Why a device may not show a desk's waiting figures: a stable code, the reason, and the
    index of the desk in the list (None: the device itself)."""

    code: str
    reason: str
    index: int | None = None


def shown_sensitive_refusal(role: str, counter_id: str | None, site: Site,
                            desks: Sequence[str]) -> ShownSensitiveRefusal | None:
    """Whether a device may show the waiting figures of `desks` of `site`: only a display of
    the waiting room (not one bound to a counter, which shows no figures), and only the
    site's sensitive desks (the others every display shows anyway). None if it may.

    Public screens never show a sensitive desk; a display in the welfare corner may show the
    figures of the desks named here, and a display without them (the main hall's) never does.
    """
    if not desks:
        return None
    if role != "display":
        return ShownSensitiveRefusal(
            "not_a_display", f"only a display shows desks' waiting figures, not a {role}")
    if counter_id:
        return ShownSensitiveRefusal(
            "not_a_display", f"a display bound to counter '{counter_id}' shows no waiting "
            "figures; only a display of an area does")
    for index, desk_id in enumerate(desks):
        service = site.service(desk_id)
        if service is None:
            return ShownSensitiveRefusal(
                "invalid_field", f"site '{site.id}' has no desk '{desk_id}'", index)
        if not service.sensitive:
            return ShownSensitiveRefusal(
                "desk_not_sensitive", f"desk '{desk_id}' is not sensitive: every display "
                "shows its figures already", index)
    return None


def _device_place(t: Table, role: str, site: Site) -> tuple[str | None, str | None]:
    """The area and counter a site device is bound to."""
    counter_id = t.optional_text("counter")
    counter = site.counter(counter_id) if counter_id else None
    if counter_id and counter is None:
        t.fail(f"site '{site.id}' has no counter '{counter_id}'", "counter")
    if role != "display":
        return None, counter_id
    area = t.text("area", counter.area if counter else site.areas[0])
    if area not in site.areas:
        t.fail(f"'{area}' is not one of the site's areas {list(site.areas)}", "area")
    if counter and counter.area != area:
        t.fail(f"counter '{counter.id}' is in area '{counter.area}', not '{area}'", "counter")
    return area, counter_id


def _show_sensitive(t: Table, role: str, counter_id: str | None,
                    site: Site | None) -> tuple[str, ...]:
    desks = t.strings("show_sensitive", ())
    if site is None:
        if desks:
            t.fail("only a site's displays show desks' waiting figures", "show_sensitive")
        return ()
    refusal = shown_sensitive_refusal(role, counter_id, site, desks)
    if refusal is not None:
        where = ("show_sensitive",) if refusal.index is None else (
            "show_sensitive", refusal.index)
        t.fail(refusal.reason, *where)
    return desks


def read_device(t: Table, site: Site | None, registry: Registry,
                site_printers: frozenset[str] = frozenset()) -> DeviceSpec:
    t.check_keys(_DEVICE_KEYS)
    registry.claim("device", t.ident("id"), t, "id")
    role = t.text("role")
    if role not in ROLES:
        t.fail(f"must be one of {', '.join(ROLES)}, not '{role}'", "role")
    if site is None and role != "admin":
        t.fail(f"a {role} device belongs to a site: declare it in [[sites.devices]]", "role")
    if site is not None and role == "admin":
        t.fail("an admin covers all sites: declare it in top-level [[devices]]", "role")
    if t.has("area") and role != "display":
        t.fail("only displays have an area", "area")
    if t.has("counter") and role not in ("display", "staff"):
        t.fail("only displays and staff consoles have a counter", "counter")
    printers = t.strings("printers", ())
    if printers and role != "kiosk":
        t.fail("only kiosks have printers", "printers")
    for index, printer_id in enumerate(printers):
        if site is not None and printer_id not in site_printers:
            t.fail(f"site '{site.id}' has no printer '{printer_id}'", "printers", index)
    token = t.optional_text("token")
    if token is not None:
        if not _TOKEN.fullmatch(token):
            t.fail("a token must be at least 8 characters, without spaces", "token")
        registry.claim("token", token, t, "token", secret=True)
    area, counter_id = _device_place(t, role, site) if site else (None, None)
    site_id = site.id if site else None
    return DeviceSpec(t.ident("id"), role, site_id, t.text("name"), token, area, counter_id,
                      printers, _show_sensitive(t, role, counter_id, site))
