"""A login or a paired device is good at once on every process of a cluster, not only after
the others' next read of the credentials (server/auth/registry.py): behind a load balancer
without stickiness, a console's next request or its socket may go to any process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.auth.people import PASSWORD, Person
from tests.cluster.harness import Cluster, eventually
from tests.harness import ADMIN, Reply, ServerProcess
from tests.realtime.clients import RecordingClient
from tests.realtime.test_organisations import PersonClient


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    made = Cluster(tmp_path_factory.mktemp("credentials"), ["a"]).start()
    yield made
    made.stop()


def logged_in_elsewhere(here: ServerProcess, there: ServerProcess) -> tuple[Person, Person]:
    """An account made and logged in on `here`, and the same browser pointed at `there`."""
    username = f"staff-{uuid.uuid4().hex[:8]}"
    made = here.request("POST", "/api/accounts", ADMIN, {
        "username": username, "role": "staff", "password": PASSWORD, "site": "a",
        "organisations": ["hellowork", "city"]})
    assert made.status == 201, made.body
    person = Person(here)
    assert person.login(username).status == 200
    moved = Person(there)
    moved.http.cookies.update(person.http.cookies)
    moved.csrf = person.csrf
    return person, moved


def test_a_login_on_one_process_is_good_at_once_on_the_other(cluster: Cluster) -> None:
    here, there = cluster.processes
    # Its console's socket first: nothing was asked of `there` before.
    person, moved = logged_in_elsewhere(here, there)
    console = PersonClient(moved, "a-c1")
    try:
        console.open()
        console.wait_for_snapshots()
    finally:
        console.close()
    # A request first, on a login of its own (the socket above brought that one in).
    person, moved = logged_in_elsewhere(here, there)
    asked = moved.request("GET", "/api/session")
    assert asked.status == 200, asked.body
    assert asked.body["user"]["username"] == person.user["username"]  # type: ignore[index]
    assert asked.body["csrf_token"] == person.csrf
    # Logging out on the first process ends it on the other too (at its next read).
    assert person.request("DELETE", "/api/session").status == 200
    ended = eventually(lambda: moved.request("GET", "/api/session").status == 401, timeout=10)
    assert ended, moved.request("GET", "/api/session").body
    for p in (person, moved):
        p.close()


def ask(server: ServerProcess, method: str, path: str) -> Reply:
    response = requests.request(method, server.url + path, timeout=30)
    return Reply(response.status_code, response.json())


def paired(server: ServerProcess, role: str, **where: Any) -> str:
    """A device paired end to end on `server`: its token."""
    pairing = ask(server, "POST", "/api/pairing").body
    body = {"code": pairing["code"], "role": role, "site": "a", "name": role, **where}
    approved = server.request("POST", "/api/pairing/approve", ADMIN, body)
    assert approved.status == 201, approved.body
    return str(ask(server, "GET", f"/api/pairing/{pairing['pairing_id']}").body["token"])


def test_a_device_paired_on_one_process_is_good_at_once_on_the_other(cluster: Cluster) -> None:
    there = cluster.owner_of("a")  # a request at a site another process owns is passed on
    here = cluster.others(there)[0]
    display = RecordingClient(there.url, paired(here, "display"))
    try:
        display.connect()
        display.wait_for_snapshots()
    finally:
        display.close()
    kiosk = paired(here, "kiosk")
    issued = there.request("POST", "/api/sites/a/tickets", kiosk, {"services": ["job"]},
                           key=uuid.uuid4().hex)
    assert issued.status == 201, issued.body


def test_an_account_made_on_one_process_logs_in_at_once_on_the_other(cluster: Cluster) -> None:
    """Its administrator makes it on one process; its user's first login lands on another,
    which has not read the accounts again since."""
    here, there = cluster.processes
    for _ in range(3):
        username = f"new-{uuid.uuid4().hex[:8]}"
        made = here.request("POST", "/api/accounts", ADMIN, {
            "username": username, "role": "staff", "password": PASSWORD, "site": "a",
            "organisations": ["hellowork"]})
        assert made.status == 201, made.body
        person = Person(there)
        answer = person.login(username)
        assert answer.status == 200, answer.body
