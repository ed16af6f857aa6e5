"""An administrator's changes to a site, in the site file's own words, laid over the site file.

A layer holds parts of one site as the site file would write them, with the same keys:
`services` (the site's complete desk list, {id: table}), `counters` and `printers` (complete
lists of tables) and `kiosk_printers` ({kiosk id: [printer ids in failover order]}). A part
the layer leaves out stays as the site file has it. Laying a layer over the site reads every
part with the site file's own readers, so an edit is checked by the very rules that
`madoguchi init` applies (ids, bands that never overlap, counters that serve only desks the
site offers, areas, weights, printer addresses and widths).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from printers.model import PrinterConfig

from ..domain.model import Counter, CounterMode, Service, Site
from ..siteconfig import Desk, check_bands, read_counter, read_printer, read_service
from ..tomlread import ConfigError, Registry, Source, Table, Where, dotted

Layer = dict[str, Any]
PARTS = ("services", "counters", "printers", "kiosk_printers")


class FieldError(ConfigError):
    """A part of an edit the site file's rules refuse; `where` is the path inside the site."""

    def __init__(self, where: Where, reason: str) -> None:
        self.where = where
        super().__init__("<admin>", None, f"{dotted(where)}: {reason}" if where else reason)
        self.reason = reason


class _EditSource(Source):
    """Where an edit's values come from: no file, no lines; errors name the field."""

    def __init__(self) -> None:
        super().__init__("<admin>", "")

    def line(self, where: Where) -> int | None:
        return None

    def error(self, where: Where, reason: str) -> ConfigError:
        return FieldError(where, reason)


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
    table = {
        "name": s.name,
        "organisation": s.organisation.value,
        "prefix": s.prefix,
        "numbers": [s.first_number, s.last_number],
        "target_wait": s.target_wait_min,
        "sensitive": s.sensitive,
        "public_name": s.public_name,
        "description": s.description,
        "translations": {
            lang: {"label": label, **({"description": text} if text else {})}
            for lang, label, text in s.translations
        },
    }
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
        "width": p.width_dots,
        "confirm": p.confirm,
        "connect_timeout": p.connect_timeout,
        "status_timeout": p.status_timeout,
        "confirm_timeout": p.confirm_timeout,
    })


def _without_empty(table: dict[str, Any]) -> dict[str, Any]:
    """The site file leaves an empty text out (it refuses "" where text is optional)."""
    return {k: v for k, v in table.items() if v != ""}


def full_layer(parts: SiteParts) -> Layer:
    """Every part as it is in effect: an edit starts from this and changes one thing."""
    return {
        "services": {s.id: service_table(s) for s in parts.site.services},
        "counters": [counter_table(c) for c in parts.site.counters],
        "printers": [printer_table(p) for p in parts.printers],
        "kiosk_printers": {k: list(v) for k, v in parts.kiosk_printers.items()},
    }


# ---- laying a layer over the site file ----------------------------------------------------


def laid_over(base: SiteParts, layer: Layer, taken: TakenElsewhere) -> SiteParts:
    """The site file's site with `layer` laid over it, checked by the site file's rules;
    refuses with FieldError naming the field."""
    source = _EditSource()
    site = base.site
    if "services" in layer:
        site = replace(site, services=_services(layer["services"], site, source))
    if "counters" in layer:
        site = replace(site, counters=_counters(layer["counters"], site, source, taken))
    else:  # the file's counters must still serve desks the site offers
        _counters([counter_table(c) for c in site.counters], site, source, taken)
    printers = base.printers
    if "printers" in layer:
        printers = tuple(_printers(layer["printers"], source, taken))
    kiosk_printers = dict(base.kiosk_printers)
    if "kiosk_printers" in layer:
        kiosk_printers = _kiosk_printers(layer["kiosk_printers"], printers, source)
    else:
        _kiosk_printers({k: list(v) for k, v in kiosk_printers.items()}, printers, source)
    return SiteParts(site, tuple(printers), kiosk_printers)


def _table(value: Any, where: Where, source: Source) -> Table:
    if not isinstance(value, dict):
        _fail(where, "must be a table")
    return Table(value, where, source)


def _fail(where: Where, reason: str) -> NoReturn:
    raise FieldError(where, reason)


def _services(tables: Any, site: Site, source: Source) -> tuple[Service, ...]:
    if not isinstance(tables, dict) or not tables:
        _fail(("services",), "a site offers at least one desk")
    desks = []
    for service_id, value in tables.items():
        t = _table(value, ("services", service_id), source)
        desks.append(Desk(read_service(service_id, t), t, "numbers"))
    check_bands(Table({"id": site.id}, ("services",), source), desks)
    return tuple(desk.service for desk in desks)


def _counters(tables: Any, site: Site, source: Source, taken: TakenElsewhere
              ) -> tuple[Counter, ...]:
    if not isinstance(tables, list):
        _fail(("counters",), "must be a list of counters")
    registry = Registry()
    counters = tuple(
        read_counter(_table(value, ("counters", i), source), site, registry)
        for i, value in enumerate(tables)
    )
    _unique_across_sites("counter", [c.id for c in counters], taken.counters, "counters")
    return counters


def _printers(tables: Any, source: Source, taken: TakenElsewhere) -> list[PrinterConfig]:
    if not isinstance(tables, list):
        _fail(("printers",), "must be a list of printers")
    registry = Registry()
    printers = [read_printer(_table(v, ("printers", i), source), registry)
                for i, v in enumerate(tables)]
    _unique_across_sites("printer", [p.id for p in printers], taken.printers, "printers")
    return printers


def _unique_across_sites(kind: str, ids: list[str], taken: Iterable[str], part: str) -> None:
    """The site file claims these ids once for all sites; an edit must too."""
    others = set(taken)
    for index, value in enumerate(ids):
        if value in others:
            _fail((part, index, "id"), f"{kind} '{value}' is already used at another site")


def _kiosk_printers(chosen: Any, printers: list[PrinterConfig] | tuple[PrinterConfig, ...],
                    source: Source) -> dict[str, tuple[str, ...]]:
    if not isinstance(chosen, dict):
        _fail(("kiosk_printers",), "must be a table of kiosk ids")
    ids = {p.id for p in printers}
    found = {}
    for kiosk, printer_ids in chosen.items():
        where: Where = ("kiosk_printers", kiosk)
        t = Table({"printers": printer_ids}, where, source)
        listed = t.strings("printers", ()) if printer_ids else ()
        for index, printer_id in enumerate(listed):
            if printer_id not in ids:
                t.fail(f"the site has no printer '{printer_id}'", "printers", index)
        if listed:
            found[kiosk] = tuple(listed)
    return found
