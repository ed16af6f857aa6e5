"""Pairing a kiosk or display in a cluster: the device may ask for its code on one process,
the administrator's approval may reach another (nginx keeps each client address on one
process, and the kiosk and the administrator's PC have different addresses), and the
device's polls may go to either. A code is used once, whichever processes it is entered on."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.api.support import assert_error
from tests.cluster.harness import Cluster
from tests.harness import ADMIN, Reply, ServerProcess


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    made = Cluster(tmp_path_factory.mktemp("pairing"), ["a"]).start()
    yield made
    made.stop()


def ask(server: ServerProcess, method: str, path: str) -> Reply:
    """A new device's request: no cookie, no token."""
    response = requests.request(method, server.url + path, timeout=30)
    return Reply(response.status_code, response.json())


def approve(server: ServerProcess, code: str, name: str) -> Reply:
    body = {"code": code, "role": "kiosk", "site": "a", "name": name}
    return server.request("POST", "/api/pairing/approve", ADMIN, body)


def test_a_kiosk_pairs_whichever_process_each_of_its_requests_goes_to(
    cluster: Cluster,
) -> None:
    first, second = cluster.processes
    started = ask(first, "POST", "/api/pairing")
    assert started.status == 201, started.body
    poll = f"/api/pairing/{started.body['pairing_id']}"
    for proc in (first, second):
        waiting = ask(proc, "GET", poll)
        assert waiting.status == 200, waiting.body
        assert (waiting.body["status"], waiting.body["code"]) == ("pending", started.body["code"])
    approved = approve(second, started.body["code"], "入口")
    assert approved.status == 201, approved.body
    collected = ask(second, "GET", poll)
    assert collected.status == 200, collected.body
    assert collected.body["status"] == "paired"
    assert collected.body["device"] == approved.body["device"]
    kiosk = collected.body["token"]
    assert_error(ask(first, "GET", poll), 404, "unknown_pairing")  # collected once, anywhere
    assert_error(approve(first, started.body["code"], "もう一度"), 404, "unknown_pairing")
    for proc in (first, second):
        me = proc.request("GET", "/api/me", kiosk)
        assert me.status == 200 and me.body["id"] == approved.body["device"]["id"], me.body
        issued = proc.request("POST", "/api/sites/a/tickets", kiosk, {"services": ["job"]},
                              key=uuid.uuid4().hex)
        assert issued.status == 201, issued.body


def test_a_code_entered_on_two_processes_at_once_pairs_one_device(cluster: Cluster) -> None:
    first, second = cluster.processes
    for round_ in range(6):
        started = ask((first, second)[round_ % 2], "POST", "/api/pairing").body
        name = f"race-{uuid.uuid4().hex[:8]}"
        together = threading.Barrier(2)

        def enter(proc: ServerProcess, code: str = started["code"], name: str = name,
                  together: threading.Barrier = together) -> Reply:
            together.wait()
            return approve(proc, code, name)

        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(enter, (first, second)))
        assert sorted(r.status for r in replies) == [201, 404], [r.body for r in replies]
        winner = next(r for r in replies if r.status == 201)
        assert_error(next(r for r in replies if r.status == 404), 404, "unknown_pairing")
        devices: list[dict[str, Any]] = first.request(
            "GET", "/api/devices?site=a", ADMIN).body["devices"]
        assert [d["id"] for d in devices if d["name"] == name] == [winner.body["device"]["id"]]
        collected = ask(first, "GET", f"/api/pairing/{started['pairing_id']}")
        assert collected.body["device"] == winner.body["device"], collected.body
