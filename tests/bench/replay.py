"""Replay a simulated day through a real server on a simulated clock, in seconds.

Run from the repository root:

    .venv/bin/python tests/bench/replay.py [--scenario small_ward] [--seed 1]
        [--visitors 40] [--date 2030-04-01]

It starts a real server subprocess (tests/harness.py ServerProcess, MADOGUCHI_CLOCK=simulated)
with the scenario's site file, then plays the scenario's day from the seed (tests/bench/sim/
centre.py): every issue, call, start, finish, transfer, recall, no-show, pause and resume is
an HTTP request, and before each one the clock is set to the moment it happens
(POST /api/clock). It prints one JSON object: per ticket, its number, desks, the estimate
the server gave at the kiosk and the wait until its first call; and totals. The same seed
gives the same output (tests/estimate/test_replay.py checks it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.sim.centre import Centre  # noqa: E402
from tests.bench.sim.scenarios import SCENARIOS, Scenario  # noqa: E402
from tests.harness import ADMIN, Reply, ServerProcess  # noqa: E402

DAY = date(2030, 4, 1)  # a Monday
OUTCOME = "consult_only"


class ReplayError(RuntimeError):
    pass


class HttpBackend:
    """The centre's queue operations as requests to a real server (centre.Backend)."""

    def __init__(self, server: ServerProcess, scenario: Scenario, day: date) -> None:
        self.server = server
        self.site = scenario.site_id
        self.tz = scenario.site().tz
        self.origin = datetime.combine(day, time(0), tzinfo=self.tz)
        self.clock: float | None = None
        self.requests = 0
        self.issued: dict[int, dict[str, Any]] = {}  # ticket id -> what the kiosk showed
        self.counters: dict[str, str] = {}

    def _at(self, minute: float) -> None:
        if minute != self.clock:
            moment = self.origin + timedelta(minutes=minute)
            self._send("POST", "/api/clock", {"set": moment.isoformat()})
            self.clock = minute

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None,
              allow: tuple[str, ...] = ()) -> Reply:
        self.requests += 1
        reply = self.server.request(method, path, ADMIN, body if body is not None else {},
                                    key=f"replay-{self.requests}")
        if reply.status >= 400 and reply.error not in allow:
            raise ReplayError(f"{method} {path} -> {reply.status} {reply.body}")
        return reply

    def issue(self, purposes: list[str], priority: bool, at: float) -> int:
        self._at(at)
        body: dict[str, Any] = {"services": purposes}
        if priority:
            body["priority"] = True
        view = self._send("POST", f"/api/sites/{self.site}/tickets", body).body
        ticket = int(view["ticket"]["id"])
        self.issued[ticket] = {"label": view["label"], "ahead": view["people_ahead"],
                               "estimate": view.get("estimate")}
        return ticket

    def call_next(self, counter: str, at: float) -> int | None:
        self._at(at)
        reply = self._send("POST", f"/api/sites/{self.site}/counters/{counter}/call-next",
                           allow=("no_waiting_tickets",))
        return None if reply.status >= 400 else int(reply.body["ticket"]["id"])

    def _act(self, ticket: int, action: str, at: float, **body: Any) -> dict[str, Any]:
        self._at(at)
        reply = self._send("POST", f"/api/tickets/{ticket}/{action}", body)
        view: dict[str, Any] = reply.body["ticket"]
        return view

    def recall(self, ticket: int, counter: str, at: float) -> None:
        self._act(ticket, "recall", at, counter=counter)

    def start(self, ticket: int, counter: str, at: float) -> None:
        self._act(ticket, "start", at, counter=counter)

    def finish(self, ticket: int, counter: str, at: float) -> str | None:
        view = self._act(ticket, "finish", at, counter=counter, outcome=OUTCOME)
        return str(view["service"]) if view["status"] == "waiting" else None

    def transfer(self, ticket: int, service: str, counter: str, at: float) -> None:
        self._act(ticket, "transfer", at, counter=counter, service=service)

    def no_show(self, ticket: int, counter: str, at: float) -> bool:
        return bool(self._act(ticket, "no-show", at, counter=counter)["status"] == "waiting")

    def set_counter(self, counter: str, status: str, at: float) -> None:
        self._at(at)
        action = {"open": "open", "paused": "pause", "closed": "close"}[status]
        if status == "open" and self.counters.get(counter) == "paused":
            action = "resume"
        self._send("POST", f"/api/sites/{self.site}/counters/{counter}/{action}")
        self.counters[counter] = status


def clock_of(minute: float) -> str:
    return f"{int(minute // 60):02d}:{int(minute % 60):02d}:{int(minute * 60 % 60):02d}"


def replay(scenario: Scenario, seed: int, workdir: Path, day: date = DAY) -> dict[str, Any]:
    """Play one day through a fresh server in `workdir`; return the summary."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(workdir, [], env={"MADOGUCHI_CLOCK": "simulated"},
                           sites_text=scenario.site_toml())
    server.init()
    server.start()
    try:
        backend = HttpBackend(server, scenario, day)
        result = Centre(scenario, backend, seed).run()
    finally:
        server.stop()
    tickets = []
    for entry in result.entries:
        if entry.kind != "issued":
            continue
        shown = backend.issued[entry.ticket]
        outcome = result.outcomes.get((entry.ticket, entry.stage))
        estimate = shown["estimate"]
        tickets.append({
            "ticket": entry.ticket, "label": shown["label"], "issued": clock_of(entry.at),
            "desk": entry.service, "priority": entry.priority, "ahead": shown["ahead"],
            "estimate": estimate["text"] if estimate else None,
            "estimate_min": [estimate["low_min"], estimate["high_min"]] if estimate else None,
            "waited_min": round(outcome.called - entry.at, 2) if outcome else None,
            "answered": outcome.present if outcome else None,
        })
    waits = [t["waited_min"] for t in tickets if t["waited_min"] is not None]
    return {
        "scenario": scenario.name, "seed": seed, "day": day.isoformat(),
        "visitors": result.visitors, "queue_entries": len(result.entries),
        "no_shows": result.no_shows, "requests": backend.requests,
        "mean_wait_min": round(sum(waits) / len(waits), 2) if waits else None,
        "tickets": tickets,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="small_ward", choices=sorted(SCENARIOS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--visitors", type=float, default=None,
                        help="visitors a day (default: the scenario's)")
    parser.add_argument("--date", default=DAY.isoformat())
    args = parser.parse_args(argv)
    scenario = SCENARIOS[args.scenario]
    if args.visitors is not None:
        scenario = dataclasses.replace(scenario, visitors_per_day=args.visitors)
    with tempfile.TemporaryDirectory() as tmp:
        summary = replay(scenario, args.seed, Path(tmp), date.fromisoformat(args.date))
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
