"""The small known event log the reports are checked against, driven through the real API
on the simulated clock (times are Japan time, the site's day starts at 04:00).

Business day 2026-04-06 (a Monday):
  09:00 A issued for 職業相談 (job) then キャリア (career); 09:02 B for job;
        09:05 C for 福祉 (welfare)
  09:10 counter 1 calls A; 09:12 starts; 09:20 finishes with a placement -> A queues for career
  09:25 counter 1 calls B (waited 23 min: over job's 20-minute target); counter 3 calls C
  09:26 B is a no-show: back in the queue once; counter 3 starts C
  09:36 counter 3 transfers C to 住居確保給付金 (housing)
  09:40 counter 1 calls B again; 09:41 B is a no-show again: the visit ends
  09:45 counter 2 calls A for career; 09:46 finishes it straight away (no start pressed)
  09:50 counter 3 calls C for housing; 09:52 starts; 10:05 finishes
  10:10 counter 1 pauses; 10:30 resumes; 17:00 counters 1, 2 and 3 close
  23:50 D issued for 求人検索 (search); 00:10 (calendar 04-07) E for search; 03:59 F for job:
        all three still on business day 04-06
  04:00:30 (04-07) the day is closed: D, E and F end unserved
Business day 2026-04-07:
  09:00 G issued for job; 09:05 counter 1 calls G; 09:06 finishes (referral); 09:30 closes
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tests.harness import ADMIN, ServerProcess, token


@dataclass
class KnownLog:
    site: str
    tickets: dict[str, int]  # letter -> ticket id
    labels: dict[str, str]


class Driver:
    def __init__(self, server: ServerProcess, site: str) -> None:
        self.server, self.site = server, site
        self.tickets: dict[str, int] = {}
        self.labels: dict[str, str] = {}

    def at(self, moment: str) -> None:
        reply = self.server.request("POST", "/api/clock", ADMIN, {"set": moment})
        assert reply.status == 200, reply.body

    def issue(self, name: str, services: list[str]) -> None:
        reply = self.server.issue(self.site, services)
        assert reply.status == 201, reply.body
        self.tickets[name] = reply.body["id"]
        self.labels[name] = reply.body["label"]

    def call(self, counter: str, expected: str) -> None:
        reply = self.server.call_next(self.site, counter, staff="manager")
        assert reply.status == 200, reply.body
        assert reply.body["ticket"]["id"] == self.tickets[expected], reply.body

    def act(self, name: str, action: str, body: dict[str, str] | None = None) -> None:
        reply = self.server.act(self.site, self.tickets[name], action, body, staff="manager")
        assert reply.status == 200, reply.body

    def counter(self, counter: str, action: str) -> None:
        reply = self.server.request(
            "POST",
            f"/api/sites/{self.site}/counters/{self.site}-{counter}/{action}",
            token(self.site, "manager"),
            {},
            key=uuid.uuid4().hex,
        )
        assert reply.status == 200, reply.body

    def close_day(self) -> None:
        reply = self.server.request(
            "POST", f"/api/sites/{self.site}/close-day", token(self.site, "manager"), {}
        )
        assert reply.status == 200, reply.body


def build_known_log(server: ServerProcess, site: str) -> KnownLog:
    d = Driver(server, site)
    day = "2026-04-06T{}+09:00"
    d.at(day.format("09:00:00"))
    d.issue("A", ["job", "career"])
    d.at(day.format("09:02:00"))
    d.issue("B", ["job"])
    d.at(day.format("09:05:00"))
    d.issue("C", ["welfare"])
    d.at(day.format("09:10:00"))
    d.call("c1", "A")
    d.at(day.format("09:12:00"))
    d.act("A", "start")
    d.at(day.format("09:20:00"))
    d.act("A", "finish", {"outcome": "placement"})
    d.at(day.format("09:25:00"))
    d.call("c1", "B")
    d.call("c3", "C")
    d.at(day.format("09:26:00"))
    d.act("B", "no-show")
    d.act("C", "start")
    d.at(day.format("09:36:00"))
    d.act("C", "transfer", {"service": "housing"})
    d.at(day.format("09:40:00"))
    d.call("c1", "B")
    d.at(day.format("09:41:00"))
    d.act("B", "no-show")
    d.at(day.format("09:45:00"))
    d.call("c2", "A")
    d.at(day.format("09:46:00"))
    d.act("A", "finish", {"outcome": "consult_only"})
    d.at(day.format("09:50:00"))
    d.call("c3", "C")
    d.at(day.format("09:52:00"))
    d.act("C", "start")
    d.at(day.format("10:05:00"))
    d.act("C", "finish", {"outcome": "consult_only"})
    d.at(day.format("10:10:00"))
    d.counter("c1", "pause")
    d.at(day.format("10:30:00"))
    d.counter("c1", "resume")
    d.at(day.format("17:00:00"))
    for counter in ("c1", "c2", "c3"):
        d.counter(counter, "close")
    d.at(day.format("23:50:00"))
    d.issue("D", ["search"])
    d.at("2026-04-07T00:10:00+09:00")
    d.issue("E", ["search"])
    d.at("2026-04-07T03:59:00+09:00")
    d.issue("F", ["job"])
    d.at("2026-04-07T04:00:30+09:00")
    d.close_day()
    next_day = "2026-04-07T{}+09:00"
    d.at(next_day.format("09:00:00"))
    d.issue("G", ["job"])
    d.at(next_day.format("09:05:00"))
    d.call("c1", "G")
    d.at(next_day.format("09:06:00"))
    d.act("G", "finish", {"outcome": "referral_issued"})
    d.at(next_day.format("09:30:00"))
    d.counter("c1", "close")
    d.at(next_day.format("12:00:00"))
    return KnownLog(site, d.tickets, d.labels)
