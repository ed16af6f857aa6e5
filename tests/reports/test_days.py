"""Days are summed up when they close, not when a manager first asks: the close stores the
day's figures in the background, a server started on days left unsummed catches them up, and
the stored figures are the ones the log gives."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
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


def stored(server: ServerProcess) -> dict[str, Any]:
    with sqlite3.connect(server.db) as db:
        rows = db.execute(
            "SELECT business_day, figures FROM daily_aggregates WHERE site_id = 'r'"
        ).fetchall()
    return dict(rows)


def visits(figures_json: str) -> int:
    """The visits of a stored day, from its figures."""
    return sum(sum(path["visits"]) for path in json.loads(figures_json)["paths"].values())


def wait_stored(
    server: ServerProcess, day: str, count: int | None = None, timeout: float = 15
) -> dict[str, Any]:
    """The stored days once `day` is stored (with `count` visits, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = stored(server)
        if day in found and (count is None or visits(found[day]) == count):
            return found
        time.sleep(0.1)
    raise AssertionError(f"{day} was not summed up within {timeout} s: {sorted(stored(server))}")


def forget_all(server: ServerProcess) -> None:
    with sqlite3.connect(server.db) as db:
        db.execute("DELETE FROM daily_aggregates")


def figures(server: ServerProcess, query: str) -> Any:
    reply = server.request("GET", f"/api/reports/figures?{query}", token("r", "manager"))
    assert reply.status == 200, reply.body
    return {k: reply.body[k] for k in ("total", "by_organisation", "by_service", "groups")}


def at(server: ServerProcess, moment: str) -> None:
    assert server.request("POST", "/api/clock", ADMIN, {"set": moment}).status == 200


def test_a_closed_day_is_summed_up_at_its_close_as_the_log_gives_it(
    own_server: ServerProcess,
) -> None:
    build_known_log(own_server, "r")  # closes 04-06 at 04:00:30 on 04-07; no report asked
    wait_stored(own_server, FIRST, count=6)
    query = f"from={FIRST}&to={FIRST}&group=hour"
    from_stored = figures(own_server, query)
    assert from_stored["total"]["visits"] == 6
    forget_all(own_server)  # the same report summed up from the log instead
    assert figures(own_server, query) == from_stored


def test_a_day_closed_early_is_stored_until_something_happens_after_the_close(
    own_server: ServerProcess,
) -> None:
    build_known_log(own_server, "r")
    at(own_server, "2026-04-07T17:30:00+09:00")
    reply = own_server.request("POST", "/api/sites/r/close-day", token("r", "manager"), {})
    assert reply.status == 200
    wait_stored(own_server, SECOND, count=1)  # today, but closed: its figures are final
    total = figures(own_server, f"from={SECOND}&to={SECOND}")["total"]
    assert (total["visits"], total["served"]) == (1, 1)

    at(own_server, "2026-04-07T17:40:00+09:00")  # a late visitor after the close
    assert own_server.issue("r", ["job"]).status == 201
    total = figures(own_server, f"from={SECOND}&to={SECOND}")["total"]
    assert (total["visits"], total["arrivals"], total["served"]) == (2, 2, 1)
    assert SECOND not in stored(own_server)  # summed up again at the next close


def test_days_left_unsummed_are_caught_up_when_the_server_starts(
    own_server: ServerProcess,
) -> None:
    build_known_log(own_server, "r")
    query = f"from={FIRST}&to={SECOND}&group=day"
    before = figures(own_server, query)
    own_server.stop()
    forget_all(own_server)  # as a database from before days were summed up at their close
    own_server.start()  # the simulated clock starts again at the real date: both days past
    days = wait_stored(own_server, SECOND, count=1)
    assert visits(days[FIRST]) == 6
    assert figures(own_server, query) == before


def test_closing_the_day_from_the_command_line_sums_it_up(own_server: ServerProcess) -> None:
    build_known_log(own_server, "r")
    own_server.stop()
    forget_all(own_server)
    done = own_server.cli("close-day", "--site", "r")
    assert done.returncode == 0, done.stderr
    days = stored(own_server)
    assert (visits(days[FIRST]), visits(days[SECOND])) == (6, 1)
