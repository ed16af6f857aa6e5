"""Passwords as NIST SP 800-63B asks: no common, breached or guessable ones, none built from
the user name; the person is told in Japanese first what to choose instead. Only a length
of 8 was checked: 12345678, password and the user name itself were accepted."""

from __future__ import annotations

import secrets
import sys

import pytest

from server.auth.strength import WeakPassword, check_strength
from tests.auth.test_admin_page import Browser
from tests.harness import ADMIN, ServerProcess

REFUSED = [
    ("12345678", "guessable"),
    ("password", "guessable"),
    ("Password1", "guessable"),
    ("P@ssw0rd!", "guessable"),
    ("qwertyuiop", "guessable"),
    ("aaaaaaaaaaaa", "guessable"),
    ("iloveyou1", "guessable"),
    ("abcd1234", "guessable"),
    ("hokkaido", "guessable"),
    ("madoguchi2026", "guessable"),
    ("sapporo2026", "guessable"),
    ("tanaka1234", "guessable"),
    ("kita.lead", "contains_username"),
    ("Kita-Lead-2026!", "contains_username"),
    ("dael.atik.xyz", "contains_username"),
    ("short", "too_short"),
    ("          ", "blank"),
    ("x" * 1025, "too_long"),
]
ACCEPTED = [
    "correct horse battery",
    "long enough pass",
    "ringo mikan budou",
    "雪まつり と 時計台 の 朝",
]


@pytest.mark.parametrize(("password", "reason"), REFUSED)
def test_weak_passwords_are_refused_with_a_reason(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        check_strength(password, username="kita.lead", name="北 リード")
    assert refused.value.reason == reason
    assert str(refused.value).startswith(refused.value.japanese)  # Japanese first


@pytest.mark.parametrize("password", ACCEPTED)
def test_strong_passwords_are_accepted(password: str) -> None:
    check_strength(password, username="kita.lead", name="北 リード")


def test_a_random_password_like_the_demos_is_accepted() -> None:
    for _ in range(20):
        check_strength(secrets.token_urlsafe(9), username="demo")


def test_the_site_names_count_as_the_services_words() -> None:
    check_strength("teinekuyakusho", username="kita.lead")
    with pytest.raises(WeakPassword):
        check_strength("teinekuyakusho", username="kita.lead", context=["teinekuyakusho"])


def test_the_api_the_admin_page_and_the_command_line_refuse_a_weak_password(
    auth_server: ServerProcess,
) -> None:
    for password, reason in (("12345678", "guessable"), ("weakling2026", "contains_username")):
        reply = auth_server.request(
            "POST",
            "/api/accounts",
            ADMIN,
            {"username": "weakling", "role": "admin", "password": password},
        )
        assert (reply.status, reply.body["error"]) == (422, "weak_password"), reply.body
        assert reply.body["reason"] == reason and reply.body["field"] == "password"
        assert reply.body["message"].startswith("パスワード" if reason != "guessable" else "この")
    made = auth_server.request(
        "POST",
        "/api/accounts",
        ADMIN,
        {"username": "weakling", "role": "admin", "password": "correct horse battery"},
    )
    assert made.status == 201, made.body
    reply = auth_server.request(
        "POST", "/api/accounts/weakling/password", ADMIN, {"password": "password"}
    )
    assert (reply.status, reply.body["reason"]) == (422, "guessable")

    page = Browser(auth_server)
    assert page.log_in("weakling", "correct horse battery").status_code == 200
    page.post(
        "/accounts",
        {
            "username": "weakling2",
            "name": "",
            "role": "admin",
            "password": "qwertyuiop",
            "password_again": "qwertyuiop",
        },
    )
    assert "このパスワードは推測されやすいため使えません" in page.page
    assert "関係のない言葉を3つ以上つなげる" in page.page

    done = auth_server.cli("user", "add", "weakling3", "--role", "admin", "--password-stdin",
                           input="password1\n")
    assert done.returncode == 1
    assert "Error: このパスワードは推測されやすいため使えません" in done.stderr, done.stderr
    listed = auth_server.request("GET", "/api/accounts", ADMIN).body["accounts"]
    assert {a["username"] for a in listed} & {"weakling2", "weakling3"} == set()


def test_the_guessing_lists_are_let_go_after_each_check() -> None:
    """zxcvbn's lists take ~12 MB: a server that set one password does not keep them."""
    check_strength("correct horse battery", username="kita.lead")
    assert not [m for m in sys.modules if m.split(".")[0] == "zxcvbn"]
