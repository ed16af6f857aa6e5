"""Who may do what, over HTTP: every device token and every role logged in with a password,
anonymous callers, another site's people, revoked tokens and ended logins."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from tests.api.support import assert_error
from tests.auth.conftest import LogIn
from tests.auth.people import Person
from tests.harness import ADMIN, Reply, ServerProcess, token

STAFF_ROLES = {"staff", "manager", "admin"}
EVERYONE = {"kiosk", "display", *STAFF_ROLES}
READERS = {"manager", "admin"}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    allowed: frozenset[str]
    body: Any = None
    sited: bool = True  # aimed at site "a"


def call(method: str, path: str, allowed: set[str], body: Any = None, sited: bool = True) -> Call:
    return Call(method, path, frozenset(allowed), body, sited)


# One call of each kind, all aimed at site "a" ({ticket}: a ticket of site "a", see `calls`;
# the server is shared by the package's tests, so ticket 1 may be another site's). An allowed
# caller may still get a 404, 409 or 422 (no such pairing code, nobody waiting): what matters
# is that it gets past the door.
CALLS = [
    call("GET", "/api/me", EVERYONE, sited=False),
    call("GET", "/api/sites/a", EVERYONE),
    call("GET", "/api/sites/a/snapshot", EVERYONE),
    call("GET", "/api/sites/a/queues", STAFF_ROLES),
    call("GET", "/api/sites/a/events", STAFF_ROLES),
    call("GET", "/api/tickets/{ticket}", STAFF_ROLES),
    call("POST", "/api/sites/a/tickets", {"kiosk", *STAFF_ROLES}, {"services": ["search"]}),
    call("POST", "/api/sites/a/alerts", {"kiosk", *STAFF_ROLES}, {"kind": "need_help"}),
    call("POST", "/api/sites/a/counters/a-c4/call-next", STAFF_ROLES, {}),
    call("POST", "/api/sites/a/counters/a-c4/pause", STAFF_ROLES, {}),
    call("POST", "/api/tickets/{ticket}/cancel", STAFF_ROLES, {}),
    call("POST", "/api/sites/a/close-day", READERS, {}),
    call("POST", "/api/clock", {"admin"}, {"advance_seconds": 0}),
    call("GET", "/api/devices?site=a", READERS),
    call("GET", "/api/accounts?site=a", READERS),
    call("GET", "/api/audit?site=a", READERS),
    call("POST", "/api/accounts", {"admin"}, {"username": "x", "role": "nobody", "password": "p"}),
    call("POST", "/api/accounts/nobody/disable", {"admin"}, {}),
    call(
        "POST",
        "/api/pairing/approve",
        {"admin"},
        {"code": "ZZZZZZ", "role": "display", "site": "a", "name": "表示盤"},
    ),
    call("POST", "/api/devices/nothing-here/revoke", {"admin"}, {}),
]


@dataclass
class Caller:
    """A credential: a device token, or a person logged in; with its role and home site."""

    label: str
    role: str
    site: str | None
    token: str | None = None
    person: Person | None = None

    def send(self, server: ServerProcess, c: Call) -> Reply:
        if self.person is not None:
            return self.person.request(c.method, c.path, c.body)
        return server.request(c.method, c.path, self.token, c.body)


def token_callers() -> list[Caller]:
    return [
        Caller("kiosk token", "kiosk", "a", token("a", "kiosk")),
        Caller("display token", "display", "a", token("a", "display")),
        Caller("counter display token", "display", "a", token("a", "display-c1")),
        Caller("staff token", "staff", "a", token("a", "staff1")),
        Caller("manager token", "manager", "a", token("a", "manager")),
        Caller("admin token", "admin", None, ADMIN),
        Caller("site b kiosk token", "kiosk", "b", token("b", "kiosk")),
        Caller("site b staff token", "staff", "b", token("b", "staff1")),
        Caller("site b manager token", "manager", "b", token("b", "manager")),
    ]


def session_callers(people: LogIn) -> list[Caller]:
    return [
        Caller(f"{name} login", role, site, person=people(name))
        for name, role, site in (
            ("staff-a", "staff", "a"),
            ("manager-a", "manager", "a"),
            ("admin2", "admin", None),
            ("staff-b", "staff", "b"),
            ("manager-b", "manager", "b"),
        )
    ]


def expect(reply: Reply, caller: Caller, c: Call) -> None:
    where = (caller.label, c.method, c.path, reply.body)
    if caller.role not in c.allowed:
        assert (reply.status, reply.body["error"]) == (403, "forbidden_role"), where
    elif c.sited and caller.site is not None and caller.site != "a":
        assert (reply.status, reply.body["error"]) == (403, "forbidden_site"), where
    else:
        assert reply.status < 500 and reply.status not in (401, 403), where


@pytest.fixture
def calls(auth_server: ServerProcess) -> list[Call]:
    """CALLS, aimed at a ticket of site "a" issued for the test."""
    issued = auth_server.request(
        "POST", "/api/sites/a/tickets", token("a", "kiosk"), {"services": ["search"]}
    )
    assert issued.status == 201, issued.body
    return [replace(c, path=c.path.format(ticket=issued.body["id"])) for c in CALLS]


def test_every_device_token_is_held_to_its_role_and_site(
    auth_server: ServerProcess, calls: list[Call]
) -> None:
    for caller in token_callers():
        for c in calls:
            expect(caller.send(auth_server, c), caller, c)


def test_every_role_logged_in_with_a_password_is_held_to_its_role_and_site(
    auth_server: ServerProcess, people: LogIn, calls: list[Call]
) -> None:
    for caller in session_callers(people):
        for c in calls:
            expect(caller.send(auth_server, c), caller, c)


def state(server: ServerProcess) -> list[Any]:
    """What a refused request must leave as it was: queues, counters, devices, accounts."""
    return [
        server.request("GET", path, ADMIN).body
        for path in (
            "/api/sites/a/queues",
            "/api/sites/a/counters",
            "/api/devices",
            "/api/accounts",
        )
    ]


def test_nobody_anonymous_can_call_anything_but_login_and_pairing(
    auth_server: ServerProcess, people: LogIn, calls: list[Call]
) -> None:
    before = state(auth_server)
    nobody = people()
    for c in calls:
        assert_error(auth_server.request(c.method, c.path, None, c.body), 401, "unauthorized")
        assert_error(nobody.request(c.method, c.path, c.body), 401, "unauthorized")
    for path in ("/api/session", "/api/session/password"):
        assert (
            nobody.request(
                "GET" if path == "/api/session" else "POST", path, {"current": "a", "new": "b"}
            ).status
            == 401
        )
    assert state(auth_server) == before


def test_a_display_token_cannot_change_anything(
    auth_server: ServerProcess, calls: list[Call]
) -> None:
    issued = auth_server.request(
        "POST", "/api/sites/a/tickets", token("a", "kiosk"), {"services": ["job"]}
    )
    assert issued.status == 201
    before = state(auth_server)
    ticket_id = issued.body["id"]
    for display in ("display", "display-c1", "display-welfare"):
        for c in [
            *calls,
            call("POST", f"/api/tickets/{ticket_id}/recall", STAFF_ROLES, {}),
            call("POST", "/api/sites/a/counters/a-c1/call", STAFF_ROLES, {"ticket": ticket_id}),
        ]:
            if c.method != "GET":
                reply = auth_server.request(c.method, c.path, token("a", display), c.body)
                assert_error(reply, 403, "forbidden_role")
    assert state(auth_server) == before


def test_a_person_acts_under_their_own_name(auth_server: ServerProcess, people: LogIn) -> None:
    staff = people("staff-a")
    issued = staff.request("POST", "/api/sites/a/tickets", {"services": ["career"]})
    assert issued.status == 201 and issued.body["ticket"]["status"] == "waiting"
    called = staff.request("POST", "/api/sites/a/counters/a-c2/call-next", {})
    assert called.status == 200, called.body
    assert called.body["ticket"]["staff"] == "staff-a"
    me = staff.request("GET", "/api/me").body
    assert (me["id"], me["role"], me["site"]) == ("staff-a", "staff", "a")
    finished = staff.request(
        "POST", f"/api/tickets/{called.body['ticket']['id']}/finish", {"outcome": "consult_only"}
    )
    assert finished.status == 200, finished.body


def test_a_person_sees_only_their_own_site(auth_server: ServerProcess, people: LogIn) -> None:
    staff_b = people("staff-b")
    assert [s["id"] for s in staff_b.request("GET", "/api/sites").body["sites"]] == ["b"]
    issued = auth_server.request(
        "POST", "/api/sites/a/tickets", token("a", "kiosk"), {"services": ["job"]}
    )
    assert_error(staff_b.request("GET", f"/api/tickets/{issued.body['id']}"), 403, "forbidden_site")
    manager_b = people("manager-b")
    devices = manager_b.request("GET", "/api/devices").body["devices"]
    assert devices and {d["site"] for d in devices} == {"b"}
    accounts = manager_b.request("GET", "/api/accounts").body["accounts"]
    assert {"staff-b", "manager-b"} <= {a["username"] for a in accounts}
    assert {a["site"] for a in accounts} == {"b"}
    admin = people("admin2")
    assert {s["id"] for s in admin.request("GET", "/api/sites").body["sites"]} == {"a", "b"}


@pytest.mark.parametrize("header", ["Bearer token-a-kiosk-revoked", "Bearer ", "Basic eA=="])
def test_a_bad_bearer_header_is_not_rescued_by_a_login_cookie(
    auth_server: ServerProcess, people: LogIn, header: str
) -> None:
    staff = people("staff-a")
    reply = staff.request("GET", "/api/sites/a/queues", headers={"Authorization": header})
    assert_error(reply, 401, "unauthorized")
