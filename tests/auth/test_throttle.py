"""Repeated failed logins are slowed down: per user name, then per client address; the lock
lifts after Retry-After seconds and doubles if the failures go on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

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


# ---- a stranger cannot keep someone out -----------------------------------------------------


class FromAddress(HTTPAdapter):
    """Connections from one loopback address of our choosing: another machine on the LAN."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def attempt_from(
    address: str, server: ServerProcess, username: str, password: str
) -> tuple[Reply, dict[str, str]]:
    with requests.Session() as http:
        http.mount("http://", FromAddress(address))
        response = http.post(
            f"{server.url}/api/session",
            json={"username": username, "password": password},
            timeout=30,
        )
        return Reply(response.status_code, response.json()), dict(response.headers)


def make_lead(server: ServerProcess) -> None:
    made = server.request(
        "POST",
        "/api/accounts",
        ADMIN,
        {
            "username": "kita.lead",
            "role": "manager",
            "site": "a",
            "organisations": ["city"],
            "password": PASSWORD,
        },
    )
    assert made.status == 201, made.body


def test_failures_from_one_address_do_not_lock_the_account_out_elsewhere(
    own_server: Callable[..., ServerProcess],
) -> None:
    """Five wrong passwords from one address, then the right one from another address, got
    429 for up to an hour: anyone on the LAN could keep staff or the administrator out."""
    server = own_server(MADOGUCHI_LOGIN_ATTEMPTS="3", MADOGUCHI_LOGIN_LOCK_SECONDS="600")
    make_lead(server)
    for _ in range(3):
        reply, _ = attempt_from("127.0.0.2", server, "kita.lead", "guess")
        assert_error(reply, 401, "invalid_credentials")
    refused, headers = attempt_from("127.0.0.2", server, "kita.lead", PASSWORD)
    assert_error(refused, 429, "too_many_attempts")
    assert refused.body["lock"] == "account_address" and headers["Retry-After"] == "600"
    assert "this address" in refused.body["message"]
    # The person at their own counter logs in all the same.
    reply, _ = attempt_from("127.0.0.3", server, "kita.lead", PASSWORD)
    assert reply.status == 200, reply.body
    # The stranger's address may still try other names, until it fails four times as often.
    for n in range(12 - 3):
        assert attempt_from("127.0.0.2", server, f"guess{n}", "x")[0].status == 401
    refused, _ = attempt_from("127.0.0.2", server, "someone", "x")
    assert_error(refused, 429, "too_many_attempts")
    assert refused.body["lock"] == "address"


def at_once(count: int, server: ServerProcess, address: str, password: str) -> list[Reply]:
    """`count` logins of kita.lead from `address`, sent together."""
    start = threading.Barrier(count)
    replies: list[Reply] = []

    def one() -> None:
        start.wait()
        replies.append(attempt_from(address, server, "kita.lead", password)[0])

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def test_logins_sent_at_once_are_checked_one_after_the_other(
    own_server: Callable[..., ServerProcess],
) -> None:
    """One person pressing ログイン on two consoles at once got in on one and was refused
    (429, "wait a second") on the other while the first password was being checked. Both
    get in now; guesses sent at once are still checked one at a time, each failure counted
    before the next is tried, so no more than the limit are tried before the lock."""
    server = own_server(MADOGUCHI_LOGIN_ATTEMPTS="3", MADOGUCHI_LOGIN_LOCK_SECONDS="600")
    make_lead(server)
    assert [reply.status for reply in at_once(2, server, "127.0.0.4", PASSWORD)] == [200, 200]

    statuses = [reply.status for reply in at_once(8, server, "127.0.0.2", "guess")]
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses.count(401) <= 3, statuses
    refused, _ = attempt_from("127.0.0.2", server, "kita.lead", PASSWORD)
    assert_error(refused, 429, "too_many_attempts")
    assert refused.body["lock"] == "account_address"


def test_the_account_itself_locks_only_after_many_failures_and_an_admin_lifts_it(
    own_server: Callable[..., ServerProcess],
) -> None:
    # One failure per name and address: the account itself locks after 20.
    server = own_server(MADOGUCHI_LOGIN_ATTEMPTS="1", MADOGUCHI_LOGIN_LOCK_SECONDS="600")
    make_lead(server)
    # Guessing spread over many addresses, each below its own limit: 20 times the limit.
    for n in range(20):
        reply, _ = attempt_from(f"127.0.1.{n + 1}", server, "kita.lead", "guess")
        assert reply.status == 401, (n, reply.body)
    refused, headers = attempt_from("127.0.2.1", server, "kita.lead", PASSWORD)
    assert_error(refused, 429, "too_many_attempts")
    assert refused.body["lock"] == "account" and "administrator" in refused.body["message"]
    listed = server.request("GET", "/api/accounts", ADMIN).body["accounts"]
    assert next(a for a in listed if a["username"] == "kita.lead")["locked_seconds"] == 600

    lifted = server.request("POST", "/api/accounts/kita.lead/unlock", ADMIN, {})
    assert lifted.status == 200, lifted.body
    assert lifted.body["account"]["locked_seconds"] == 0
    reply, _ = attempt_from("127.0.2.1", server, "kita.lead", PASSWORD)
    assert reply.status == 200, reply.body

    # Locked again, lifted from the command line: the server hears of it within seconds.
    for n in range(20):
        attempt_from(f"127.0.3.{n + 1}", server, "kita.lead", "guess")
    assert attempt_from("127.0.2.1", server, "kita.lead", PASSWORD)[0].status == 429
    done = server.cli("user", "unlock", "kita.lead")
    assert done.returncode == 0, done.stderr
    assert "kita.lead" in done.stdout
    deadline = time.monotonic() + 10
    while attempt_from("127.0.2.2", server, "kita.lead", PASSWORD)[0].status != 200:
        assert time.monotonic() < deadline, "the server did not hear of the unlock"
        time.sleep(0.2)
    log = server.request("GET", "/api/audit?limit=1000", ADMIN).body["entries"]
    unlocks = [e for e in log if e["action"] == "account_unlocked"]
    assert [e["actor_kind"] for e in unlocks] == ["device", "cli"]
    assert all(e["target"] == "account:kita.lead" for e in unlocks)


def test_the_person_is_told_in_japanese_which_lock_and_the_admin_page_lifts_it(
    own_server: Callable[..., ServerProcess],
) -> None:
    from tests.auth.test_admin_page import Browser

    server = own_server(MADOGUCHI_LOGIN_ATTEMPTS="1", MADOGUCHI_LOGIN_LOCK_SECONDS="600")
    make_lead(server)
    page = Browser(server)
    page.http.mount("http://", FromAddress("127.0.0.4"))
    page.log_in("kita.lead", "guess")
    refused = page.log_in("kita.lead")
    assert refused.status_code == 429
    assert (
        "この端末から、このユーザー名でのログインの失敗が続きました。600秒たってから" in page.page
    )
    for n in range(20):  # guessing from many places locks the account itself
        attempt_from(f"127.0.4.{n + 1}", server, "kita.lead", "guess")
    elsewhere = Browser(server)
    elsewhere.log_in("kita.lead")
    assert "このアカウントには、いくつもの場所から誤ったパスワードが送られたため" in elsewhere.page
    assert "システム管理者にロックの解除を頼んでください" in elsewhere.page

    admin = Browser(server)
    server.request(
        "POST", "/api/accounts", ADMIN, {"username": "root2", "role": "admin", "password": PASSWORD}
    )
    assert admin.log_in("root2").status_code == 200
    assert "ロック中（あと" in admin.page
    lifted = admin.post("/accounts/kita.lead/unlock", {})
    assert (
        lifted.status_code == 200
        and "「kita.lead」のログインのロックを解除しました。" in admin.page
    )
    assert "ロック中（あと" not in admin.page
    assert elsewhere.log_in("kita.lead").status_code == 200
    assert page.log_in("kita.lead").status_code == 200  # its name at that address too
