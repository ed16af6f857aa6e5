"""Daily figures outlive the detailed log: purging keeps every report's figures, and a day
whose log changes after its figures were stored is summed up again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ADMIN, ServerProcess, token
from tests.reports.log import build_known_log

FIRST, SECOND = "2026-04-06", "2026-04-07"


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path, ["r"], env={"MADOGUCHI_CLOCK": "simulated"})
    proc.init()
    proc.start()
    yield proc
    proc.stop()


def figures(server: ServerProcess, site: str, query: str) -> Any:
    reply = server.request("GET", f"/api/reports/figures?{query}", token(site, "manager"))
    assert reply.status == 200, reply.body
    return {k: reply.body[k] for k in ("total", "by_organisation", "by_service", "groups")}


def purge(server: ServerProcess, days: int) -> str:
    done = server.cli("purge", "--days", str(days))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_purging_keeps_the_figures_and_drops_the_detail(own_server: ServerProcess) -> None:
    log = build_known_log(own_server, "r")
    query = f"from={FIRST}&to={SECOND}&group=hour"
    before = figures(own_server, "r", query)
    # `purge` counts from the real date: keep the detail from 2026-04-07 on
    days = (date.today() - date.fromisoformat(SECOND)).days
    assert days > 1, "this test needs a machine clock after April 2026"
    printed = purge(own_server, days)
    assert "r: purged 6 ticket(s)" in printed

    assert figures(own_server, "r", query) == before
    rows = own_server.request(
        "GET", f"/api/reports/wait-log?from={FIRST}&to={SECOND}", token("r", "manager")
    ).body["rows"]
    assert [r["ticket"] for r in rows] == [log.tickets["G"]]
    with sqlite3.connect(own_server.db) as db:
        assert db.execute(
            "SELECT count(*) FROM tickets WHERE business_day = ?", (FIRST,)
        ).fetchone() == (0,)
        assert db.execute(
            "SELECT count(*) FROM events WHERE ticket_id = ?", (log.tickets["A"],)
        ).fetchone() == (0,)
        stored = db.execute("SELECT business_day, purged FROM daily_aggregates").fetchall()
        assert (FIRST, 1) in stored  # 04-07 is still today on the server's clock: not stored

    own_server.stop()
    own_server.start()
    assert figures(own_server, "r", query) == before
    own_server.request("POST", "/api/clock", ADMIN, {"set": "2026-04-08T09:00:00+09:00"})
    fresh = own_server.issue("r", ["job"])
    assert fresh.status == 201 and fresh.body["id"] > log.tickets["G"]


def test_purge_refuses_to_run_without_a_period(own_server: ServerProcess) -> None:
    done = own_server.cli("purge")
    assert done.returncode != 0 and "retention_days" in done.stderr


def test_a_stored_day_is_summed_up_again_when_its_log_changes(server: ServerProcess) -> None:
    def at(moment: str) -> None:
        assert server.request("POST", "/api/clock", ADMIN, {"set": moment}).status == 200

    at("2026-04-20T09:00:00+09:00")
    first = server.issue("s", ["job"]).body
    at("2026-04-20T09:05:00+09:00")
    assert server.call_next("s", "c1").status == 200
    assert server.act("s", first["id"], "finish", {"outcome": "consult_only"}).status == 200
    at("2026-04-21T09:00:00+09:00")
    server.request("POST", "/api/sites/s/close-day", ADMIN, {})
    total = figures(server, "s", "from=2026-04-20&to=2026-04-20")["total"]
    assert (total["visits"], total["served"], total["cancelled"]) == (1, 1, 0)

    at("2026-04-20T10:00:00+09:00")  # the clock set back: a late entry for the 20th
    late = server.issue("s", ["career"]).body
    at("2026-04-20T10:05:00+09:00")
    assert server.act("s", late["id"], "cancel", {"reason": "left"}).status == 200
    at("2026-04-21T09:30:00+09:00")
    total = figures(server, "s", "from=2026-04-20&to=2026-04-20")["total"]
    assert (total["visits"], total["served"], total["cancelled"]) == (2, 1, 1)
