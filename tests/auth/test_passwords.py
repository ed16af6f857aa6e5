"""Passwords are hashed with Werkzeug's scrypt; a hash stored in madoguchi's own earlier form
still logs in, and is stored again in Werkzeug's form at that login."""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
from pathlib import Path

import pytest
import requests

from server.auth.passwords import hash_password, needs_rehash, verify_password
from tests.harness import ServerProcess

PASSWORD = "correct horse battery"


def earlier_hash(password: str) -> str:
    """A hash as madoguchi stored them before it used Werkzeug's (made the same way here)."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**15, r=8, p=1, dklen=32,
                         maxmem=128 * 1024 * 1024)
    encode = base64.b64encode
    return f"scrypt${2**15}$8$1${encode(salt).decode()}${encode(key).decode()}"


def test_a_password_is_hashed_in_werkzeugs_scrypt_form_with_its_own_salt() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt:32768:8:1$") and first != second
    assert verify_password(PASSWORD, first) and not verify_password("wrong password", first)
    assert not needs_rehash(first)


def test_an_earlier_hash_still_verifies_and_asks_to_be_stored_again() -> None:
    stored = earlier_hash(PASSWORD)
    assert verify_password(PASSWORD, stored)
    assert not verify_password("wrong password", stored)
    assert needs_rehash(stored)


def test_a_malformed_hash_never_matches() -> None:
    for stored in ("", "scrypt", "scrypt$1$2", "scrypt$x$8$1$AAAA$AAAA", "pbkdf2:sha1$x",
                   "scrypt:32768:8:1$salt"):
        assert not verify_password(PASSWORD, stored), stored


def stored_hash(db: Path, username: str) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT password_hash FROM accounts WHERE username = ?",
                           (username,)).fetchone()
    conn.close()
    return str(row[0])


def log_in(server: ServerProcess, username: str, password: str) -> int:
    reply = requests.post(f"{server.url}/api/session", timeout=30,
                          json={"username": username, "password": password})
    return reply.status_code


def test_an_account_made_with_an_earlier_hash_logs_in_and_is_hashed_anew(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path, ["a"], env={"MADOGUCHI_PASSWORD_COST": "15"})  # the default
    server.init()
    server.add_account("old-timer", ["--role", "staff", "--site", "a", "--organisation", "city"],
                       "a different one")
    with sqlite3.connect(server.db) as conn:  # as a database from before would hold it
        conn.execute("UPDATE accounts SET password_hash = ? WHERE username = 'old-timer'",
                     (earlier_hash(PASSWORD),))
    conn.close()
    server.start()
    try:
        assert log_in(server, "old-timer", "wrong password") == 401
        assert stored_hash(server.db, "old-timer").startswith("scrypt$")
        assert log_in(server, "old-timer", PASSWORD) == 200
        again = stored_hash(server.db, "old-timer")
        assert again.startswith("scrypt:32768:8:1$") and verify_password(PASSWORD, again)
        assert log_in(server, "old-timer", PASSWORD) == 200
        assert stored_hash(server.db, "old-timer") == again  # stored once, not at every login
    finally:
        server.stop()


def test_a_hash_made_at_another_cost_logs_in_and_is_stored_again_at_the_settings_cost(
    tmp_path: Path,
) -> None:
    """An administrator raises `password_cost`: each password is hashed anew at its next
    login, at the new cost; a new password is hashed at it straight away."""
    server = ServerProcess(tmp_path, ["a"], env={"MADOGUCHI_PASSWORD_COST": "10"})
    server.init({"clerk": ["--role", "staff", "--site", "a", "--organisation", "city"]},
                PASSWORD)
    assert stored_hash(server.db, "clerk").startswith("scrypt:1024:8:1$")
    server.env["MADOGUCHI_PASSWORD_COST"] = "11"
    server.start()
    try:
        assert log_in(server, "clerk", "wrong password") == 401
        assert stored_hash(server.db, "clerk").startswith("scrypt:1024:8:1$")
        assert log_in(server, "clerk", PASSWORD) == 200
        again = stored_hash(server.db, "clerk")
        assert again.startswith("scrypt:2048:8:1$") and verify_password(PASSWORD, again)
        server.add_account("newcomer", ["--role", "staff", "--site", "a",
                                        "--organisation", "city"], PASSWORD)
        assert stored_hash(server.db, "newcomer").startswith("scrypt:2048:8:1$")
    finally:
        server.stop()


def test_the_cost_is_a_power_of_two_from_10_to_17_and_15_unless_set() -> None:
    from server.settings import Settings, SettingsError, load_settings

    assert Settings().password_cost == 15
    assert load_settings(None, env={"MADOGUCHI_PASSWORD_COST": "12"}).password_cost == 12
    for wrong in ("9", "18"):
        with pytest.raises(SettingsError, match="password_cost"):
            load_settings(None, env={"MADOGUCHI_PASSWORD_COST": wrong})
