"""Who may read reports: managers their own site and organisations, administrators all,
staff nobody."""

from __future__ import annotations

import pytest

from tests.harness import ADMIN, ServerProcess, token
from tests.reports.conftest import log_in
from tests.reports.log import KnownLog

DAY = "2026-04-06"


def test_staff_cannot_read_reports_with_a_token_or_a_login(server: ServerProcess) -> None:
    reply = server.request("GET", "/api/reports/figures", token("r", "staff1"))
    assert (reply.status, reply.error) == (403, "forbidden_role")
    log_in(server, "clerk")
    try:
        for path in ("/api/reports/figures", "/api/reports/wait-log", "/api/reports/sites/r/live"):
            reply = server.request("GET", path)
            assert (reply.status, reply.error) == (403, "forbidden_role"), path
    finally:
        server.http.cookies.clear()


def test_kiosks_and_strangers_cannot_read_reports(server: ServerProcess) -> None:
    assert server.request("GET", "/api/reports/figures", token("r", "kiosk")).status == 403
    assert server.request("GET", "/api/reports/figures").error == "unauthorized"


def test_a_hello_work_manager_sees_only_hello_work_figures(
    server: ServerProcess, known_log: KnownLog
) -> None:
    log_in(server, "mhw")
    try:
        found = server.request("GET", f"/api/reports/figures?from={DAY}&to={DAY}").body
        assert found["organisations"] == ["hellowork"]
        assert list(found["by_organisation"]) == ["hellowork"]
        assert {row["service"] for row in found["by_service"]} == {"job", "search"}
        total = found["total"]
        assert (total["visits"], total["arrivals"], total["served"], total["transfers"]) == (
            5,
            5,
            1,
            0,
        )
        log = server.request("GET", f"/api/reports/wait-log?from={DAY}&to={DAY}").body
        assert {row["organisation"] for row in log["rows"]} == {"hellowork"}
        journeys = server.request("GET", f"/api/reports/journeys?from={DAY}").body
        both = next(p for p in journeys["paths"] if p["path"] == ["job", "career"])
        assert both["steps"][1]["visible"] is False and both["steps"][1]["mean_wait"] is None
        live = server.request("GET", "/api/reports/sites/r/live").body
        assert {s["organisation"] for s in live["services"]} == {"hellowork"}
        for query in ("organisation=city", "service=career"):
            reply = server.request("GET", f"/api/reports/figures?{query}")
            assert (reply.status, reply.error) == (403, "forbidden_organisation"), query
    finally:
        server.http.cookies.clear()


def test_a_manager_granted_both_organisations_sees_both(
    server: ServerProcess, known_log: KnownLog
) -> None:
    log_in(server, "mboth")
    try:
        found = server.request("GET", f"/api/reports/figures?from={DAY}&to={DAY}").body
        assert set(found["by_organisation"]) == {"hellowork", "city"}
        assert found["total"]["visits"] == 6
        city = server.request("GET", f"/api/reports/figures?from={DAY}&organisation=city").body
        assert city["total"]["visits"] == 2 and list(city["by_organisation"]) == ["city"]
    finally:
        server.http.cookies.clear()


def test_a_manager_cannot_read_another_site(server: ServerProcess) -> None:
    reply = server.request("GET", "/api/reports/figures?site=b", token("r", "manager"))
    assert (reply.status, reply.error) == (403, "forbidden_site")
    reply = server.request("GET", "/api/reports/sites/b/live", token("r", "manager"))
    assert (reply.status, reply.error) == (403, "forbidden_site")
    reply = server.request("GET", "/api/reports/figures?site=all", token("r", "manager"))
    assert (reply.status, reply.error) == (403, "forbidden_site")


def test_an_administrator_reads_every_site_or_all_at_once(
    server: ServerProcess, known_log: KnownLog
) -> None:
    one = server.request("GET", f"/api/reports/figures?site=r&from={DAY}", ADMIN).body
    everything = server.request("GET", f"/api/reports/figures?site=all&from={DAY}", ADMIN).body
    assert everything["sites"] == ["r", "d", "s", "b"]
    assert everything["total"]["visits"] >= one["total"]["visits"] == 6
    reply = server.request("GET", "/api/reports/figures?site=nowhere", ADMIN)
    assert (reply.status, reply.error) == (404, "unknown_site")


@pytest.mark.parametrize(
    "query,field",
    [
        ("from=2026-13-01", "from"),
        ("from=2026-04-07&to=2026-04-06", "to"),
        ("from=2020-01-01&to=2026-01-01", "to"),
        ("group=week", "group"),
        ("organisation=nobody", "organisation"),
        ("format=xls", "format"),
    ],
)
def test_bad_queries_are_refused_with_the_field_named(
    server: ServerProcess, query: str, field: str
) -> None:
    reply = server.request("GET", f"/api/reports/figures?{query}", token("r", "manager"))
    assert (reply.status, reply.error, reply.body.get("field")) == (422, "invalid_field", field)


def test_an_unknown_desk_is_refused(server: ServerProcess) -> None:
    reply = server.request("GET", "/api/reports/figures?service=bakery", token("r", "manager"))
    assert (reply.status, reply.error) == (404, "unknown_service")


def test_the_openapi_document_lists_the_report_endpoints(server: ServerProcess) -> None:
    paths = server.request("GET", "/api/openapi.json").body["paths"]
    assert "/api/reports/figures" in paths and "/api/reports/wait-log" in paths
    assert paths["/api/reports/figures"]["get"]["description"] == "Allowed for: manager, admin"
