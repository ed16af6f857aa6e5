"""An administrator's changes to a site, laid over the site file and checked by its rules.

What is stored is a layer: parts of one site as the site file would write them, with the
same keys: `services` (the site's complete desk list, {id: table}), `counters` and `printers`
(complete lists of tables) and `kiosk_printers` ({kiosk id: [printer ids in failover
order]}). A part the layer leaves out stays as the site file has it.

Every value is checked by the site file's own rules: an item (a desk, a counter, a printer)
by the site file's reader of that item, reading the stored table or the edit's body (which
uses the site file's keys); the whole site by `check_site` (bands that never overlap, counters
that serve only desks the site offers, numbers and ids used once), on the site itself. A
change is made to the site's parts as they are in effect, never by writing them back into
tables and reading them again: tables are written only to store the layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from printers.model import PrinterConfig

from ..domain.model import Counter, CounterMode, Service, Site
from ..sitebooking import booking_table
from ..siteconfig import (
    band_clash,
    not_offered,
    overlapping_bands,
    read_counter,
    read_printer,
    read_service,
    unoffered,
)
from ..tomlread import ConfigError, Registry, Source, Table, Where, dotted

Layer = dict[str, Any]
PARTS = ("services", "counters", "printers", "kiosk_printers")
PRINTER_FIELDS = {  # a printer's key in the site file: its field of PrinterConfig
    "name": "name", "width": "width_dots", "confirm": "confirm", "commands": "dialect",
    "connect_timeout": "connect_timeout", "status_timeout": "status_timeout",
    "stall_timeout": "stall_timeout", "confirm_timeout": "confirm_timeout",
    "job_timeout": "job_timeout",
}


class FieldError(ConfigError):
    """A part of an edit the site file's rules refuse; `where` is the path inside the site."""

    def __init__(self, where: Where, reason: str) -> None:
        self.where = where
        super().__init__("<admin>", None, f"{dotted(where)}: {reason}" if where else reason)
        self.reason = reason


class _ChangeSource(Source):
    """Where a change's values come from (the request's body, or the stored layer): no file,
    no lines; errors name the field."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "")

    def line(self, where: Where) -> int | None:
        return None

    def error(self, where: Where, reason: str) -> ConfigError:
        return FieldError(where, reason)


EDIT = _ChangeSource("<admin>")
STORED = _ChangeSource("<stored layer>")


@dataclass(frozen=True)
class SiteParts:
    """What an administrator may change of one site, as it is in effect."""

    site: Site
    printers: tuple[PrinterConfig, ...] = ()
    kiosk_printers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TakenElsewhere:
    """Ids that must stay unique across sites: counters and printers of the other sites."""

    counters: frozenset[str] = frozenset()
    printers: frozenset[str] = frozenset()


# ---- a site's parts as site-file tables -------------------------------------------------


def service_table(s: Service) -> dict[str, Any]:
    """A desk as a site-file table, in the form it was written in: the staff's name and the
    visitors' words per language (`staff_name`, `visitor`), or for a desk that has no
    Japanese words for visitors, the old form (`name`, `description`, `translations`)."""
    words = {lang: {"label": label, **({"description": text} if text else {})}
             for lang, label, text in s.translations}
    names: dict[str, Any] = {"staff_name": s.name, "visitor": words} if "ja" in words else {
        "name": s.name, "description": s.description, "translations": words}
    table = {
        **names,
        "organisation": s.organisation.value,
        "prefix": s.prefix,
        "numbers": [s.first_number, s.last_number],
        "target_wait": s.target_wait_min,
        "sensitive": s.sensitive,
        "public_name": s.public_name,
    }
    if s.booking is not None:
        table["booking"] = booking_table(s.booking)
    return _without_empty(table)


def counter_table(c: Counter) -> dict[str, Any]:
    table: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "number": c.number,
        "area": c.area,
        "services": list(c.services),
        "mode": c.mode.value,
    }
    if c.mode is CounterMode.WEIGHTED and c.weights:
        table["weights"] = dict(c.weights)
    return table


def printer_table(p: PrinterConfig) -> dict[str, Any]:
    return _without_empty({
        "id": p.id,
        "name": p.name,
        "url": p.url,
        "commands": p.dialect,
        "width": p.width_dots,
        "confirm": p.confirm,
        "connect_timeout": p.connect_timeout,
        "status_timeout": p.status_timeout,
        "stall_timeout": p.stall_timeout,
        "confirm_timeout": p.confirm_timeout,
        "job_timeout": p.job_timeout,
    })


def _without_empty(table: dict[str, Any]) -> dict[str, Any]:
    """The site file leaves an empty text out (it refuses "" where text is optional)."""
    return {k: v for k, v in table.items() if v != ""}


def part_tables(parts: SiteParts, part: str) -> Any:
    """One part, written as the layer stores it."""
    if part == "services":
        return {s.id: service_table(s) for s in parts.site.services}
    if part == "counters":
        return [counter_table(c) for c in parts.site.counters]
    if part == "printers":
        return [printer_table(p) for p in parts.printers]
    return {k: list(v) for k, v in parts.kiosk_printers.items()}


# ---- one item, read by the site file's reader ------------------------------------------


def read_service_item(service_id: str, table: Any, source: Source) -> Service:
    return read_service(service_id, _table(table, ("services", service_id), source))


def read_counter_item(table: Any, index: int, site: Site, source: Source,
                      registry: Registry | None = None) -> Counter:
    return read_counter(_table(table, ("counters", index), source), site, registry or Registry())


def read_printer_item(table: Any, index: int, source: Source,
                      registry: Registry | None = None) -> PrinterConfig:
    return read_printer(_table(table, ("printers", index), source), registry or Registry())


def read_printer_ids(kiosk: str, ids: Any, source: Source) -> tuple[str, ...]:
    """A kiosk's printers, in failover order (whether the site has them: `check_site`)."""
    table = Table({"printers": ids}, ("kiosk_printers", kiosk), source)
    return tuple(table.strings("printers", ())) if ids else ()


# ---- an edit: one item of the parts in effect changed ----------------------------------


def with_item(items: tuple[Any, ...], item: Any) -> tuple[Any, ...]:
    """`items` with `item` in the place of the one with its id, or added at the end."""
    if any(i.id == item.id for i in items):
        return tuple(item if i.id == item.id else i for i in items)
    return (*items, item)


def put_service(parts: SiteParts, service_id: str, body: Any) -> SiteParts:
    service = read_service_item(service_id, body, EDIT)
    before = parts.site.service(service_id)
    if before is not None and isinstance(body, dict) and "booking" not in body:
        # The admin page's desk form has no booking rules: a change keeps the site file's.
        service = replace(service, booking=before.booking)
    site = replace(parts.site, services=with_item(parts.site.services, service))
    return replace(parts, site=site)


def put_counter(parts: SiteParts, counter_id: str, body: Any) -> SiteParts:
    counters = parts.site.counters
    index = next((i for i, c in enumerate(counters) if c.id == counter_id), len(counters))
    counter = read_counter_item({"id": counter_id, **body}, index, parts.site, EDIT)
    return replace(parts, site=replace(parts.site, counters=with_item(counters, counter)))


def put_printer(parts: SiteParts, printer_id: str, table: dict[str, Any]) -> SiteParts:
    """A printer added, or changed: what the change does not name stays as it was."""
    index, before = next(((i, p) for i, p in enumerate(parts.printers) if p.id == printer_id),
                         (len(parts.printers), None))
    printer = read_printer_item({"id": printer_id, **table}, index, EDIT)
    if before is not None:
        printer = replace(printer, **{attr: getattr(before, attr)
                                      for key, attr in PRINTER_FIELDS.items() if key not in table})
    return replace(parts, printers=with_item(parts.printers, printer))


def put_kiosk_printers(parts: SiteParts, kiosk: str, ids: list[str]) -> SiteParts:
    chosen = dict(parts.kiosk_printers)
    chosen[kiosk] = read_printer_ids(kiosk, ids, EDIT)
    return replace(parts, kiosk_printers={k: v for k, v in chosen.items() if v})


# ---- a stored layer, laid over the site file -------------------------------------------


def laid_over(base: SiteParts, layer: Layer, taken: TakenElsewhere) -> SiteParts:
    """The site file's site with `layer` laid over it, checked by the site file's rules;
    refuses with FieldError naming the field."""
    site = base.site
    if "services" in layer:
        tables = layer["services"]
        if not isinstance(tables, dict):
            _fail(("services",), "a site offers at least one desk")
        site = replace(site, services=tuple(read_service_item(sid, table, STORED)
                                            for sid, table in tables.items()))
    if "counters" in layer:
        tables = _list(layer["counters"], "counters")
        registry = Registry()
        site = replace(site, counters=tuple(read_counter_item(table, i, site, STORED, registry)
                                            for i, table in enumerate(tables)))
    printers = base.printers
    if "printers" in layer:
        tables = _list(layer["printers"], "printers")
        registry = Registry()
        printers = tuple(read_printer_item(table, i, STORED, registry)
                         for i, table in enumerate(tables))
    kiosk_printers = dict(base.kiosk_printers)
    if "kiosk_printers" in layer:
        chosen = layer["kiosk_printers"]
        if not isinstance(chosen, dict):
            _fail(("kiosk_printers",), "must be a table of kiosk ids")
        kiosk_printers = {k: ids for k, v in chosen.items()
                          if (ids := read_printer_ids(k, v, STORED))}
    parts = SiteParts(site, printers, kiosk_printers)
    check_site(parts, taken)
    return parts


# ---- the rules of a whole site ----------------------------------------------------------


def check_site(parts: SiteParts, taken: TakenElsewhere) -> None:
    """The site file's rules that span a site (and the ids that span all sites), on the site
    in effect: where two items clash, the later one is named, as the site file names it."""
    site = parts.site
    if not site.services:
        _fail(("services",), "a site offers at least one desk")
    clash = overlapping_bands(site.services)
    if clash is not None:
        earlier, later = (site.services[i] for i in clash)
        _fail(("services", later.id, "numbers"), band_clash(site.id, earlier, later))
    numbers: dict[int, str] = {}
    for i, counter in enumerate(site.counters):
        index = unoffered(site, counter.services)
        if index is not None:
            _fail(("counters", i, "services", index), not_offered(counter.services[index]))
        if counter.id in taken.counters:
            _fail(("counters", i, "id"), f"counter '{counter.id}' is already used at another site")
        if counter.number in numbers:
            _fail(("counters", i, "number"),
                  f"number {counter.number} is counter '{numbers[counter.number]}''s already")
        numbers[counter.number] = counter.id
    ids = set()
    for i, printer in enumerate(parts.printers):
        if printer.id in taken.printers:
            _fail(("printers", i, "id"), f"printer '{printer.id}' is already used at another site")
        ids.add(printer.id)
    for kiosk, chosen in parts.kiosk_printers.items():
        for index, printer_id in enumerate(chosen):
            if printer_id not in ids:
                _fail(("kiosk_printers", kiosk, "printers", index),
                      f"the site has no printer '{printer_id}'")


def _table(value: Any, where: Where, source: Source) -> Table:
    if not isinstance(value, dict):
        _fail(where, "must be a table")
    return Table(value, where, source)


def _list(value: Any, part: str) -> list[Any]:
    if not isinstance(value, list):
        _fail((part,), f"must be a list of {part}")
    return value


def _fail(where: Where, reason: str) -> NoReturn:
    raise FieldError(where, reason)
