"""Creating accounts: the rules every account follows (the command line and the admin page
use the same ones), and the organisations field that reports will read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import assert_error
from tests.auth.people import PASSWORD
from tests.harness import ADMIN, ServerProcess


def create(server: ServerProcess, **fields: Any) -> Any:
    return server.request("POST", "/api/accounts", ADMIN, {"password": PASSWORD, **fields})


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"username": "x", "role": "admin"}, 422, "invalid_field", "username"),
        ({"username": "has space", "role": "admin"}, 422, "invalid_field", "username"),
        ({"username": "root9", "role": "admin", "site": "a"}, 422, "invalid_field", "site"),
        ({"username": "staff9", "role": "staff"}, 422, "invalid_field", "site"),
        (
            {"username": "staff9", "role": "staff", "site": "zz", "organisations": ["city"]},
            404,
            "unknown_site",
            None,
        ),
        (
            {"username": "staff9", "role": "staff", "site": "a"},
            422,
            "invalid_field",
            "organisations",
        ),
        (
            {"username": "staff9", "role": "staff", "site": "a", "organisations": ["ward"]},
            422,
            "invalid_field",
            "body.organisations[0]",
        ),
        ({"username": "staff9", "role": "clerk", "site": "a"}, 422, "invalid_field", "body.role"),
        (
            {
                "username": "staff9",
                "role": "staff",
                "site": "a",
                "organisations": ["city"],
                "password": "short",
            },
            422,
            "weak_password",
            "password",
        ),
        (
            {"username": "STAFF-A", "role": "staff", "site": "a", "organisations": ["city"]},
            409,
            "account_exists",
            None,
        ),
    ],
)
def test_an_account_that_breaks_a_rule_is_refused(
    auth_server: ServerProcess, fields: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    assert_error(create(auth_server, **fields), status, code, field)


def test_an_admin_belongs_to_both_organisations_and_others_to_theirs(
    auth_server: ServerProcess,
) -> None:
    root = create(auth_server, username="Root.Two", role="admin")
    assert root.status == 201, root.body
    assert root.body["account"] | {"created_at": None} == {
        "username": "root.two",
        "name": "root.two",
        "role": "admin",
        "site": None,
        "organisations": ["hellowork", "city"],
        "created_at": None,
        "disabled": False,
        "locked_seconds": 0,
    }
    both = create(
        auth_server,
        username="both",
        role="manager",
        site="b",
        organisations=["city", "hellowork"],
    )
    assert both.body["account"]["organisations"] == ["city", "hellowork"]
    listed = auth_server.request("GET", "/api/accounts", ADMIN).body["accounts"]
    assert {a["username"]: a["organisations"] for a in listed}["staff-a"] == ["hellowork"]
    assert "password_hash" not in repr(listed)


def test_changing_an_unknown_account_is_refused(auth_server: ServerProcess) -> None:
    for action, body in (("disable", {}), ("enable", {}), ("password", {"password": PASSWORD})):
        reply = auth_server.request("POST", f"/api/accounts/nobody/{action}", ADMIN, body)
        assert_error(reply, 404, "unknown_account")
