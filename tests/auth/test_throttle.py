"""Repeated failed logins are slowed down: per user name, then per client address; the lock
lifts after Retry-After seconds and doubles if the failures go on."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from tests.api.support import assert_error
from tests.auth.people import PASSWORD
from tests.harness import ADMIN, Reply, ServerProcess

# Three failures lock a user name for one second (a real server: five, for a minute).
SHORT_LOCK = {
    "MADOGUCHI_LOGIN_ATTEMPTS": "3",
    "MADOGUCHI_LOGIN_LOCK_SECONDS": "1",
    "MADOGUCHI_SECURE_COOKIES": "true",
}


def attempt(server: ServerProcess, username: str, password: str) -> tuple[Reply, dict[str, str]]:
    with requests.Session() as http:
        response = http.post(
            f"{server.url}/api/session",
            json={"username": username, "password": password},
            timeout=30,
        )
        return Reply(response.status_code, response.json()), dict(response.headers)


def wait_out(headers: dict[str, str]) -> None:
    """Sleep for the lock the server announced (a wait, not a measurement)."""
    time.sleep(int(headers["Retry-After"]) + 0.2)


def test_failed_logins_lock_the_name_then_the_right_password_works_again(
    own_server: Callable[..., ServerProcess],
) -> None:
    server = own_server(**SHORT_LOCK)
    made = server.request(
        "POST",
        "/api/accounts",
        ADMIN,
        {
            "username": "counter1",
            "role": "staff",
            "site": "a",
            "organisations": ["city"],
            "password": PASSWORD,
        },
    )
    assert made.status == 201
    for _ in range(3):
        assert_error(attempt(server, "counter1", "wrong password")[0], 401, "invalid_credentials")
    refused, headers = attempt(server, "counter1", PASSWORD)  # right, but too soon
    assert_error(refused, 429, "too_many_attempts")
    assert headers["Retry-After"] == "1" and refused.body["retry_after"] == 1
    assert attempt(server, "someone-else", "wrong")[0].status == 401  # only this name waits
    wait_out(headers)
    for _ in range(3):
        assert attempt(server, "counter1", "wrong password")[0].status == 401
    refused, headers = attempt(server, "counter1", PASSWORD)
    assert_error(refused, 429, "too_many_attempts")
    assert headers["Retry-After"] == "2"  # the second lock in a row lasts twice as long
    wait_out(headers)
    accepted, headers = attempt(server, "counter1", PASSWORD)
    assert accepted.status == 200 and accepted.body["user"]["username"] == "counter1"
    assert "Secure" in headers["Set-Cookie"]  # secure_cookies: sent over https only

    # One address failing under many names is locked too (four times the per-name limit).
    for n in range(12 - 7):  # 7 failures from this address so far
        assert attempt(server, f"guess{n}", "wrong")[0].status == 401
    refused, headers = attempt(server, "counter1", PASSWORD)
    assert_error(refused, 429, "too_many_attempts")
    wait_out(headers)
    assert attempt(server, "counter1", PASSWORD)[0].status == 200
    log = server.request("GET", "/api/audit?limit=1000", ADMIN).body["entries"]
    failures = [e for e in log if e["action"] == "login_failed"]
    assert len(failures) == 12
    assert sum(1 for e in failures if e["detail"].get("locked_for_seconds")) == 3
    assert all("password" not in str(e["detail"]) for e in log)
