"""The docs name every audit action the server writes (the login, account, pairing and device
endpoints' table is generated from the routes themselves: tests/docs/test_generated.py)."""

from __future__ import annotations

from pathlib import Path

ACCOUNTS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "operating" / "accounts.md"


def test_the_docs_name_every_audit_action_the_server_writes() -> None:
    page = ACCOUNTS_PAGE.read_text(encoding="utf-8")
    text = page[page.index("## The audit log") :]
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
