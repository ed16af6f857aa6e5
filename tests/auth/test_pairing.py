"""Pairing kiosks and displays: a short code that expires, entered once by an administrator;
a long-lived token collected once; revoking it cuts HTTP and open sockets at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.api.support import assert_error
from tests.auth.conftest import LogIn
from tests.auth.people import Person
from tests.auth.sockets import Watcher
from tests.harness import ADMIN, Reply, ServerProcess, token

CODE = re.compile(r"[ACDEFHJKMNPRTUVWXY3479]{6}")


def ask(server: ServerProcess, method: str, path: str) -> Reply:
    with requests.Session() as http:  # a new device: no cookie, no token
        response = http.request(method, server.url + path, timeout=30)
        return Reply(response.status_code, response.json())


def start(server: ServerProcess) -> dict[str, Any]:
    reply = ask(server, "POST", "/api/pairing")
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def approve(admin: Person, code: str, **where: str) -> Reply:
    body = {"code": code, "role": "display", "site": "a", "name": "待合室の表示盤", **where}
    return admin.request("POST", "/api/pairing/approve", body)


def pair(server: ServerProcess, admin: Person, **where: str) -> tuple[str, dict[str, Any]]:
    """A display paired end to end: its token and its device."""
    pairing = start(server)
    assert approve(admin, pairing["code"], **where).status == 201
    collected = ask(server, "GET", f"/api/pairing/{pairing['pairing_id']}")
    return collected.body["token"], collected.body["device"]


@pytest.fixture
def admin(people: LogIn) -> Person:
    return people("admin2")


@pytest.fixture
def display_socket(auth_server: ServerProcess) -> Iterator[Watcher]:
    client = Watcher(auth_server.url)
    yield client
    client.close()


def test_a_display_is_paired_by_its_code_and_collects_its_token_once(
    auth_server: ServerProcess, admin: Person
) -> None:
    pairing = start(auth_server)
    assert CODE.fullmatch(pairing["code"]) and pairing["expires_in"] == 600
    assert len(pairing["pairing_id"]) >= 32
    poll = f"/api/pairing/{pairing['pairing_id']}"
    assert ask(auth_server, "GET", poll).body == {
        "status": "pending",
        "code": pairing["code"],
        "expires_in": 600,
    }
    typed = " ".join(pairing["code"].lower())  # as an administrator might type it
    approved = approve(admin, typed, counter="a-c2", name="2番窓口の上")
    assert approved.status == 201, approved.body
    device = approved.body["device"]
    assert (device["role"], device["site"], device["counter"], device["area"]) == (
        "display",
        "a",
        "a-c2",
        "main",
    )
    assert "token" not in approved.body  # the administrator never sees it
    collected = ask(auth_server, "GET", poll)
    assert collected.body["status"] == "paired" and collected.body["device"] == device
    device_token = collected.body["token"]
    assert len(device_token) >= 32
    assert_error(ask(auth_server, "GET", poll), 404, "unknown_pairing")  # consumed
    assert_error(approve(admin, pairing["code"]), 404, "unknown_pairing")  # used once
    me = auth_server.request("GET", "/api/me", device_token).body
    assert (me["id"], me["role"], me["counter"]) == (device["id"], "display", "a-c2")
    snapshot = auth_server.request("GET", "/api/sites/a/snapshot", device_token).body
    assert [c["counter"] for c in snapshot["counters"]] == ["a-c2"]
    assert_error(
        auth_server.request("POST", "/api/sites/a/counters/a-c2/call-next", device_token, {}),
        403,
        "forbidden_role",
    )
    listed = auth_server.request("GET", "/api/devices?site=a", ADMIN).body["devices"]
    assert next(d for d in listed if d["id"] == device["id"])["source"] == "paired"


def test_a_kiosk_is_paired_to_a_site_and_may_issue_there_only(
    auth_server: ServerProcess, admin: Person
) -> None:
    pairing = start(auth_server)
    assert approve(admin, pairing["code"], role="kiosk", site="b", name="入口").status == 201
    kiosk = ask(auth_server, "GET", f"/api/pairing/{pairing['pairing_id']}").body["token"]
    issued = auth_server.request("POST", "/api/sites/b/tickets", kiosk, {"services": ["job"]})
    assert issued.status == 201 and issued.body["print"]["state"] == "no_printer"
    assert_error(
        auth_server.request("POST", "/api/sites/a/tickets", kiosk, {"services": ["job"]}),
        403,
        "forbidden_site",
    )


def test_a_code_expires(auth_server: ServerProcess, admin: Person) -> None:
    pairing = start(auth_server)
    moved = auth_server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 601})
    assert moved.status == 200
    assert_error(
        ask(auth_server, "GET", f"/api/pairing/{pairing['pairing_id']}"), 410, "pairing_expired"
    )
    assert_error(approve(admin, pairing["code"]), 410, "pairing_expired")
    assert_error(ask(auth_server, "GET", "/api/pairing/no-such-pairing"), 404, "unknown_pairing")


@pytest.mark.parametrize(
    ("where", "status", "code"),
    [
        ({"role": "kiosk", "area": "main"}, 422, "invalid_field"),
        ({"site": "nowhere"}, 404, "unknown_site"),
        ({"counter": "b-c1"}, 404, "unknown_counter"),
        ({"counter": "a-c3", "area": "main"}, 422, "invalid_field"),  # a-c3 is in "welfare"
        ({"area": "lobby"}, 422, "invalid_field"),
        ({"role": "staff"}, 422, "invalid_field"),
    ],
)
def test_a_refused_approval_leaves_the_code_usable(
    auth_server: ServerProcess, admin: Person, where: dict[str, str], status: int, code: str
) -> None:
    pairing = start(auth_server)
    assert_error(approve(admin, pairing["code"], **where), status, code)
    assert (
        ask(auth_server, "GET", f"/api/pairing/{pairing['pairing_id']}").body["status"] == "pending"
    )
    assert approve(admin, pairing["code"], area="welfare").status == 201


def test_revoking_a_token_stops_it_at_once_and_disconnects_its_socket(
    auth_server: ServerProcess, admin: Person, display_socket: Watcher
) -> None:
    device_token, device = pair(auth_server, admin)
    assert display_socket.connect({"token": device_token})
    display_socket.wait_for(lambda c: len(c.snapshots()) == 1)
    listed = admin.request("GET", "/api/devices?site=a").body["devices"]
    assert next(d for d in listed if d["id"] == device["id"])["connected"] == 1
    revoked = admin.request("POST", f"/api/devices/{device['id']}/revoke", {})
    assert revoked.status == 200, revoked.body
    display_socket.wait_for(lambda c: c.disconnects == 1)
    assert_error(
        auth_server.request("GET", "/api/sites/a/snapshot", device_token), 401, "unauthorized"
    )
    again = Watcher(auth_server.url)
    try:
        assert not again.connect({"token": device_token})
        assert again.refusals == [{"message": "unknown_device"}]
    finally:
        again.close()
    assert_error(
        admin.request("POST", f"/api/devices/{device['id']}/revoke", {}), 409, "device_revoked"
    )
    assert_error(
        admin.request("POST", "/api/devices/no-such-device/revoke", {}), 404, "unknown_device"
    )
    listed = admin.request("GET", "/api/devices?site=a").body["devices"]
    assert next(d for d in listed if d["id"] == device["id"])["revoked_at"]


def test_a_site_file_device_can_be_revoked_too(auth_server: ServerProcess, admin: Person) -> None:
    welfare = token("b", "display-welfare")
    assert auth_server.request("GET", "/api/sites/b/snapshot", welfare).status == 200
    assert admin.request("POST", "/api/devices/b-display-welfare/revoke", {}).status == 200
    assert_error(auth_server.request("GET", "/api/sites/b/snapshot", welfare), 401, "unauthorized")


def test_one_address_may_not_flood_the_pairing_codes(auth_server: ServerProcess) -> None:
    auth_server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 601})  # old ones end
    for _ in range(10):
        start(auth_server)
    flood = ask(auth_server, "POST", "/api/pairing")
    assert_error(flood, 429, "too_many_attempts")
    auth_server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 601})
    start(auth_server)
