"""Socket.IO connections: a device token or the login cookie, nothing else; each sees its own
site only, public screens only public events; an ended login is disconnected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.auth.conftest import LogIn
from tests.auth.sockets import Watcher
from tests.harness import ADMIN, ServerProcess, token

PRIVATE_KEYS = {"priority", "staff", "note", "reason", "service", "purposes", "data"}


@pytest.fixture
def watcher(auth_server: ServerProcess) -> Iterator[Any]:
    opened: list[Watcher] = []

    def open_watcher() -> Watcher:
        opened.append(Watcher(auth_server.url))
        return opened[-1]

    yield open_watcher
    for w in opened:
        w.close()


@pytest.mark.parametrize(
    ("auth", "cookie", "refusal"),
    [
        ({}, None, "unauthorized"),
        ({"token": None}, None, "unauthorized"),
        ({"site": "a"}, "madoguchi_session=forged.value.sig", "unauthorized"),
        ({"token": "token-a-nothing"}, None, "unknown_device"),
        ({"token": 12345}, None, "unknown_device"),
    ],
)
def test_an_anonymous_or_unknown_client_is_refused(
    watcher: Any, auth: dict[str, Any], cookie: str | None, refusal: str
) -> None:
    client = watcher()
    assert not client.connect(auth, cookie)
    assert client.refusals == [{"message": refusal}]
    assert client.messages == [] and not client.sio.connected


def test_a_logged_in_person_connects_with_the_cookie_and_sees_their_site_in_full(
    auth_server: ServerProcess, people: LogIn, watcher: Any
) -> None:
    staff = people("staff-a")
    console = watcher()
    assert console.connect({}, staff.cookie_header())
    console.wait_for(lambda c: len(c.snapshots()) == 1)
    assert console.snapshots()[0]["site"] == "a" and "printers" in console.snapshots()[0]
    issued = staff.request("POST", "/api/sites/a/tickets", {"services": ["job"], "priority": True})
    assert issued.status == 201
    console.wait_for(lambda c: any(e.get("ticket") == issued.body["id"] for e in c.events()))
    event = next(e for e in console.events() if e.get("ticket") == issued.body["id"])
    assert event["kind"] == "issued" and event["data"]["priority"] is True


def test_nobody_but_an_admin_may_watch_another_site(people: LogIn, watcher: Any) -> None:
    staff_b = people("staff-b")
    assert not watcher().connect({"site": "a"}, staff_b.cookie_header())
    refused = watcher()
    assert not refused.connect({"token": token("b", "kiosk"), "site": "a"})
    assert refused.refusals == [{"message": "forbidden_site"}]
    own = watcher()
    assert own.connect({}, staff_b.cookie_header())
    own.wait_for(lambda c: len(c.snapshots()) == 1)
    assert own.snapshots()[0]["site"] == "b"
    admin = people("admin2")
    nowhere = watcher()
    assert not nowhere.connect({}, admin.cookie_header())
    assert nowhere.refusals == [{"message": "unknown_site"}]
    anywhere = watcher()
    assert anywhere.connect({"site": "a"}, admin.cookie_header())
    anywhere.wait_for(lambda c: len(c.snapshots()) == 1)


def test_a_display_socket_receives_only_public_events(
    auth_server: ServerProcess, people: LogIn, watcher: Any
) -> None:
    display = watcher()
    assert display.connect({"token": token("a", "display")})
    display.wait_for(lambda c: len(c.snapshots()) == 1)
    staff = people("staff-a")
    issued = staff.request("POST", "/api/sites/a/tickets", {"services": ["job"], "priority": True})
    called = staff.request(
        "POST", "/api/sites/a/counters/a-c1/call", {"label": issued.body["label"]}
    )
    assert called.status == 200, called.body
    display.wait_for(
        lambda c: any(
            e.get("label") == issued.body["label"] and e["kind"] == "called" for e in c.events()
        )
    )
    for name, payload in display.messages:
        text = repr(payload)
        assert not any(f"'{key}'" in text for key in PRIVATE_KEYS), (name, payload)
        assert "staff-a" not in text
    done = staff.request("POST", f"/api/tickets/{issued.body['id']}/cancel", {})
    assert done.status == 200


@pytest.mark.parametrize("ending", ["logout", "disable", "expiry"])
def test_a_socket_is_disconnected_when_its_login_ends(
    auth_server: ServerProcess, people: LogIn, watcher: Any, ending: str
) -> None:
    manager = people("manager-b")
    console = watcher()
    assert console.connect({}, manager.cookie_header())
    console.wait_for(lambda c: len(c.snapshots()) == 1)
    if ending == "logout":
        assert manager.request("DELETE", "/api/session").status == 200
    elif ending == "disable":
        assert auth_server.request("POST", "/api/accounts/manager-b/disable", ADMIN).status == 200
    else:
        assert (
            auth_server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 2 * 3600}).status
            == 200
        )
    try:
        console.wait_for(lambda c: c.disconnects == 1)  # expiry: noticed within seconds
        assert not console.sio.connected
        again = watcher()
        assert not again.connect({}, manager.cookie_header())
        assert again.refusals == [{"message": "unauthorized"}]
    finally:
        if ending == "disable":
            auth_server.request("POST", "/api/accounts/manager-b/enable", ADMIN)
