"""The site file: sites, desks, counters and devices, read from TOML into domain types."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from printers.model import PrinterConfig
from server import sitekeys
from server.domain.appointments import AppointmentPolicy
from server.domain.model import (
    ALWAYS_OPEN,
    Counter,
    CounterMode,
    NoShowPolicy,
    OpeningHours,
    Organisation,
    Outcome,
    Policy,
    Service,
    Site,
)
from server.sitealerts import read_escalation, read_reception
from server.sitebooking import read_appointments, read_booking
from server.sitedesks import is_old_form, old_form_notice, read_names
from server.sitedevices import ROLES, DeviceSpec, read_device
from server.tomlread import IDENT, ConfigError, Registry, Table, read_toml

__all__ = [
    "LAST_NUMBER",
    "NOTICE_LENGTH",
    "ROLES",
    "RULE_KEYS",
    "WEEKDAYS",
    "ConfigError",
    "Desk",
    "DeviceSpec",
    "SiteConfig",
    "SiteTargets",
    "band_clash",
    "check_bands",
    "default_sites_path",
    "load_sites",
    "not_offered",
    "overlapping_bands",
    "parse_sites",
    "read_counter",
    "read_printer",
    "read_service",
    "unoffered",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LAST_NUMBER = 9999

_CLOCK = re.compile(r"(\d\d):(\d\d)")
_PREFIX = re.compile(r"[^\W\d_]{0,3}")  # letters only, so a label splits into prefix + number
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


@dataclass(frozen=True)
class SiteTargets:
    """The city's yearly targets for a centre (fiscal year, April to March), and the run
    rate when they were set ("now"); a figure left out is None."""

    visitors: int | None = None
    placements: int | None = None
    visitors_now: int | None = None
    placements_now: int | None = None


@dataclass(frozen=True)
class SiteConfig:
    """Everything the site file declares."""

    sites: tuple[Site, ...]
    devices: tuple[DeviceSpec, ...]
    printers: tuple[PrinterConfig, ...] = ()
    printer_sites: tuple[tuple[str, str], ...] = ()  # (printer id, site id)
    targets: tuple[tuple[str, SiteTargets], ...] = ()  # (site id, targets), sites with some
    notices: tuple[str, ...] = ()  # what the file still says in an old form (desks' names)


def default_sites_path() -> Path:
    """The packaged configuration of Sapporo's ten centres."""
    return Path(__file__).with_name("sapporo.toml")


def load_sites(path: str | Path) -> SiteConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot read the site file: {exc}") from None
    return parse_sites(text, str(path))


def parse_sites(text: str, path: str = "<string>") -> SiteConfig:
    return _read_config(read_toml(text, path))


# --- the rules a site inherits from [defaults] ----------------------------------------------


@dataclass(frozen=True)
class _Rules:
    timezone: str = "Asia/Tokyo"
    weekly: tuple[tuple[int, time, time], ...] = ALWAYS_OPEN.by_weekday
    closed: frozenset[date] = frozenset()
    outcomes: tuple[Outcome, ...] = ()
    policy: Policy = Policy()
    appointments: AppointmentPolicy = AppointmentPolicy()


def _clock(t: Table, value: str, *where: str | int) -> time:
    match = _CLOCK.fullmatch(value)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        t.fail(f"'{value}' is not a time of day like \"08:30\"", *where)
    return time(int(match[1]), int(match[2]))


def _timezone(t: Table) -> str:
    name = t.text("timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        t.fail(f"'{name}' is not a known time zone (like \"Asia/Tokyo\")", "timezone")
    return name


def _weekly(t: Table) -> tuple[tuple[int, time, time], ...]:
    hours = cast(Table, t.table("hours"))
    hours.check_keys(WEEKDAYS)
    weekly = []
    for day, key in enumerate(WEEKDAYS):
        span = hours.optional_text(key)
        if span is None:
            continue
        opens_text, dash, closes_text = span.partition("-")
        if not dash:
            hours.fail(f"'{span}' is not opening hours like \"08:30-17:15\"", key)
        opens, closes = _clock(hours, opens_text, key), _clock(hours, closes_text, key)
        if opens >= closes:
            hours.fail(f"'{span}' closes before it opens", key)
        weekly.append((day, opens, closes))
    return tuple(weekly)


def _closed_dates(t: Table) -> frozenset[date]:
    days = set()
    for index, value in enumerate(t.items("closed_dates") or []):
        if isinstance(value, date) and not isinstance(value, datetime):
            days.add(value)
            continue
        try:
            if not isinstance(value, str) or not _DATE.fullmatch(value):
                raise ValueError(value)
            days.add(date.fromisoformat(value))
        except ValueError:
            t.fail(f'{value!r} is not a date like "2026-01-01"', "closed_dates", index)
    return frozenset(days)


def _priority_ratio(t: Table) -> dict[str, Any]:
    ratio = t.items("priority_ratio")
    if (
        ratio is None
        or len(ratio) != 2
        or not all(type(n) is int and n > 0 for n in ratio)  # bool is not a count
    ):
        t.fail("must be two positive integers [normal, priority], like [2, 1]", "priority_ratio")
    return {"priority_normal": ratio[0], "priority_every": ratio[1]}


def _outcomes(t: Table) -> tuple[Outcome, ...]:
    outcomes: list[Outcome] = []
    registry = Registry()
    for entry in t.array_of_tables("outcomes"):
        entry.check_keys(("code", "label", "placement"))
        registry.claim("outcome", entry.ident("code"), entry, "code")
        outcomes.append(
            Outcome(entry.ident("code"), entry.text("label"), entry.boolean("placement", False))
        )
    return tuple(outcomes)


def _bounded(t: Table, key: str, maximum: int) -> int:
    value = t.integer(key, minimum=0)
    if value > maximum:
        t.fail(f"must be at most {maximum}, not {value}", key)
    return value


def _with_policy(rules: _Rules, **changes: Any) -> _Rules:
    return replace(rules, policy=replace(rules.policy, **changes))


_RULE_READERS: dict[str, Callable[[Table, _Rules], _Rules]] = {
    "timezone": lambda t, r: replace(r, timezone=_timezone(t)),
    "day_starts_at": lambda t, r: _with_policy(
        r, day_starts_at=_clock(t, t.text("day_starts_at"), "day_starts_at")
    ),
    "hours": lambda t, r: replace(r, weekly=_weekly(t)),
    "closed_dates": lambda t, r: replace(r, closed=_closed_dates(t)),
    "no_show": lambda t, r: _with_policy(r, no_show=t.choice("no_show", NoShowPolicy)),
    "priority_ratio": lambda t, r: _with_policy(r, **_priority_ratio(t)),
    "max_wait_boost_minutes": lambda t, r: _with_policy(
        r, max_wait_boost_min=t.integer("max_wait_boost_minutes")
    ),
    "notify_ahead": lambda t, r: _with_policy(
        r, notify_ahead=_bounded(t, "notify_ahead", 50)),
    "away_grace_minutes": lambda t, r: _with_policy(
        r, away_grace_min=_bounded(t, "away_grace_minutes", 30)),
    "outcomes": lambda t, r: replace(r, outcomes=_outcomes(t)),
    "appointments": lambda t, r: replace(r, appointments=read_appointments(t)),
    "alert_escalate_seconds": read_escalation,
}
RULE_KEYS = tuple(sitekeys.RULES)  # each has its reader above


def _read_rules(t: Table, base: _Rules) -> _Rules:
    for key, read in _RULE_READERS.items():
        if t.has(key):
            base = read(t, base)
    return base


# --- desks ------------------------------------------------------------------------------

_SERVICE_KEYS = tuple(sitekeys.SERVICE) + tuple(sitekeys.OLD_SERVICE)
_OVERRIDE_KEYS = tuple(sitekeys.SERVICE_OVERRIDE)


@dataclass(frozen=True)
class Desk:
    """A service as one site offers it, and where its numbering was configured."""

    service: Service
    band_at: Table
    band_key: str


def _prefix(t: Table, default: str) -> str:
    value = cast(str | None, t.typed("prefix", (str,), "a string"))
    if value is not None and not _PREFIX.fullmatch(value):
        t.fail(f"'{value}' is not a prefix (up to 3 letters, no digits)", "prefix")
    return default if value is None else value


def _band(t: Table, default: tuple[int, int]) -> tuple[int, int]:
    band = t.items("numbers")
    if band is None:
        return default
    if len(band) != 2 or not all(type(n) is int and 1 <= n <= LAST_NUMBER for n in band):
        t.fail(f"must be [first, last], two numbers from 1 to {LAST_NUMBER}", "numbers")
    first, last = cast(list[int], band)
    if first > last:
        t.fail(f"the band starts after it ends ({first} > {last})", "numbers")
    return first, last


def read_service(service_id: str, t: Table) -> Service:
    """A desk in either form: `staff_name` with its `visitor` words, or the old form's
    `name`, `description` and `translations` (see is_old_form)."""
    t.check_keys(_SERVICE_KEYS)
    if not IDENT.fullmatch(service_id):
        t.fail(f"'{service_id}' is not an id (lower-case letters, digits, '-' and '_')")
    first, last = _band(t, (1, 999))
    name, words, description = read_names(t)
    return Service(
        id=service_id,
        name=name,
        organisation=t.choice("organisation", Organisation),
        prefix=_prefix(t, ""),
        first_number=first,
        last_number=last,
        target_wait_min=t.integer("target_wait", 20),
        sensitive=t.boolean("sensitive", False),
        public_name=t.text("public_name", "相談窓口"),
        description=description,
        translations=words,
        booking=read_booking(t.table("booking"), _weekly),
    )


def _read_catalogue(root: Table) -> tuple[dict[str, Desk], tuple[str, ...]]:
    """The desks, and a notice for each written in the old form."""
    entries = root.subtables("services")
    if not entries:
        root.fail("no desks: declare at least one [services.<id>] table")
    desks = {sid: Desk(read_service(sid, t), t, "numbers") for sid, t in entries}
    return desks, tuple(old_form_notice(sid, t) for sid, t in entries if is_old_form(t))


def _override(desk: Desk, t: Table) -> Desk:
    t.check_keys(_OVERRIDE_KEYS)
    base = desk.service
    first, last = _band(t, (base.first_number, base.last_number))
    service = replace(
        base,
        prefix=_prefix(t, base.prefix),
        first_number=first,
        last_number=last,
        target_wait_min=t.integer("target_wait", base.target_wait_min),
    )
    key = "numbers" if t.has("numbers") else "prefix" if t.has("prefix") else ""
    return Desk(service, t, key) if key else replace(desk, service=service)


def _site_desks(site: Table, catalogue: dict[str, Desk]) -> list[Desk]:
    ids = site.strings("services")
    for index, sid in enumerate(ids):
        if sid not in catalogue:
            site.fail(f"'{sid}' is not in the [services] catalogue", "services", index)
    desks = {sid: catalogue[sid] for sid in ids}
    for sid, t in site.subtables("service_overrides"):
        if sid not in desks:
            t.fail(f"'{sid}' is not a desk this site offers")
        desks[sid] = _override(desks[sid], t)
    check_bands(site, list(desks.values()))
    return list(desks.values())


def check_bands(site: Table, desks: list[Desk]) -> None:
    """Two desks of one site must never be able to hand out the same label."""
    found = overlapping_bands([desk.service for desk in desks])
    if found is not None:
        earlier, later = found
        desk = desks[later]
        desk.band_at.fail(
            band_clash(str(site.data.get("id")), desks[earlier].service, desk.service),
            desk.band_key,
        )


def overlapping_bands(services: Sequence[Service]) -> tuple[int, int] | None:
    """The first two desks (earlier, later) whose bands overlap without being one band, if
    any. Desks with the very same band share it (one counter of numbers, so a number says
    nothing of which of them was chosen); bands that only partly overlap are a mistake."""
    for index, a in enumerate(services):
        for other, b in enumerate(services[:index]):
            overlap = a.first_number <= b.last_number and b.first_number <= a.last_number
            same = (a.first_number, a.last_number) == (b.first_number, b.last_number)
            if a.prefix == b.prefix and overlap and not same:
                return other, index
    return None


def band_clash(site_id: str, earlier: Service, later: Service) -> str:
    shown = f"{later.prefix}{max(later.first_number, earlier.first_number)}"
    return (f"at site '{site_id}', desks '{earlier.id}' and '{later.id}' could both hand out "
            f"number {shown}")


def unoffered(site: Site, service_ids: Sequence[str]) -> int | None:
    """Where in `service_ids` the first desk stands that the site does not offer, if any."""
    return next((i for i, sid in enumerate(service_ids) if site.service(sid) is None), None)


def not_offered(service_id: str) -> str:
    return f"'{service_id}' is not a desk this site offers"


# --- counters, devices, sites -----------------------------------------------------------

NOTICE_LENGTH = 80
_COUNTER_KEYS = tuple(sitekeys.COUNTER)
_PRINTER_TIMEOUTS = ("connect_timeout", "status_timeout", "confirm_timeout")
_PRINTER_DEFAULTS = PrinterConfig(id="defaults", url="memory://")
_PRINTER_KEYS = tuple(sitekeys.PRINTER)
_SITE_KEYS = tuple(sitekeys.SITE) + RULE_KEYS
_TARGET_KEYS = tuple(sitekeys.TARGETS)


def _weights(t: Table, services: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    table = t.table("weights")
    if table is None:
        return ()
    weights = []
    for sid in table.data:
        if sid not in services:
            table.fail(f"'{sid}' is not one of this counter's services", sid)
        number = cast(float, table.typed(sid, (int, float), "a number"))
        if not (math.isfinite(number) and number > 0):
            table.fail(f"a weight must be greater than 0, not {number}", sid)
        weights.append((sid, float(number)))
    return tuple(weights)


def read_counter(t: Table, site: Site, registry: Registry) -> Counter:
    t.check_keys(_COUNTER_KEYS)
    registry.claim("counter", t.ident("id"), t, "id")
    registry.claim(f"counter number at site '{site.id}'", str(t.integer("number")), t, "number")
    services = t.strings("services")
    index = unoffered(site, services)
    if index is not None:
        t.fail(not_offered(services[index]), "services", index)
    area = t.text("area", site.areas[0])
    if area not in site.areas:
        t.fail(f"'{area}' is not one of the site's areas {list(site.areas)}", "area")
    mode = t.choice("mode", CounterMode, CounterMode.WEIGHTED)
    if mode is CounterMode.ORDERED and t.has("weights"):
        t.fail("an ordered counter takes no weights", "weights")
    return Counter(
        id=t.ident("id"),
        name=t.text("name"),
        number=t.integer("number"),
        area=area,
        services=services,
        mode=mode,
        weights=_weights(t, services),
    )


def _seconds(t: Table, key: str, most: float = 60) -> float:
    """A printer timeout: a number of seconds, above zero and at most `most`."""
    value = cast(float | None, t.typed(key, (int, float), "a number of seconds"))
    if value is None:
        return float(getattr(_PRINTER_DEFAULTS, key))
    if not (math.isfinite(value) and 0 < value <= most):
        t.fail(f"must be more than 0 and at most {most:g} seconds, not {value}", key)
    return float(value)


def read_printer(t: Table, registry: Registry) -> PrinterConfig:
    t.check_keys(_PRINTER_KEYS)
    registry.claim("printer", t.ident("id"), t, "id")
    width = t.integer("width", 512)
    if width not in (512, 576):
        t.fail(f"must be 512 or 576 dots, not {width}", "width")
    confirm = t.text("confirm", "gs_r")
    if confirm not in ("gs_r", "none"):
        t.fail(f"must be 'gs_r' or 'none', not '{confirm}'", "confirm")
    commands = t.text("commands", "escpos")
    if commands not in ("escpos", "star"):
        t.fail(f"must be 'escpos' or 'star', not '{commands}'", "commands")
    try:
        return PrinterConfig(id=t.ident("id"), url=t.text("url"),
                             width_dots=cast(Literal[512, 576], width),
                             confirm=cast(Literal["gs_r", "none"], confirm),
                             dialect=cast(Literal["escpos", "star"], commands),
                             name=t.text("name", ""),
                             connect_timeout=_seconds(t, "connect_timeout"),
                             status_timeout=_seconds(t, "status_timeout"),
                             stall_timeout=_seconds(t, "stall_timeout"),
                             confirm_timeout=_seconds(t, "confirm_timeout"),
                             job_timeout=_seconds(t, "job_timeout", 600))
    except ValueError as exc:
        t.fail(str(exc), "url")


def _notice(t: Table) -> str:
    """The displays' notice line: one line of plain text, short enough to read at a glance."""
    notice = t.text("notice", "").strip()
    if "\n" in notice or len(notice) > NOTICE_LENGTH:
        t.fail(f"a notice is one line of at most {NOTICE_LENGTH} characters", "notice")
    return notice


def _targets(t: Table) -> SiteTargets | None:
    """The optional [sites.targets] table: yearly visitors and placements, as whole numbers."""
    table = t.table("targets")
    if table is None:
        return None
    table.check_keys(_TARGET_KEYS)
    values = {key: table.integer(key, minimum=0) for key in _TARGET_KEYS if table.has(key)}
    return SiteTargets(**values)


def _read_site(
    t: Table, defaults: _Rules, catalogue: dict[str, Desk], registry: Registry
) -> tuple[Site, list[DeviceSpec], list[PrinterConfig]]:
    t.check_keys(_SITE_KEYS)
    registry.claim("site", t.ident("id"), t, "id")
    rules = _read_rules(t, defaults)
    site = Site(
        id=t.ident("id"),
        name=t.text("name"),
        ward=t.text("ward"),
        timezone=rules.timezone,
        hours=OpeningHours(rules.weekly, rules.closed),
        services=tuple(desk.service for desk in _site_desks(t, catalogue)),
        counters=(),
        outcomes=rules.outcomes,
        policy=rules.policy,
        areas=t.strings("areas", ("main",)),
        notice=_notice(t),
        appointments=rules.appointments,
    )
    counters = tuple(read_counter(c, site, registry) for c in t.array_of_tables("counters"))
    site = replace(site, counters=counters, reception=read_reception(t, counters))
    printers = [read_printer(p, registry) for p in t.array_of_tables("printers")]
    ids = frozenset(p.id for p in printers)
    devices = [read_device(d, site, registry, ids) for d in t.array_of_tables("devices")]
    return site, devices, printers


def _read_config(root: Table) -> SiteConfig:
    root.check_keys(tuple(sitekeys.ROOT))
    defaults_table = root.table("defaults") or Table({}, ("defaults",), root.source)
    defaults_table.check_keys(RULE_KEYS)
    defaults = _read_rules(defaults_table, _Rules())
    catalogue, notices = _read_catalogue(root)
    registry = Registry()
    sites: list[Site] = []
    devices: list[DeviceSpec] = []
    printers: list[PrinterConfig] = []
    printer_sites: list[tuple[str, str]] = []
    targets: list[tuple[str, SiteTargets]] = []
    for table in root.array_of_tables("sites"):
        site, site_devices, site_printers = _read_site(table, defaults, catalogue, registry)
        sites.append(site)
        site_targets = _targets(table)
        if site_targets is not None:
            targets.append((site.id, site_targets))
        devices.extend(site_devices)
        printers.extend(site_printers)
        printer_sites.extend((p.id, site.id) for p in site_printers)
    if not sites:
        root.fail("no sites: declare at least one [[sites]] table")
    devices.extend(read_device(d, None, registry) for d in root.array_of_tables("devices"))
    return SiteConfig(tuple(sites), tuple(devices), tuple(printers), tuple(printer_sites),
                      tuple(targets), notices)
