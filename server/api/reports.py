"""The reports' HTTP API (under /api/reports): JSON by default, CSV with `format=csv`.

Managers and administrators only. A manager sees their own site, and only the figures of
the organisations their account has (both if granted both; the site file's credentials
count for both); an administrator sees every site, or all of them at once (`site=all`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, request

from ..domain.errors import Invalid, unknown_service, unknown_site
from ..reports import csvout, queries, year_targets
from ..reports.live import dashboard
from ..reports.periods import (
    GROUPS,
    MAX_DAYS,
    Period,
    default_group,
    fiscal_year,
    fiscal_year_of,
)
from ..reports.service import ReportService
from ..services import services
from ..store.devices import Device
from ..web.endpoints import Denied, EndpointSpec, endpoint
from ..web.validation import Schema, integer, string

bp = Blueprint("reports_api", __name__)
READERS = ("manager", "admin")
ORGANISATIONS = ("hellowork", "city")
QUERY: dict[str, Schema] = {
    "site": string(
        64,
        description="a site id, or 'all' (administrators); default: the "
        "manager's site, all sites for an administrator",
    ),
    "from": string(
        10, format="date", description="first business day, YYYY-MM-DD; default: today's"
    ),
    "to": string(10, format="date", description="last business day; default: 'from'"),
    "service": string(64, description="one desk only"),
    "organisation": string(16, enum=list(ORGANISATIONS)),
    "format": string(4, enum=["json", "csv"]),
}
ERRORS = ("unknown_site", "unknown_service", "invalid_field")


def reports() -> ReportService:
    return services().reports


# ---- reading the query ------------------------------------------------------------------


class Query:
    """What a report request asks for, checked against what the caller may see."""

    def __init__(self, device: Device) -> None:
        service = reports()
        self.site_ids = _sites(device, service)
        self.site_param = request.args.get("site") or (
            "all" if len(self.site_ids) > 1 else self.site_ids[0]
        )
        first_site = service.sites[self.site_ids[0]]
        today = first_site.business_day(service.clock.now())
        self.first = _day("from", today)
        self.last = _day("to", self.first)
        if self.last < self.first:
            raise Invalid("'to' is before 'from'.", "invalid_field", field="to")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise Invalid(f"A report covers at most {MAX_DAYS} days.", "invalid_field", field="to")
        self.period = Period(self.first, self.last)
        self.today = today
        self.scope = _scope(device, service, self.site_ids)
        self.csv = request.args.get("format", "json") == "csv"
        if request.args.get("format", "json") not in ("json", "csv"):
            raise Invalid("'format' is json or csv.", "invalid_field", field="format")

    def header(self) -> dict[str, Any]:
        return {
            "site": self.site_param,
            "sites": self.site_ids,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "service": self.scope.service,
            "organisations": sorted(self.scope.organisations),
        }

    def name(self, report: str) -> str:
        return f"{report}_{self.site_param}_{self.first.isoformat()}_{self.last.isoformat()}"


def _sites(device: Device, service: ReportService) -> list[str]:
    wanted = request.args.get("site") or None
    if device.role == "admin":
        if wanted is None or wanted == "all":
            return list(service.sites)
        if wanted not in service.sites:
            raise unknown_site(wanted)
        return [wanted]
    if wanted is not None and wanted != device.site_id:
        raise Denied("This credential belongs to another site.", "forbidden_site")
    if device.site_id not in service.sites:
        raise Denied("This credential belongs to no site.", "forbidden_site")
    return [device.site_id]


def _day(name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(
            f"'{name}' must be a date like 2026-04-01.", "invalid_field", field=name
        ) from None


def visible_organisations(device: Device) -> frozenset[str]:
    if device.role == "admin":
        return frozenset(ORGANISATIONS)
    return frozenset(o for o in device.organisations if o in ORGANISATIONS)


def _scope(device: Device, service: ReportService, site_ids: list[str]) -> queries.Scope:
    allowed = visible_organisations(device)
    chosen = request.args.get("organisation")
    if chosen is not None:
        if chosen not in ORGANISATIONS:
            raise Invalid(
                "'organisation' is hellowork or city.", "invalid_field", field="organisation"
            )
        if chosen not in allowed:
            raise Denied(
                "Your account may not see this organisation's figures.", "forbidden_organisation"
            )
        allowed = frozenset({chosen})
    desk_id = request.args.get("service") or None
    if desk_id is not None:
        desks = [s for sid in site_ids if (s := service.sites[sid].service(desk_id))]
        if not desks:
            raise unknown_service(site_ids[0] if len(site_ids) == 1 else "all", desk_id)
        if desks[0].organisation.value not in allowed:
            raise Denied("Your account may not see this desk's figures.", "forbidden_organisation")
    return queries.Scope(allowed, desk_id)


def _group(period: Period) -> str:
    group = request.args.get("group") or default_group(period)
    if group not in GROUPS:
        raise Invalid("'group' is hour, day or month.", "invalid_field", field="group")
    return group


def _answer(
    query: Query, report: str, found: Any, table: Callable[[Any], tuple[list[str], list[list[Any]]]]
) -> Any:
    if query.csv:
        header, rows = table(found)
        return csvout.csv_response(query.name(report), header, rows)
    payload = found if isinstance(found, dict) else {"rows": found}
    return {**query.header(), **payload}


def _declare(
    path: str,
    summary: str,
    query: dict[str, Schema] | None = None,
    errors: tuple[str, ...] = ERRORS,
) -> Callable[[Callable[..., Any]], Any]:
    return endpoint(
        bp,
        EndpointSpec(
            "GET", path, summary, READERS, query=query or QUERY, errors=errors, tag="reports"
        ),
    )


# ---- the reports --------------------------------------------------------------------------


def _scoped(device: Device, name: str, compute: Any, table: Any) -> Any:
    """The common shape of a report: the caller's sites, period and organisations, computed
    (or read from the cache) and answered as JSON or CSV."""
    query = Query(device)
    found = reports().report(
        query.site_ids, query.period, lambda days, sites: compute(days, sites, query.scope)
    )
    return _answer(query, name, found, table)


@_declare(
    "/reports/figures",
    "Visits, arrivals, served, no-shows, cancelled, transfers; wait "
    "mean, median and 90th percentile; service level; service time; utilisation: in "
    "total, by organisation, by desk and by hour, day or month",
    {**QUERY, "group": string(8, enum=list(GROUPS))},
)
def figures(device: Device, body: dict[str, Any]) -> Any:
    query = Query(device)
    group = _group(query.period)
    found = reports().report(
        query.site_ids,
        query.period,
        lambda days, sites: queries.figures_report(days, sites, query.scope, group, query.period),
    )
    return _answer(
        query, "figures", {"group": group, **found}, lambda f: csvout.figures_table(f, group)
    )


@_declare(
    "/reports/counters", "Each counter: time open, paused and serving, utilisation, visitors served"
)
def counters(device: Device, body: dict[str, Any]) -> Any:
    query = Query(device)
    found = reports().report(
        query.site_ids,
        query.period,
        lambda days, sites: queries.counters_report(days, sites, query.scope),
    )
    return _answer(
        query, "counters", {"counters": found}, lambda f: csvout.counters_table(f["counters"])
    )


@_declare(
    "/reports/staffing",
    "Staff on duty against waiting: per hour of the day, counters "
    "open and people waiting on average",
)
def staffing(device: Device, body: dict[str, Any]) -> Any:
    return _scoped(device, "staffing", queries.staffing_report, csvout.staffing_table)


@_declare(
    "/reports/journeys",
    "The one-stop view: visits by the desks they passed through, "
    "each step's wait and service time, and the share that left before being served",
)
def journeys(device: Device, body: dict[str, Any]) -> Any:
    return _scoped(device, "journeys", queries.journeys_report, csvout.journeys_table)


@_declare("/reports/heatmap", "Visits by weekday and hour of arrival")
def heatmap(device: Device, body: dict[str, Any]) -> Any:
    return _scoped(device, "heatmap", queries.heatmap_report, csvout.heatmap_table)


@_declare("/reports/waits", "How long people waited: counts by bands of minutes, per desk")
def waits(device: Device, body: dict[str, Any]) -> Any:
    return _scoped(device, "waits", queries.waits_report, csvout.waits_table)


@_declare(
    "/reports/targets",
    "The fiscal year's visitors and job placements per site "
    "against the city's targets (April to March)",
    {
        "site": QUERY["site"],
        "organisation": QUERY["organisation"],
        "format": QUERY["format"],
        "year": integer(2000, 2100),
    },
    ("unknown_site", "invalid_field"),
)
def targets(device: Device, body: dict[str, Any]) -> Any:
    query = Query(device)
    raw = request.args.get("year")
    if raw is not None and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
        raise Invalid("'year' is a fiscal year like 2026.", "invalid_field", field="year")
    year = fiscal_year(int(raw) if raw else fiscal_year_of(query.today))
    service = reports()

    def make(days: list[queries.SiteDay], sites: dict[str, queries.SiteInfo]) -> Any:
        counts = year_targets.year_figures(days, sites, query.scope)
        return year_targets.targets_report(
            counts,
            sites,
            service.targets,
            year,
            query.today,
            query.scope.organisations == frozenset(ORGANISATIONS),
        )

    found = service.report(query.site_ids, year, make)
    header = {**query.header(), "from": year.first.isoformat(), "to": year.last.isoformat()}
    if query.csv:
        columns, rows = csvout.targets_table(found)
        return csvout.csv_response(f"targets_{query.site_param}_FY{year.first.year}", columns, rows)
    return {**header, **found}


@_declare(
    "/reports/wait-log",
    "The raw wait-time log: one row per ticket stage (no personal data); purged days have none",
)
def wait_log(device: Device, body: dict[str, Any]) -> Any:
    query = Query(device)
    rows = [
        r
        for r in reports().wait_log(query.site_ids, query.period)
        if r["organisation"] in query.scope.organisations
        and (query.scope.service is None or r["service"] == query.scope.service)
    ]
    return _answer(query, "wait_log", {"rows": rows}, lambda f: csvout.wait_log_table(f["rows"]))


@_declare(
    "/reports/alerts",
    "Staff alerts (職員を呼ぶ, お手伝いが必要, printers, displays) by site and kind: raised, "
    "taken, cleared by the device, escalated, and the seconds until someone took them",
)
def alerts(device: Device, body: dict[str, Any]) -> Any:
    query = Query(device)
    found = reports().alerts(query.site_ids, query.period)
    return _answer(query, "alerts", {"sites": found}, csvout.alerts_table)


@endpoint(
    bp,
    EndpointSpec(
        "GET",
        "/reports/sites/{site_id}/live",
        "The live dashboard: "
        "people waiting per desk, the longest wait, each counter's state, "
        "printers",
        READERS,
        errors=("unknown_site",),
        tag="reports",
    ),
)
def live(device: Device, body: dict[str, Any], site_id: str) -> Any:
    server = services()
    queue = server.engine.queue(site_id)
    printers = server.printing.site_printers(site_id)
    return dashboard(queue, server.clock.now(), visible_organisations(device), printers)
