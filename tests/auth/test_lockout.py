"""An administrator cannot lock themself out: their own account, or the last administrator
who can log in, is not disabled (409 with a code, nothing changed).

On the app in the test process, with accounts of its own (the shared auth server's
administrators are other tests' too)."""

from __future__ import annotations

from typing import Any

from tests.appclient import InProcessApp
from tests.auth.people import PASSWORD
from tests.harness import ADMIN, Reply


def make_admin(app: InProcessApp, username: str) -> None:
    made = app.request(
        "POST",
        "/api/accounts",
        ADMIN,
        {"username": username, "role": "admin", "password": PASSWORD, "name": f"{username} さん"},
    )
    assert made.status == 201, made.body


def as_person(app: InProcessApp, username: str) -> Any:
    reply = app.request("POST", "/api/session", json={"username": username, "password": PASSWORD})
    assert reply.status == 200, reply.body
    csrf = reply.body["csrf_token"]

    def post(path: str) -> Reply:
        return app.request("POST", path, json={}, headers={"X-CSRF-Token": csrf})

    return post


def test_no_administrator_locks_themself_or_everyone_out(make_app: Any) -> None:
    app = make_app(("a",))
    make_admin(app, "boss")

    last = app.request("POST", "/api/accounts/boss/disable", ADMIN, {})
    assert (last.status, last.error, last.body["account"]) == (409, "last_admin", "boss")
    boss = as_person(app, "boss")
    own = boss("/api/accounts/boss/disable")
    assert (own.status, own.error) == (409, "own_account")

    make_admin(app, "second")
    assert boss("/api/accounts/second/disable").status == 200  # one of two may go
    assert app.request("POST", "/api/accounts/boss/disable", ADMIN, {}).error == "last_admin"
    accounts = app.request("GET", "/api/accounts", ADMIN).body["accounts"]
    assert {a["username"]: a["disabled"] for a in accounts} == {"boss": False, "second": True}
