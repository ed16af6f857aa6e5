"""An administrator cannot lock themself out: their own account, or the last administrator
who can log in, is not disabled (409 with a code, nothing changed)."""

from __future__ import annotations

import uuid

from tests.auth.conftest import LogIn
from tests.auth.people import PASSWORD
from tests.harness import ADMIN, ServerProcess


def test_an_administrator_cannot_disable_their_own_account(people: LogIn) -> None:
    admin = people("admin2")
    reply = admin.request("POST", "/api/accounts/admin2/disable", {})
    assert (reply.status, reply.error) == (409, "own_account")
    assert admin.request("GET", "/api/session").status == 200  # still logged in


def test_the_last_administrator_is_not_disabled_but_one_of_two_may_be(
        auth_server: ServerProcess, people: LogIn) -> None:
    # admin2 is the only administrator account; the site file's admin token is no person.
    last = auth_server.request("POST", "/api/accounts/admin2/disable", ADMIN, {})
    assert (last.status, last.error, last.body["account"]) == (409, "last_admin", "admin2")
    other = f"admin-{uuid.uuid4().hex[:8]}"
    made = auth_server.request("POST", "/api/accounts", ADMIN, {
        "username": other, "role": "admin", "password": PASSWORD, "name": "臨時 管理者"})
    assert made.status == 201, made.body
    admin = people("admin2")
    assert admin.request("POST", f"/api/accounts/{other}/disable", {}).status == 200
    # With the other disabled, admin2 is the last again.
    again = auth_server.request("POST", "/api/accounts/admin2/disable", ADMIN, {})
    assert again.error == "last_admin"
