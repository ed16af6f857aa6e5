"""The site file: sites, desks, counters and devices, read from TOML into domain types."""

from __future__ import annotations

import math
import re
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from difflib import get_close_matches
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

ROLES = ("kiosk", "display", "staff", "manager", "admin")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LAST_NUMBER = 9999

Where = tuple[str | int, ...]
E = TypeVar("E", bound=StrEnum)

_IDENT = re.compile(r"[a-z0-9][a-z0-9_-]*")
_CLOCK = re.compile(r"(\d\d):(\d\d)")
_PREFIX = re.compile(r"[^\W\d_]{0,3}")  # letters only, so a label splits into prefix + number
_TOKEN = re.compile(r"\S{8,}")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")
_TOML_AT = re.compile(r"^(.*?)\s*\((?:at line (\d+), column (\d+)|at end of document)\)$", re.S)


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


@dataclass(frozen=True)
class SiteConfig:
    """Everything the site file declares."""

    sites: tuple[Site, ...]
    devices: tuple[DeviceSpec, ...]


class ConfigError(Exception):
    """The site file cannot be used; says where (file and line) and why."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}: {reason}" if line is None else f"{path}:{line}: {reason}")


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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, str(exc)) from None
    return _read_config(_Table(data, (), _Source(path, text)))


def _syntax_error(path: str, text: str, message: str) -> ConfigError:
    match = _TOML_AT.match(message)
    if not match:
        return ConfigError(path, None, message)
    reason, line, column = match.groups()
    if line is None:
        return ConfigError(path, text.count("\n") + 1, f"{reason} (at the end of the file)")
    return ConfigError(path, int(line), f"{reason} (column {column})")


# --- where things are: line numbers for semantic errors ---------------------------------


class _LineIndex:
    """The line each table, key and array element of a valid TOML text starts on, by path."""

    def __init__(self, text: str) -> None:
        self._text, self._i = text, 0
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._arrays: dict[Where, int] = {}  # array-of-tables path -> entries seen so far
        self.lines: dict[Where, int] = {}
        table: Where = ()
        while self._skip() < len(text):
            table = self._header() if text[self._i] == "[" else self._keyvalue(table)

    def line(self, where: Where) -> int | None:
        while where and where not in self.lines:
            where = where[:-1]
        return self.lines.get(where)

    def _note(self, where: Where) -> None:
        line = bisect_left(self._newlines, self._i) + 1
        for n in range(1, len(where) + 1):
            self.lines.setdefault(where[:n], line)

    def _skip(self) -> int:
        text = self._text
        while self._i < len(text) and text[self._i] in " \t\r\n#":
            if text[self._i] == "#":
                end = text.find("\n", self._i)
                self._i = len(text) if end < 0 else end
            else:
                self._i += 1
        return self._i

    def _header(self) -> Where:
        many = self._text.startswith("[[", self._i)
        self._i += 2 if many else 1
        keys = self._keys()
        where: Where = ()
        for n, key in enumerate(keys):
            where += (key,)
            if many and n == len(keys) - 1:
                self._arrays[where] = self._arrays.get(where, 0) + 1
            if where in self._arrays:
                where += (self._arrays[where] - 1,)
        self._note(where)
        self._i += 2 if many else 1
        return where

    def _keys(self) -> list[str]:
        keys: list[str] = []
        while True:
            self._skip()
            start = self._i
            if self._text[start] in "\"'":
                self._string()
                keys.append(str(tomllib.loads("k = " + self._text[start : self._i])["k"]))
            else:
                match = _BARE_KEY.match(self._text, start)
                self._i = match.end() if match else start + 1
                keys.append(self._text[start : self._i])
            self._skip()
            if self._text[self._i] != ".":
                return keys
            self._i += 1

    def _keyvalue(self, table: Where) -> Where:
        where = table + tuple(self._keys())
        self._note(where)
        self._i += 1  # the '='
        self._skip()
        self._value(where)
        return table

    def _value(self, where: Where) -> None:
        opener = self._text[self._i]
        if opener in "\"'":
            self._string()
        elif opener in "[{":
            self._container(where, opener)
        else:
            match = _SCALAR.match(self._text, self._i)
            self._i = match.end() if match else self._i + 1

    def _container(self, where: Where, opener: str) -> None:
        closer, index = ("]" if opener == "[" else "}"), 0
        self._i += 1
        while self._skip() < len(self._text) and self._text[self._i] != closer:
            if opener == "[":
                self._note(where + (index,))
                self._value(where + (index,))
            else:
                self._keyvalue(where)
            self._skip()
            if self._text.startswith(",", self._i):
                self._i += 1
            index += 1
        self._i += 1

    def _string(self) -> None:
        text, quote = self._text, self._text[self._i]
        delim = quote * 3 if text.startswith(quote * 3, self._i) else quote
        j = self._i + len(delim)
        while j < len(text) and not text.startswith(delim, j):
            j += 2 if quote == '"' and text[j] == "\\" else 1
        j += len(delim)
        while len(delim) == 3 and j < len(text) and text[j] == quote:  # quotes ending the body
            j += 1
        self._i = j


class _Source:
    """The text being read, and where its parts are (worked out only when an error needs it)."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self._text = path, text
        self._index: _LineIndex | None = None

    def line(self, where: Where) -> int | None:
        if self._index is None:
            self._index = _LineIndex(self._text)
        return self._index.line(where)

    def error(self, where: Where, reason: str) -> ConfigError:
        shown = f"{_dotted(where)}: {reason}" if where else reason
        return ConfigError(self.path, self.line(where), shown)


def _dotted(where: Where) -> str:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)
    return text.lstrip(".")


def _describe(value: object) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (str, "a string"),
        (int, "an integer"),
        (float, "a float"),
        (list, "an array"),
        (dict, "a table"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


# --- reading typed values, refusing with a line --------------------------------------------


@dataclass(frozen=True)
class _Table:
    """One TOML table, with typed getters that refuse a bad value at its line."""

    data: Mapping[str, object]
    at: Where
    source: _Source

    def fail(self, reason: str, *key: str | int) -> NoReturn:
        raise self.source.error(self.at + key, reason)

    def has(self, key: str) -> bool:
        return key in self.data

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                close = get_close_matches(key, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(f"unknown key{hint}", key)

    def typed(self, key: str, kinds: tuple[type, ...], what: str) -> object | None:
        value = self.data.get(key)
        if value is not None and (
            not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        ):
            self.fail(f"must be {what}, not {_describe(value)}", key)
        return value

    def optional_text(self, key: str) -> str | None:
        value = cast(str | None, self.typed(key, (str,), "a string"))
        if value is not None and not value.strip():
            self.fail("must not be empty", key)
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.optional_text(key)
        if value is None and default is None:
            self.fail(f"missing required key '{key}'")
        return value if value is not None else cast(str, default)

    def ident(self, key: str) -> str:
        value = self.text(key)
        if not _IDENT.fullmatch(value):
            self.fail(f"'{value}' is not an id (lower-case letters, digits, '-' and '_')", key)
        return value

    def integer(self, key: str, default: int | None = None, minimum: int = 1) -> int:
        value = cast(int | None, self.typed(key, (int,), "an integer"))
        if value is None:
            if default is None:
                self.fail(f"missing required key '{key}'")
            return default
        if value < minimum:
            self.fail(f"must be at least {minimum}, not {value}", key)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = cast(bool | None, self.typed(key, (bool,), "true or false"))
        return default if value is None else value

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E:
        value = self.text(key, default.value if default is not None else None)
        if value not in {member.value for member in kind}:
            options = ", ".join(f"'{member.value}'" for member in kind)
            self.fail(f"must be one of {options}, not '{value}'", key)
        return kind(value)

    def items(self, key: str) -> list[object] | None:
        return cast(list[object] | None, self.typed(key, (list,), "an array"))

    def strings(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        values = self.items(key)
        if values is None:
            if default is None:
                self.fail(f"missing required key '{key}'")
            return default
        if not values:
            self.fail("must list at least one entry", key)
        seen: set[str] = set()
        for index, value in enumerate(values):
            if not isinstance(value, str) or not _IDENT.fullmatch(value):
                self.fail(f"entries must be ids, not {value!r}", key, index)
            if value in seen:
                self.fail(f"'{value}' is listed twice", key, index)
            seen.add(value)
        return tuple(cast(list[str], values))

    def table(self, key: str) -> _Table | None:
        value = cast(dict[str, object] | None, self.typed(key, (dict,), "a table"))
        return None if value is None else _Table(value, self.at + (key,), self.source)

    def subtables(self, key: str) -> list[tuple[str, _Table]]:
        """A table of named tables, like [services.<id>]."""
        outer = self.table(key)
        if outer is None:
            return []
        for name in outer.data:
            outer.typed(name, (dict,), f"a table ([{_dotted(outer.at)}.{name}])")
        return [(name, cast(_Table, outer.table(name))) for name in outer.data]

    def array_of_tables(self, key: str) -> list[_Table]:
        values = self.typed(key, (list,), f"an array of tables ([[{key}]])")
        tables = []
        for index, value in enumerate(cast(list[object], values or [])):
            if not isinstance(value, dict):
                self.fail(f"entries must be tables, not {_describe(value)}", key, index)
            tables.append(_Table(value, self.at + (key, index), self.source))
        return tables


class _Registry:
    """Ids that must be unique, remembering where each was first declared."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], Where] = {}

    def claim(self, kind: str, value: str, table: _Table, key: str, secret: bool = False) -> None:
        first = self._seen.setdefault((kind, value), table.at + (key,))
        if first != table.at + (key,):
            line = table.source.line(first)
            shown = kind if secret else f"{kind} '{value}'"
            table.fail(f"{shown} is declared twice (first at line {line})", key)


# --- the rules a site inherits from [defaults] ----------------------------------------------


@dataclass(frozen=True)
class _Rules:
    timezone: str = "Asia/Tokyo"
    weekly: tuple[tuple[int, time, time], ...] = ALWAYS_OPEN.by_weekday
    closed: frozenset[date] = frozenset()
    outcomes: tuple[Outcome, ...] = ()
    policy: Policy = Policy()


def _clock(t: _Table, value: str, *where: str | int) -> time:
    match = _CLOCK.fullmatch(value)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        t.fail(f"'{value}' is not a time of day like \"08:30\"", *where)
    return time(int(match[1]), int(match[2]))


def _timezone(t: _Table) -> str:
    name = t.text("timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        t.fail(f"'{name}' is not a known time zone (like \"Asia/Tokyo\")", "timezone")
    return name


def _weekly(t: _Table) -> tuple[tuple[int, time, time], ...]:
    hours = cast(_Table, t.table("hours"))
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


def _closed_dates(t: _Table) -> frozenset[date]:
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


def _priority_ratio(t: _Table) -> dict[str, Any]:
    ratio = t.items("priority_ratio")
    if (
        ratio is None
        or len(ratio) != 2
        or not all(type(n) is int and n > 0 for n in ratio)  # bool is not a count
    ):
        t.fail("must be two positive integers [normal, priority], like [2, 1]", "priority_ratio")
    return {"priority_normal": ratio[0], "priority_every": ratio[1]}


def _outcomes(t: _Table) -> tuple[Outcome, ...]:
    outcomes: list[Outcome] = []
    registry = _Registry()
    for entry in t.array_of_tables("outcomes"):
        entry.check_keys(("code", "label", "placement"))
        registry.claim("outcome", entry.ident("code"), entry, "code")
        outcomes.append(
            Outcome(entry.ident("code"), entry.text("label"), entry.boolean("placement", False))
        )
    return tuple(outcomes)


def _with_policy(rules: _Rules, **changes: Any) -> _Rules:
    return replace(rules, policy=replace(rules.policy, **changes))


_RULE_READERS: dict[str, Callable[[_Table, _Rules], _Rules]] = {
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
    "outcomes": lambda t, r: replace(r, outcomes=_outcomes(t)),
}
RULE_KEYS = tuple(_RULE_READERS)


def _read_rules(t: _Table, base: _Rules) -> _Rules:
    for key, read in _RULE_READERS.items():
        if t.has(key):
            base = read(t, base)
    return base


# --- desks ------------------------------------------------------------------------------

_SERVICE_KEYS = (
    "name",
    "organisation",
    "prefix",
    "numbers",
    "target_wait",
    "sensitive",
    "public_name",
    "description",
)
_OVERRIDE_KEYS = ("target_wait", "numbers", "prefix")


@dataclass(frozen=True)
class _Desk:
    """A service as one site offers it, and where its numbering was configured."""

    service: Service
    band_at: _Table
    band_key: str


def _prefix(t: _Table, default: str) -> str:
    value = cast(str | None, t.typed("prefix", (str,), "a string"))
    if value is not None and not _PREFIX.fullmatch(value):
        t.fail(f"'{value}' is not a prefix (up to 3 letters, no digits)", "prefix")
    return default if value is None else value


def _band(t: _Table, default: tuple[int, int]) -> tuple[int, int]:
    band = t.items("numbers")
    if band is None:
        return default
    if len(band) != 2 or not all(type(n) is int and 1 <= n <= LAST_NUMBER for n in band):
        t.fail(f"must be [first, last], two numbers from 1 to {LAST_NUMBER}", "numbers")
    first, last = cast(list[int], band)
    if first > last:
        t.fail(f"the band starts after it ends ({first} > {last})", "numbers")
    return first, last


def _read_service(service_id: str, t: _Table) -> Service:
    t.check_keys(_SERVICE_KEYS)
    if not _IDENT.fullmatch(service_id):
        t.fail(f"'{service_id}' is not an id (lower-case letters, digits, '-' and '_')")
    first, last = _band(t, (1, 999))
    return Service(
        id=service_id,
        name=t.text("name"),
        organisation=t.choice("organisation", Organisation),
        prefix=_prefix(t, ""),
        first_number=first,
        last_number=last,
        target_wait_min=t.integer("target_wait", 20),
        sensitive=t.boolean("sensitive", False),
        public_name=t.text("public_name", "相談窓口"),
        description=t.text("description", ""),
    )


def _read_catalogue(root: _Table) -> dict[str, _Desk]:
    entries = root.subtables("services")
    if not entries:
        root.fail("no desks: declare at least one [services.<id>] table")
    return {sid: _Desk(_read_service(sid, t), t, "numbers") for sid, t in entries}


def _override(desk: _Desk, t: _Table) -> _Desk:
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
    return _Desk(service, t, key) if key else replace(desk, service=service)


def _site_desks(site: _Table, catalogue: dict[str, _Desk]) -> list[_Desk]:
    ids = site.strings("services")
    for index, sid in enumerate(ids):
        if sid not in catalogue:
            site.fail(f"'{sid}' is not in the [services] catalogue", "services", index)
    desks = {sid: catalogue[sid] for sid in ids}
    for sid, t in site.subtables("service_overrides"):
        if sid not in desks:
            t.fail(f"'{sid}' is not a desk this site offers")
        desks[sid] = _override(desks[sid], t)
    _check_bands(site, list(desks.values()))
    return list(desks.values())


def _check_bands(site: _Table, desks: list[_Desk]) -> None:
    """Two desks of one site must never be able to hand out the same label."""
    for index, desk in enumerate(desks):
        a = desk.service
        for other in desks[:index]:
            b = other.service
            overlap = a.first_number <= b.last_number and b.first_number <= a.last_number
            if a.prefix == b.prefix and overlap:
                shown = f"{a.prefix}{max(a.first_number, b.first_number)}"
                desk.band_at.fail(
                    f"at site '{site.data.get('id')}', desks '{b.id}' and '{a.id}' "
                    f"could both hand out number {shown}",
                    desk.band_key,
                )


# --- counters, devices, sites -----------------------------------------------------------

_COUNTER_KEYS = ("id", "name", "number", "area", "services", "mode", "weights")
_DEVICE_KEYS = ("id", "role", "name", "token", "area", "counter")
_SITE_KEYS = (
    "id",
    "name",
    "ward",
    "services",
    "areas",
    "counters",
    "devices",
    "service_overrides",
) + RULE_KEYS


def _weights(t: _Table, services: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
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


def _read_counter(t: _Table, site: Site, registry: _Registry) -> Counter:
    t.check_keys(_COUNTER_KEYS)
    registry.claim("counter", t.ident("id"), t, "id")
    registry.claim(f"counter number at site '{site.id}'", str(t.integer("number")), t, "number")
    services = t.strings("services")
    for index, sid in enumerate(services):
        if site.service(sid) is None:
            t.fail(f"'{sid}' is not a desk this site offers", "services", index)
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


def _device_place(t: _Table, role: str, site: Site) -> tuple[str | None, str | None]:
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


def _read_device(t: _Table, site: Site | None, registry: _Registry) -> DeviceSpec:
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
    token = t.optional_text("token")
    if token is not None:
        if not _TOKEN.fullmatch(token):
            t.fail("a token must be at least 8 characters, without spaces", "token")
        registry.claim("token", token, t, "token", secret=True)
    area, counter_id = _device_place(t, role, site) if site else (None, None)
    site_id = site.id if site else None
    return DeviceSpec(t.ident("id"), role, site_id, t.text("name"), token, area, counter_id)


def _read_site(
    t: _Table, defaults: _Rules, catalogue: dict[str, _Desk], registry: _Registry
) -> tuple[Site, list[DeviceSpec]]:
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
    )
    counters = tuple(_read_counter(c, site, registry) for c in t.array_of_tables("counters"))
    site = replace(site, counters=counters)
    return site, [_read_device(d, site, registry) for d in t.array_of_tables("devices")]


def _read_config(root: _Table) -> SiteConfig:
    root.check_keys(("defaults", "services", "sites", "devices"))
    defaults_table = root.table("defaults") or _Table({}, ("defaults",), root.source)
    defaults_table.check_keys(RULE_KEYS)
    defaults = _read_rules(defaults_table, _Rules())
    catalogue = _read_catalogue(root)
    registry = _Registry()
    sites, devices = [], []
    for table in root.array_of_tables("sites"):
        site, site_devices = _read_site(table, defaults, catalogue, registry)
        sites.append(site)
        devices.extend(site_devices)
    if not sites:
        root.fail("no sites: declare at least one [[sites]] table")
    devices.extend(_read_device(d, None, registry) for d in root.array_of_tables("devices"))
    return SiteConfig(tuple(sites), tuple(devices))
