"""kill -9 during a burst of issues: every acknowledged ticket survives, no number twice."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.harness import ADMIN, ServerProcess, token

pytestmark = pytest.mark.both_stores

KIOSKS = 6
# Each round kills the server after this many acknowledged tickets, at its own site.
ROUNDS = (("a", 3), ("b", 40), ("c", 120))
PURPOSES = (["job"], ["career"], ["search"], ["career", "job"])


@dataclass
class Burst:
    """Kiosks issuing tickets as fast as they can until the server dies under them."""

    server: ServerProcess
    site: str
    kill_after: int
    acknowledged: dict[str, tuple[list[str], dict[str, Any]]] = field(default_factory=dict)
    cut: dict[str, list[str]] = field(default_factory=dict)  # sent, never answered
    refused: list[str] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def kiosk(self, n: int) -> None:
        url = f"{self.server.url}/api/sites/{self.site}/tickets"
        auth = {"Authorization": f"Bearer {token(self.site, 'kiosk')}"}
        with requests.Session() as http:
            for i in range(1000):  # a bound; the kill ends the loop long before
                key, purposes = uuid.uuid4().hex, PURPOSES[(n + i) % len(PURPOSES)]
                try:
                    reply = http.post(url, json={"services": purposes}, timeout=10,
                                      headers={**auth, "Idempotency-Key": key})
                except requests.RequestException:
                    with self.lock:
                        self.cut[key] = purposes
                    return
                with self.lock:
                    if reply.status_code != 201:
                        self.refused.append(reply.text)
                        return
                    answer = {k: v for k, v in reply.json().items() if k != "estimate"}
                    self.acknowledged[key] = (purposes, answer)
                    if len(self.acknowledged) >= self.kill_after:
                        self.enough.set()

    def run_until_killed(self) -> None:
        kiosks = [threading.Thread(target=self.kiosk, args=(n,)) for n in range(KIOSKS)]
        for k in kiosks:
            k.start()
        try:
            assert self.enough.wait(60), f"only {len(self.acknowledged)} tickets acknowledged"
        finally:
            self.server.kill()  # SIGKILL, in the middle of the burst
            for k in kiosks:
                k.join(30)
        assert not any(k.is_alive() for k in kiosks)
        assert self.refused == []
        assert len(self.cut) == KIOSKS  # every kiosk had a request cut by the kill

    def retry(self, key: str, purposes: list[str]) -> tuple[int, Any]:
        """The answer to a repeat, but for its wait estimate: that is given as of now."""
        reply = self.server.request("POST", f"/api/sites/{self.site}/tickets",
                                    token(self.site, "kiosk"), {"services": purposes}, key=key)
        if reply.status == 201:
            assert "estimate" in reply.body
            return reply.status, {k: v for k, v in reply.body.items() if k != "estimate"}
        return reply.status, reply.body


def integrity(server: ServerProcess) -> list[str]:
    """SQLite's own check of its file (PostgreSQL's crash recovery is its own business)."""
    if not server.database.startswith("sqlite"):
        return ["ok"]
    with contextlib.closing(sqlite3.connect(server.db)) as conn:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]


def assert_survived(server: ServerProcess, burst: Burst) -> None:
    """Every acknowledged ticket of `burst` is stored, as it was acknowledged."""
    for key, (purposes, answer) in burst.acknowledged.items():
        found = server.request("GET", f"/api/tickets/{answer['id']}", ADMIN)
        assert found.status == 200, (key, answer, found.body)
        ticket = found.body["ticket"]
        assert (ticket["site"], ticket["label"], ticket["purposes"]) == (
            burst.site, answer["label"], purposes)
        assert ticket["status"] == "waiting"
        assert [e["kind"] for e in found.body["journey"]] == ["issued"]


def live_labels(server: ServerProcess, site: str) -> list[str]:
    queues = server.request("GET", f"/api/sites/{site}/queues", ADMIN).body["queues"]
    return [t["label"] for q in queues for t in q["waiting"]]


def issued_ids(server: ServerProcess, site: str) -> list[int]:
    log = server.request("GET", f"/api/sites/{site}/events?since=0&limit=5000", ADMIN)
    assert log.status == 200, log.body
    return [e["ticket"] for e in log.body["events"] if e["kind"] == "issued"]


def test_acknowledged_tickets_survive_kill_9_and_no_number_is_given_twice(
        fresh_server: ServerProcess) -> None:
    # One round, on both stores (PostgreSQL's durability is the server's; what is tested is
    # ours); the whole sweep of kill points is the slow test below.
    survive_kill_9(fresh_server, ROUNDS[1:2])


@pytest.mark.slow
def test_acknowledged_tickets_survive_kill_9_at_every_point_of_the_sweep(
        fresh_server: ServerProcess) -> None:
    survive_kill_9(fresh_server, ROUNDS)


def survive_kill_9(server: ServerProcess, rounds: tuple[tuple[str, int], ...]) -> None:
    """Rounds of kiosks issuing until the server is killed after `kill_after` acknowledged
    tickets at `site`, then started again: every acknowledged ticket is there, every retry
    gets its first answer, and no number was given twice, across all the rounds."""
    server.start()
    done: list[Burst] = []
    for site, kill_after in rounds:
        burst = Burst(server, site, kill_after)
        burst.run_until_killed()
        assert integrity(server) == ["ok"]
        server.start()

        for earlier in [*done, burst]:  # earlier rounds' tickets survive this crash too
            assert_survived(server, earlier)
        labels = live_labels(server, site)
        assert len(labels) == len(set(labels)), Counter(labels).most_common(3)
        acknowledged_ids = {answer["id"] for _, answer in burst.acknowledged.values()}
        assert acknowledged_ids <= set(issued_ids(server, site))

        for key, (purposes, answer) in burst.acknowledged.items():
            assert burst.retry(key, purposes) == (201, answer)
        retried: dict[str, int] = {}
        for key, purposes in burst.cut.items():
            status, first = burst.retry(key, purposes)
            assert status == 201, first
            assert burst.retry(key, purposes) == (201, first)
            retried[key] = first["id"]
        assert not acknowledged_ids & set(retried.values())

        # One ticket per key, whether or not the cut request had been stored before the kill.
        ids = issued_ids(server, site)
        assert sorted(ids) == sorted(acknowledged_ids | set(retried.values()))
        labels = live_labels(server, site)
        assert len(labels) == len(ids) == len(set(labels))
        done.append(burst)
    assert integrity(server) == ["ok"]
