"""The managers' pages (/reports/): the live dashboard, the reports and the year's targets.

Server-rendered Japanese pages; tables are in the HTML, charts are drawn from the same
figures by reports.js with Chart.js (served from /static/vendor, never a CDN). A person
logs in on the page with the login cookie, as on the admin page; staff are shown that the
pages are not for them (403), and a device token never opens them.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..api.reports import Query, reports, visible_organisations
from ..domain.errors import Refusal
from ..headers import content_security_policy
from ..refusals import in_japanese, status_of
from ..reports import queries, year_targets
from ..reports.csvout import minutes, percent
from ..reports.periods import GROUPS, default_group, fiscal_year, fiscal_year_of
from ..services import services
from ..siteconfig import WEEKDAYS
from ..siteedit.overrides import settings_view
from ..store.accounts import session_hash
from ..store.devices import Device
from ..web import audit as auditing
from ..web import caller
from ..words import ORGANISATION_NAMES, ROLE_NAMES

bp = Blueprint(
    "reports",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

CONTENT_SECURITY_POLICY = content_security_policy(form_action="'self'")  # its forms
READERS = ("manager", "admin")
REPORTS = ("figures", "counters", "staffing", "journeys", "heatmap", "waits", "wait-log",
           "alerts")


def _person() -> Device | None:
    """The person logged in with the cookie (a device token never opens these pages)."""
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    auth = services().auth
    found = auth.credentials.session(session_hash(session_id))
    if found is None:
        session.pop("sid", None)
        return None
    g.madoguchi_session = found[1]
    return found[0]  # type: ignore[no-any-return]


def _page(template: str, status: int = 200, **context: Any) -> Response:
    server = services()
    response = make_response(
        render_template(
            template,
            csrf_token=caller.csrf_token(),
            roles=ROLE_NAMES,
            sites=server.sites,
            organisations=ORGANISATION_NAMES,
            minutes=minutes,
            percent=percent,
            **context,
        ),
        status,
    )
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def _reader(page: str) -> Device | Response:
    """The manager or administrator looking, or the page to show instead."""
    person = _person()
    if person is None:
        return _page("reports/login.html", next=page)
    if person.role not in READERS:
        return _page("reports/forbidden.html", 403, person=person)
    return person


def _site_of(person: Device) -> str:
    sites = services().sites
    wanted = request.args.get("site")
    if person.role == "admin":
        return wanted if wanted and wanted in sites else str(next(iter(sites)))
    return person.site_id or ""


@bp.get("/")
def dashboard() -> Response:
    person = _reader("dashboard")
    if isinstance(person, Response):
        return person
    return _page("reports/dashboard.html", person=person, site_id=_site_of(person), tab="dashboard")


@bp.get("/figures")
def figures() -> Response:
    person = _reader("figures")
    if isinstance(person, Response):
        return person
    try:
        query = Query(person)
        group = request.args.get("group") or default_group(query.period)
        group = group if group in GROUPS else default_group(query.period)
        scope = query.scope

        def make(days: list[queries.SiteDay], sites: dict[str, queries.SiteInfo]) -> Any:
            return {
                "figures": queries.figures_report(days, sites, scope, group, query.period),
                "counters": queries.counters_report(days, sites, scope),
                "staffing": queries.staffing_report(days, sites, scope),
                "journeys": queries.journeys_report(days, sites, scope),
                "heatmap": queries.heatmap_report(days, sites, scope),
                "waits": queries.waits_report(days, sites, scope),
            }

        data = reports().report(query.site_ids, query.period, make)
        data["alerts"] = reports().alerts(query.site_ids, query.period)
    except Refusal as exc:
        return _page(
            "reports/figures.html",
            status_of(exc),
            person=person,
            error=in_japanese(exc),
            tab="figures",
            args=request.args,
            data=None,
        )
    links = {
        name: url_for("reports_api." + _endpoint(name), **_args(format="csv")) for name in REPORTS
    }
    return _page(
        "reports/figures.html",
        person=person,
        query=query,
        group=group,
        data=data,
        links=links,
        args=request.args,
        tab="figures",
        desks=_desks(person, query.site_ids),
        error=None,
    )


@bp.get("/targets")
def targets() -> Response:
    person = _reader("targets")
    if isinstance(person, Response):
        return person
    try:
        query = Query(person)
        raw = request.args.get("year", "")
        year = fiscal_year(
            int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else fiscal_year_of(query.today)
        )
        service = reports()

        def make(days: list[queries.SiteDay], sites: dict[str, queries.SiteInfo]) -> Any:
            counts = year_targets.year_figures(days, sites, query.scope)
            full = query.scope.organisations == frozenset(queries.ORGANISATIONS)
            return year_targets.targets_report(
                counts, sites, service.targets, year, query.today, full
            )

        data = service.report(query.site_ids, year, make)
    except Refusal as exc:
        return _page(
            "reports/targets.html",
            status_of(exc),
            person=person,
            error=in_japanese(exc),
            tab="targets",
            data=None,
            args=request.args,
        )
    csv = url_for(
        "reports_api.get_reports_targets", **_args(format="csv", year=str(year.first.year))
    )
    return _page(
        "reports/targets.html",
        person=person,
        data=data,
        csv=csv,
        tab="targets",
        args=request.args,
        error=None,
    )


def _endpoint(name: str) -> str:
    return "get_reports_" + name.replace("-", "_")


def _args(**extra: str) -> dict[str, Any]:
    kept = {k: v for k, v in request.args.items() if v and k != "format"}
    return {**kept, **extra}


def _desks(person: Device, site_ids: list[str]) -> list[tuple[str, str]]:
    """The desks the filter offers: those of the reader's organisations."""
    sites = services().sites
    seen: dict[str, str] = {}
    for site_id in site_ids:
        for desk in sites[site_id].services:
            if desk.organisation.value in visible_organisations(person):
                seen.setdefault(desk.id, desk.name)
    return list(seen.items())


# ---- logging in and out ---------------------------------------------------------------


@bp.post("/login")
def login() -> Response:
    auth = services().auth
    try:
        caller.check_csrf(form=True)
        _, session_id, _ = auth.login(
            request.form.get("username", ""),
            request.form.get("password", ""),
            auditing.client_address(),
        )
    except Refusal as exc:
        return _page(
            "reports/login.html",
            status_of(exc),
            error=in_japanese(exc),
            username=request.form.get("username", "")[:64],
        )
    session.clear()
    session["sid"] = session_id
    session.permanent = True
    return redirect(url_for(".dashboard"), 303)  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    person = _person()
    if person is not None:
        audit = auditing.begin(person, action="logout")
        assert audit is not None
        try:
            caller.check_csrf(form=True)
            services().auth.logout(g.madoguchi_session, audit)
            audit.finish(200)
        except Refusal as exc:
            audit.finish(status_of(exc), exc.code)
            return redirect(url_for(".dashboard"), 303)  # type: ignore[return-value]
    session.clear()
    return redirect(url_for(".dashboard"), 303)  # type: ignore[return-value]


# ---- the site's settings ----------------------------------------------------------------


@bp.get("/settings")
def settings() -> Response:
    person = _reader("settings")
    if isinstance(person, Response):
        return person
    site_id = _site_of(person)
    site = services().sites[site_id]
    return _page(
        "reports/settings.html",
        person=person,
        tab="settings",
        site_id=site_id,
        settings=settings_view(site),
        weekdays=WEEKDAY_NAMES,
        saved=request.args.get("saved") == "1",
        error=None,
    )


@bp.post("/settings")
def change_settings() -> Response:
    person = _reader("settings")
    if isinstance(person, Response):
        return person
    site_id = _site_of_form(person)
    form = request.form
    body: dict[str, Any] = {
        "notice": form.get("notice", ""),
        "hours": {day: form.get(f"hours_{day}", "").strip() or None for day in WEEKDAYS},
        "target_waits": {},
    }
    site = services().sites[site_id]
    audit = auditing.begin(
        person, action="site_settings_changed", target=f"site:{site_id}", site_id=site_id
    )
    assert audit is not None
    auditing.record_body(audit, body)
    try:
        caller.check_csrf(form=True)
        for desk in site.services:
            raw = form.get(f"target_{desk.id}", "").strip()
            if raw:
                body["target_waits"][desk.id] = int(raw) if raw.isdigit() else raw
        changed = services().siteedit.change_settings(site_id, body, person, audit)
    except Refusal as exc:
        audit.finish(status_of(exc), exc.code)
        return _page(
            "reports/settings.html",
            status_of(exc),
            person=person,
            tab="settings",
            site_id=site_id,
            settings=settings_view(site),
            weekdays=WEEKDAY_NAMES,
            saved=False,
            error=_setting_error(exc),
        )
    audit.finish(200)
    del changed
    return redirect(url_for(".settings", site=site_id, saved="1"), 303)  # type: ignore[return-value]


WEEKDAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日"),
        strict=True,
    )
)


def _site_of_form(person: Device) -> str:
    sites = services().sites
    wanted = request.form.get("site")
    if person.role == "admin" and wanted in sites:
        return str(wanted)
    return person.site_id or str(next(iter(sites)))


def _setting_error(exc: Refusal) -> str:
    field = str(exc.details.get("field", ""))
    if field == "body.notice":
        return "お知らせは改行なしの80文字以内にしてください。"
    if field.startswith("body.hours"):
        return "受付時間は「08:30-17:15」のように、開始より後に終わる時刻で入れてください。"
    if field.startswith("body.target_waits"):
        return "目標の待ち時間は1〜240分の整数で入れてください。"
    return in_japanese(exc)
