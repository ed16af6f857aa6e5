"""Logging in with a password: the cookie, the CSRF token, expiry, logout, disabling an
account and changing a password — each ending the logins it should, at once."""

from __future__ import annotations

import sqlite3

from tests.api.support import assert_error
from tests.auth.conftest import LogIn
from tests.auth.people import PASSWORD, Person
from tests.harness import ADMIN, ServerProcess


def login_cookie(person: Person) -> str:
    response = person.http.post(
        person.server.url + "/api/session",
        json={"username": "staff-a", "password": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200
    return response.headers["Set-Cookie"]


def test_login_answers_the_person_and_a_csrf_token_and_sets_a_strict_httponly_cookie(
    people: LogIn,
) -> None:
    person = people()
    cookie = login_cookie(person)
    assert cookie.startswith("madoguchi_session=")
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert any(f.startswith("expires=") for f in flags)
    assert "secure" not in flags  # the test server is plain http; see test_throttle
    reply = person.login("staff-a")
    assert reply.body["user"] == {
        "username": "staff-a",
        "name": "staff-a さん",
        "role": "staff",
        "site": "a",
        "organisations": ["hellowork"],
    }
    assert len(reply.body["csrf_token"]) >= 32
    again = person.request("GET", "/api/session")
    assert again.status == 200 and again.body["csrf_token"] == person.csrf
    assert again.body["user"]["username"] == "staff-a"


def test_passwords_are_stored_as_salted_scrypt_hashes(auth_server: ServerProcess) -> None:
    with sqlite3.connect(auth_server.db) as db:
        rows = dict(db.execute("SELECT username, password_hash FROM accounts"))
    db.close()
    assert {"staff-a", "staff-b", "manager-a"} <= set(rows)
    for stored in rows.values():
        method, salt, key = stored.split("$")  # Werkzeug's form: scrypt:n:r:p$salt$key
        scheme, n, r, p = method.split(":")
        cost = int(auth_server.env["MADOGUCHI_PASSWORD_COST"])  # 15 unless set: test_passwords
        assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**cost, 8, 1)
        assert len(salt) >= 16 and len(key) >= 64
        assert PASSWORD not in stored
    assert rows["staff-a"] != rows["staff-b"]  # same password, different salt


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(people: LogIn) -> None:
    person = people()
    wrong = person.login("staff-a", "not the password")
    unknown = person.login("nobody-here", PASSWORD)
    assert_error(wrong, 401, "invalid_credentials")
    assert wrong.body == unknown.body
    assert person.http.cookies.get("madoguchi_session") is None
    assert_error(person.request("GET", "/api/session"), 401, "unauthorized")


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
    auth_server: ServerProcess, people: LogIn
) -> None:
    staff = people("staff-a")
    other = people("staff-a")
    before = auth_server.request("GET", "/api/sites/a/queues", ADMIN).body
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": other.csrf or ""}):
        reply = staff.http.post(
            f"{auth_server.url}/api/sites/a/tickets",
            json={"services": ["job"]},
            headers=headers,
            timeout=30,
        )
        assert reply.status_code == 403 and reply.json()["error"] == "csrf_failed"
    assert_error(staff.request("DELETE", "/api/session", csrf=False), 403, "csrf_failed")
    assert auth_server.request("GET", "/api/sites/a/queues", ADMIN).body == before
    assert staff.request("GET", "/api/sites/a/queues").status == 200  # reads need no token
    assert staff.request("POST", "/api/sites/a/tickets", {"services": ["job"]}).status == 201


def test_logging_out_ends_the_login_even_for_a_copied_cookie(
    auth_server: ServerProcess, people: LogIn
) -> None:
    staff = people("staff-a")
    copy = people()
    copy.http.cookies.update(staff.http.cookies)
    copy.csrf = staff.csrf
    assert copy.request("GET", "/api/sites/a/queues").status == 200
    assert staff.request("DELETE", "/api/session").body == {"logged_out": True}
    assert staff.http.cookies.get("madoguchi_session") is None
    assert_error(copy.request("GET", "/api/sites/a/queues"), 401, "session_expired")
    assert_error(
        copy.request("POST", "/api/sites/a/tickets", {"services": ["job"]}), 401, "session_expired"
    )


def test_a_login_expires_after_session_hours(auth_server: ServerProcess, people: LogIn) -> None:
    staff = people("staff-a")
    assert staff.request("GET", "/api/sites/a/queues").status == 200
    moved = auth_server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 2 * 3600 + 1})
    assert moved.status == 200
    assert_error(staff.request("GET", "/api/sites/a/queues"), 401, "session_expired")
    assert_error(
        staff.request("POST", "/api/sites/a/tickets", {"services": ["job"]}), 401, "session_expired"
    )
    assert staff.login("staff-a").status == 200  # a new login starts a new period
    assert staff.request("GET", "/api/sites/a/queues").status == 200


def test_disabling_an_account_ends_its_logins_at_once(
    auth_server: ServerProcess, people: LogIn
) -> None:
    manager = people("manager-a")
    assert auth_server.request("POST", "/api/accounts/manager-a/disable", ADMIN).status == 200
    try:
        assert_error(manager.request("GET", "/api/sites/a/queues"), 401, "session_expired")
        assert_error(people().login("manager-a"), 401, "invalid_credentials")
    finally:
        assert auth_server.request("POST", "/api/accounts/manager-a/enable", ADMIN).status == 200
    assert people("manager-a").request("GET", "/api/sites/a/queues").status == 200


def test_a_new_password_ends_the_other_logins(auth_server: ServerProcess, people: LogIn) -> None:
    here, elsewhere = people("staff-b"), people("staff-b")
    wrong = here.request("POST", "/api/session/password", {"current": "guess", "new": "x" * 12})
    assert_error(wrong, 401, "invalid_credentials")
    weak = here.request("POST", "/api/session/password", {"current": PASSWORD, "new": "short"})
    assert_error(weak, 422, "weak_password")
    changed = here.request(
        "POST", "/api/session/password", {"current": PASSWORD, "new": "a much longer one"}
    )
    assert changed.status == 200, changed.body
    assert here.request("GET", "/api/sites/b/queues").status == 200
    assert_error(elsewhere.request("GET", "/api/sites/b/queues"), 401, "session_expired")
    assert_error(people().login("staff-b"), 401, "invalid_credentials")
    # An administrator sets it back; that ends every login of the account, this one too.
    reset = auth_server.request(
        "POST", "/api/accounts/staff-b/password", ADMIN, {"password": PASSWORD}
    )
    assert reset.status == 200
    assert_error(here.request("GET", "/api/sites/b/queues"), 401, "session_expired")
    assert people("staff-b").request("GET", "/api/sites/b/queues").status == 200


def test_a_device_token_is_not_a_login(auth_server: ServerProcess) -> None:
    reply = auth_server.request("GET", "/api/session", "token-a-staff1")
    assert_error(reply, 401, "unauthorized")
    reply = auth_server.request(
        "POST", "/api/session/password", "token-a-staff1", {"current": "a", "new": "b" * 10}
    )
    assert_error(reply, 403, "forbidden_role")
