"""Three real server processes share the sites fairly: one that joins is handed its share while
kiosks issue at every site (nothing acknowledged is lost, no number is given twice), and the
sites of one that is killed are taken by the others."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from pathlib import Path

import requests

from tests.cluster.harness import Cluster
from tests.harness import ADMIN, token

SITES = ["a", "b", "c", "d"]


class Kiosks:
    """A kiosk per site issuing without pause through one process, each request retried with
    its key until answered (as the kiosk's page does)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: dict[str, list[tuple[int, str]]] = {s: [] for s in SITES}
        self.retried: Counter[str] = Counter()
        self.refused: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._issue, args=(s,)) for s in SITES]

    def __enter__(self) -> Kiosks:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def count(self) -> int:
        return sum(len(a) for a in self.acknowledged.values())

    def _issue(self, site: str) -> None:
        headers = {"Authorization": f"Bearer {token(site, 'kiosk')}"}
        with requests.Session() as http:
            while not self.stop.is_set():
                key = uuid.uuid4().hex
                while True:  # the same key until answered, even once told to stop
                    try:
                        reply = http.post(f"{self.url}/api/sites/{site}/tickets", timeout=15,
                                          json={"services": ["job"]},
                                          headers={**headers, "Idempotency-Key": key})
                    except requests.RequestException as exc:
                        self.retried[type(exc).__name__] += 1
                        continue
                    if reply.status_code == 201:
                        self.acknowledged[site].append((reply.json()["id"],
                                                        reply.json()["label"]))
                        break
                    if reply.status_code != 503:
                        self.refused.append(reply.text)
                        return
                    self.retried[reply.json()["error"]] += 1


def test_processes_share_the_sites_hand_them_over_cleanly_and_take_a_killed_ones(
        tmp_path: Path) -> None:
    cluster = Cluster(tmp_path / "cluster", SITES, size=3)
    first, second, third = cluster.processes
    try:
        first.init()
        first.start()
        assert cluster.settle() == {first.url: SITES}  # alone, it serves every site
        second.start()
        spread = cluster.settle()  # the first hands the second its half
        assert sorted(len(s) for s in spread.values()) == [2, 2], spread

        with Kiosks(second.url) as kiosks:  # half of it passed to the first
            while kiosks.count() < 40:
                kiosks.stop.wait(0.05)
            third.start()
            third.env["MADOGUCHI_ADVERTISE_URL"] = third.url
            spread = cluster.settle()  # one of them hands the third a site, under load
            served = kiosks.count()
            while kiosks.count() < served + 40:  # and every site is served on
                kiosks.stop.wait(0.05)
        assert sorted(len(s) for s in spread.values()) == [1, 1, 2], spread
        assert spread[third.url], spread
        assert not kiosks.refused, kiosks.refused[:3]
        for site in SITES:
            log = first.request("GET", f"/api/sites/{site}/events?since=0&limit=5000", ADMIN)
            issued = {e["ticket"]: e["data"]["label"] for e in log.body["events"]
                      if e["kind"] == "issued"}
            for ticket, label in kiosks.acknowledged[site]:
                assert issued.get(ticket) == label, (site, ticket, label)  # none lost
            labels = list(issued.values())
            assert len(labels) == len(set(labels)), site  # no number twice
        assert set(kiosks.retried) <= {"site_moving"}, (kiosks.retried, cluster.logs())

        # The process serving two sites is killed: the two left take them, two each.
        busiest = next(p for p in cluster.processes if len(spread[p.url]) == 2)
        busiest.kill()
        spread = cluster.settle()
        assert sorted(len(s) for s in spread.values()) == [2, 2], spread
        assert busiest.url not in spread
    finally:
        cluster.stop()


def test_a_process_joining_a_large_cluster_gets_its_share_in_a_few_rounds(
        tmp_path: Path) -> None:
    """A city's or a prefecture's many sites: the process that joins (started after the
    other, or restarted in an upgrade) is handed its share in a few lease rounds, not a site
    a round, and every site handed over is served by it."""
    sites = [f"s{n:02d}" for n in range(60)]
    cluster = Cluster(tmp_path / "cluster", sites, size=2,
                      env={"MADOGUCHI_LOG_LEVEL": "INFO"})  # the hand-overs are logged
    first, second = cluster.processes
    try:
        first.init()
        first.start()
        assert cluster.settle() == {first.url: sites}
        second.start()
        spread = cluster.settle()
        assert sorted(len(s) for s in spread.values()) == [30, 30], spread
        # 30 sites handed over in a few rounds (20, then 10, on a quiet machine), not thirty.
        gave = [line for line in first.log.read_text().splitlines()
                if "gave site(s)" in line]
        assert len(gave) <= 4, gave
        for site in spread[second.url]:
            reply = first.issue(site, ["job"])  # passed on to its new owner
            assert reply.status == 201, (site, reply.body)
    finally:
        cluster.stop()
