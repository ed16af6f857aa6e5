"""Failover rounds: kiosks and counters keep working, through every process of a cluster,
while the owner of their site is killed (-9) or frozen (SIGSTOP) past its lease.

Kiosks issue tickets, each request with a key of its own, and retry a refused or cut request
with the same key until it is answered (as the kiosk's page does). Counters call the next
ticket the same way. Afterwards: every acknowledged ticket is stored as acknowledged, no number
was given twice, no ticket was called twice, a retried key got the first answer back, and the
time from the failure until the site's next acknowledged ticket is measured.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.cluster.harness import Cluster
from tests.harness import ADMIN, ServerProcess, token

KIOSKS = 18
COUNTERS = (("c1", "staff1"), ("c2", "staff2"))  # 18 kiosks + 2 counters: 20 clients


@dataclass
class Round:
    """One failover round at one site."""

    cluster: Cluster
    site: str
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> answer
    called: list[int] = field(default_factory=list)
    # Monotonic times: the first ticket the site's next owner issued, acknowledged; the first
    # ticket asked for after the failure, acknowledged (it also counts the clients' own time
    # lost on the failed process: their timeouts).
    first_after: float | None = None
    first_asked_after: float | None = None
    failed_at: float | None = None
    generation_before: int = 0  # the newest id generation acknowledged before the failure
    refusals: Counter[str] = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)

    def _alive(self) -> list[ServerProcess]:
        return [p for p in self.cluster.processes if p.proc is not None and p.proc.poll() is None]

    def _post(self, http: requests.Session, targets: itertools.cycle, path: str,
              who: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """POST with one key until answered (201/200) or refused for good."""
        key = uuid.uuid4().hex
        while not self.stop.is_set():
            proc = next(targets)
            try:
                reply = http.post(proc.url + path, json=body, timeout=(2, 4), headers={
                    "Authorization": f"Bearer {token(self.site, who)}", "Idempotency-Key": key})
            except requests.RequestException as exc:
                with self.lock:
                    self.refusals[type(exc).__name__] += 1
                self.stop.wait(0.05)
                continue
            if reply.status_code in (200, 201):
                return {"key": key, **reply.json()}
            code = reply.json().get("error", str(reply.status_code))
            with self.lock:
                self.refusals[code] += 1
            if reply.status_code != 503:
                return {"key": key, "refused": code}
            self.stop.wait(0.05)
        return None

    def kiosk(self, n: int) -> None:
        with requests.Session() as http:
            targets = itertools.cycle(self.cluster.processes[n % 2:] + self.cluster.processes[
                :n % 2])
            while not self.stop.is_set():
                began = time.monotonic()
                answer = self._post(http, targets, f"/api/sites/{self.site}/tickets", "kiosk",
                                    {"services": ["job"]})
                if answer is None:
                    return
                if "refused" in answer:
                    with self.lock:
                        self.errors.append(f"kiosk refused: {answer}")
                    return
                with self.lock:
                    self.acknowledged[answer["key"]] = {"id": answer["id"],
                                                        "label": answer["label"]}
                    now = time.monotonic()
                    if self.failed_at is None:
                        self.generation_before = max(self.generation_before,
                                                     answer["id"] >> 24)
                    elif self.first_after is None and answer["id"] >> 24 > \
                            self.generation_before:
                        self.first_after = now  # issued by the next owner (a new generation)
                    if (self.failed_at is not None and began > self.failed_at
                            and self.first_asked_after is None):
                        self.first_asked_after = now

    def counter(self, counter: str, staff: str) -> None:
        path = f"/api/sites/{self.site}/counters/{self.site}-{counter}/call-next"
        with requests.Session() as http:
            targets = itertools.cycle(self.cluster.processes)
            while not self.stop.is_set():
                answer = self._post(http, targets, path, staff, {})
                if answer is None:
                    return
                if answer.get("refused") == "counter_busy":  # left so by an earlier round
                    self._free(http, targets, counter, staff)
                    continue
                if "refused" in answer:
                    if answer["refused"] != "no_waiting_tickets":
                        with self.lock:
                            self.errors.append(f"{counter} refused: {answer}")
                    self.stop.wait(0.02)
                    continue
                ticket_id = answer["ticket"]["id"]
                with self.lock:
                    self.called.append(ticket_id)
                # Done with it (as busy_site in tests/realtime does), so the next call can come.
                self._post(http, targets, f"/api/tickets/{ticket_id}/cancel", staff, {})

    def _free(self, http: requests.Session, targets: itertools.cycle, counter: str,
              staff: str) -> None:
        """Cancel the ticket a counter still holds."""
        proc = next(targets)
        try:
            found = http.get(f"{proc.url}/api/sites/{self.site}/counters", timeout=(2, 8),
                             headers={"Authorization": f"Bearer {token(self.site, staff)}"})
        except requests.RequestException:  # that process is down: the next try asks another
            return
        if found.status_code != 200:
            return
        held = [c["ticket"] for c in found.json().get("counters", [])
                if c["id"] == f"{self.site}-{counter}" and c["ticket"]]
        if held:
            self._post(http, targets, f"/api/tickets/{held[0]['id']}/cancel", staff, {})

    def run(self, fail: Any, after_failure: float = 1.0) -> float:
        """Work; call `fail()` once work is under way; go on until the site has been served
        again for `after_failure` seconds. The seconds from the failure to the first ticket
        its next owner issued, acknowledged (a ticket of a newer id generation: every number
        the failed owner could use is older)."""
        workers = [threading.Thread(target=self.kiosk, args=(n,)) for n in range(KIOSKS)]
        workers += [threading.Thread(target=self.counter, args=c) for c in COUNTERS]
        for w in workers:
            w.start()
        try:
            self._wait(lambda: len(self.acknowledged) >= 30, 60, "tickets before the failure")
            with self.lock:
                self.failed_at = time.monotonic()
            fail()
            self._wait(lambda: self.first_after is not None, 60, "a ticket after the failure")
            assert self.first_after is not None and self.failed_at is not None
            recovery = self.first_after - self.failed_at
            served = len(self.acknowledged)
            self._wait(lambda: len(self.acknowledged) >= served + 20, 60, "service going on")
            self._wait(lambda: self.first_asked_after is not None, 60,
                       "a ticket asked for after the failure")
        finally:
            self.stop.set()
            for w in workers:
                w.join(30)
        assert not any(w.is_alive() for w in workers)
        return recovery

    def _wait(self, condition: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} in {timeout} s; refusals {self.refusals}\n"
                                     + self.cluster.logs())
            self.stop.wait(0.02)

    # ---- what must hold afterwards -------------------------------------------------------

    def check(self, via: ServerProcess) -> dict[str, int]:
        """Every acknowledged ticket stored, no number twice, no ticket called twice, a
        retry answered as the first time. The counts of lost and duplicated."""
        assert not self.errors, self.errors[:5]
        events = site_log(via, self.site)
        issued = {e["ticket"]: e for e in events if e["kind"] == "issued"}
        calls = [e["ticket"] for e in events if e["kind"] == "called"]
        lost = [a for a in self.acknowledged.values() if a["id"] not in issued]
        duplicates = reused_numbers([e["data"]["label"] for e in sorted(issued.values(),
                                                                  key=lambda e: e["seq"])])
        called_twice = sum(n - 1 for n in Counter(calls).values() if n > 1)
        assert sorted(set(self.called)) == sorted(self.called)
        assert set(self.called) <= set(calls)
        for key, answer in list(self.acknowledged.items())[::7]:  # retries, through any
            again = via.request("POST", f"/api/sites/{self.site}/tickets",
                                token(self.site, "kiosk"), {"services": ["job"]}, key=key)
            assert again.status == 201 and (again.body["id"], again.body["label"]) == (
                answer["id"], answer["label"]), (key, answer, again.body)
        return {"lost": len(lost), "duplicates": duplicates, "called_twice": called_twice,
                "acknowledged": len(self.acknowledged), "calls": len(calls)}


def site_log(via: ServerProcess, site: str, page: int = 5000) -> list[dict[str, Any]]:
    """The site's whole event log, page by page (a bench's issue phases leave thousands)."""
    events: list[dict[str, Any]] = []
    while True:
        since = events[-1]["seq"] if events else 0
        log = via.request("GET", f"/api/sites/{site}/events?since={since}&limit={page}", ADMIN)
        assert log.status == 200, log.body
        events += log.body["events"]
        if len(log.body["events"]) < page:
            return events


BAND = 299  # the job desk's numbers, 1-299: after that they go round


def reused_numbers(labels: list[str]) -> int:
    """How many times a number was given again before its band went round."""
    return sum(1 for i, label in enumerate(labels) if label in labels[max(0, i - BAND + 1):i])
