"""Concurrency through the real server: racing counters, and clients joining mid-stream."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.harness import ADMIN, ServerProcess, token
from tests.realtime.clients import RecordingClient, newest_seq
from tests.realtime.conftest import Connect


class Counter:
    """One counter's console over HTTP, with a session of its own (one per thread)."""

    def __init__(self, server: ServerProcess, site: str, counter: str, staff: str) -> None:
        self.base = server.url
        self.site = site
        self.counter = f"{site}-{counter}"
        self.auth = {"Authorization": f"Bearer {token(site, staff)}"}
        self.http = requests.Session()

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return self.http.post(self.base + path, json=body or {}, timeout=30,
                              headers={**self.auth, "Idempotency-Key": uuid.uuid4().hex})

    def call_next(self) -> requests.Response:
        return self.post(f"/api/sites/{self.site}/counters/{self.counter}/call-next")

    def close(self) -> None:
        self.http.close()


def run_together(*jobs: Callable[[], None]) -> None:
    """Run `jobs` in threads at once; re-raise the first failure."""
    failures: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        try:
            start.wait(10)
            job()
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if failures:
        raise failures[0]


def issue_many(server: ServerProcess, site: str, count: int, threads: int = 8) -> list[int]:
    """Issue `count` job tickets from several kiosk sessions at once; their ids."""
    ids: list[int] = []

    def kiosk(n: int) -> None:
        with requests.Session() as http:
            for _ in range(n):
                reply = http.post(f"{server.url}/api/sites/{site}/tickets", timeout=30,
                                  json={"services": ["job"]},
                                  headers={"Authorization": f"Bearer {token(site, 'kiosk')}",
                                           "Idempotency-Key": uuid.uuid4().hex})
                assert reply.status_code == 201, reply.text
                ids.append(reply.json()["id"])

    run_together(*(lambda i=i: kiosk(count // threads + (i < count % threads))
                   for i in range(threads)))
    assert len(set(ids)) == count
    return ids


@pytest.fixture
def counters(server: ServerProcess, site: str) -> Iterator[tuple[Counter, Counter]]:
    """Counters c1 and c2 of a fresh site (both serve the job desk), staffed by 1 and 2."""
    pair = (Counter(server, site, "c1", "staff1"), Counter(server, site, "c2", "staff2"))
    yield pair
    for c in pair:
        c.close()


def test_two_counters_racing_call_next_200_times_get_200_distinct_tickets(
        server: ServerProcess, site: str, counters: tuple[Counter, Counter]) -> None:
    issued = issue_many(server, site, 200)
    handed_out: dict[str, list[int]] = {c.counter: [] for c in counters}
    refusals: dict[str, set[str]] = {c.counter: set() for c in counters}

    def work(counter: Counter) -> None:
        for _ in range(200):
            called = counter.call_next()
            if called.status_code != 200:
                refusals[counter.counter].add(called.json()["error"])
                continue
            ticket_id = called.json()["ticket"]["id"]
            handed_out[counter.counter].append(ticket_id)
            body = {"counter": counter.counter}
            assert counter.post(f"/api/tickets/{ticket_id}/start", body).status_code == 200
            finished = counter.post(f"/api/tickets/{ticket_id}/finish",
                                    {**body, "outcome": "consult_only"})
            assert finished.status_code == 200, finished.text

    run_together(*(lambda c=c: work(c) for c in counters))

    everyone = [t for ids in handed_out.values() for t in ids]
    assert len(everyone) == 200
    assert sorted(everyone) == sorted(issued)
    assert all(handed_out.values()), "both counters should have served someone"
    assert set().union(*refusals.values()) <= {"no_waiting_tickets"}
    log = server.request("GET", f"/api/sites/{site}/events?since=0&limit=5000", ADMIN)
    assert log.status == 200, log.body
    calls = [e for e in log.body["events"] if e["kind"] == "called"]
    assert len(calls) == 200
    assert len({e["ticket"] for e in calls}) == 200
    assert {e["counter"] for e in calls} == set(handed_out)
    for counter, ids in handed_out.items():
        assert [e["ticket"] for e in calls if e["counter"] == counter] == ids


def busy_site(server: ServerProcess, site: str, counters: tuple[Counter, Counter],
              while_busy: Callable[[], None]) -> None:
    """Keep both counters issuing, calling and cancelling while `while_busy` runs."""
    done = threading.Event()

    def work(counter: Counter) -> None:
        for _ in range(1000):  # a bound, in case `while_busy` hangs
            if done.is_set():
                return
            issued = counter.post(f"/api/sites/{counter.site}/tickets", {"services": ["job"]})
            assert issued.status_code == 201, issued.text
            called = counter.call_next()
            assert called.status_code == 200, called.text
            cancelled = counter.post(f"/api/tickets/{called.json()['ticket']['id']}/cancel")
            assert cancelled.status_code == 200, cancelled.text

    def watch() -> None:
        try:
            while_busy()
        finally:
            done.set()

    run_together(watch, *(lambda c=c: work(c) for c in counters))


def split_at_snapshot(client: RecordingClient) -> tuple[int, list[int], list[int]]:
    """The first snapshot's seq, the event seqs before it (a replay) and those after."""
    before: list[int] = []
    after: list[int] = []
    snapshot_seq = None
    for name, payload in list(client.messages):
        if name == "snapshot" and snapshot_seq is None:
            snapshot_seq = payload["seq"]
        elif name == "events":
            (after if snapshot_seq is not None else before).extend(
                e["seq"] for e in payload["events"])
    assert snapshot_seq is not None
    return snapshot_seq, before, after


@pytest.mark.both_stores
def test_sequence_numbers_strictly_increase_across_everything_a_client_receives(
        server: ServerProcess, site: str, counters: tuple[Counter, Counter],
        connect: Connect) -> None:
    """Consoles and displays come and go while the counters work, half of them asking for
    what they missed: none ever gets a number twice or out of order."""
    joined: list[tuple[RecordingClient, int | None]] = []

    def come_and_go() -> None:
        for i in range(16):
            device = ("staff1", "display", "kiosk", "display-c1")[i % 4]
            since = joined[-1][0].last_seq if joined and i % 2 else None
            joined.append((connect(token(site, device), since=since), since))
            joined[-1][0].wait_for_snapshots()

    busy_site(server, site, counters, come_and_go)
    final = newest_seq(server, site)
    for client, since in joined:
        if client.token.endswith("staff1"):
            client.wait_for(lambda c: c.last_seq == final)
        seqs = [e["seq"] for e in client.events()]
        assert seqs == sorted(set(seqs)), (client.token, since, seqs)
        snapshot_seq, replayed, _ = split_at_snapshot(client)
        if since is None:
            assert replayed == [], (client.token, seqs)
        assert all((since or 0) < s <= snapshot_seq for s in replayed), (client.token, since, seqs)


@pytest.mark.both_stores
def test_events_pushed_after_a_snapshot_are_newer_than_it(
        server: ServerProcess, site: str, counters: tuple[Counter, Counter],
        connect: Connect) -> None:
    joined: list[RecordingClient] = []

    def come_and_go() -> None:
        for _ in range(30):
            joined.append(connect(token(site, "staff1")))
            joined[-1].wait_for_snapshots()
            if any(older_after_snapshot(c) for c in joined):
                return

    busy_site(server, site, counters, come_and_go)
    final = newest_seq(server, site)
    for client in joined:
        client.wait_for(lambda c: c.last_seq == final)
        assert not older_after_snapshot(client), (client.snapshots()[0]["seq"], client.seqs())


def older_after_snapshot(client: RecordingClient) -> bool:
    snapshot_seq, _, after = split_at_snapshot(client)
    return any(s <= snapshot_seq for s in after)
