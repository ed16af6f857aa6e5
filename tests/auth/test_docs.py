"""The README's table of login, account, pairing and device endpoints matches the routes."""

from __future__ import annotations

from server.auth.routes import ROUTES
from tests.test_readme import code_spans, section, table_rows


def test_the_readme_lists_exactly_the_auth_routes_with_who_may_call_them() -> None:
    documented = {
        (row[0], code_spans(row[1])[0], row[2], row[3])
        for row in table_rows(section("### Account, session, pairing and device endpoints"))
    }
    assert documented == set(ROUTES)
    assert len(ROUTES) >= 15


def test_the_readme_names_every_audit_action_the_server_writes() -> None:
    text = section("### The audit log")
    for action in (
        "login",
        "login_failed",
        "logout",
        "password_changed",
        "password_set",
        "account_created",
        "account_disabled",
        "account_enabled",
        "pairing_approved",
        "device_revoked",
        "close_day",
    ):
        assert f"`{action}`" in text, action
