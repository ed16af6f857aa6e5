"""`madoguchi user` and `madoguchi device`, run while the server is up: the server picks up
each change within seconds, and the log records it as done from the command line."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from tests.api.support import assert_error
from tests.auth.conftest import LogIn
from tests.harness import ADMIN, ServerProcess, eventually, token


def madoguchi(
    server: ServerProcess, *args: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    return server.cli(*args, input=None if password is None else password + "\n")


def known(server: ServerProcess, username: str) -> Callable[[], bool]:
    """Whether the server knows the account yet (asked without trying a password: failed
    logins would count towards a lock)."""
    return lambda: (
        username
        in {a["username"] for a in server.request("GET", "/api/accounts", ADMIN).body["accounts"]}
    )


def test_user_add_then_log_in(auth_server: ServerProcess, people: LogIn) -> None:
    done = madoguchi(
        auth_server,
        "user",
        "add",
        "Kita.Lead",
        "--role",
        "manager",
        "--site",
        "a",
        "--name",
        "北の管理者",
        "--organisation",
        "hellowork",
        "--organisation",
        "city",
        "--password-stdin",
        password="from the shell",
    )
    assert done.returncode == 0, done.stderr
    assert "kita.lead created: manager at a, hellowork and city" in done.stdout
    assert eventually(known(auth_server, "kita.lead"))
    person = people()
    assert person.login("kita.lead", "from the shell").status == 200
    assert person.user == {
        "username": "kita.lead",
        "name": "北の管理者",
        "role": "manager",
        "site": "a",
        "organisations": ["hellowork", "city"],
    }
    listed = madoguchi(auth_server, "user", "list").stdout
    line = next(x for x in listed.splitlines() if x.startswith("kita.lead "))
    assert line.split()[:5] == ["kita.lead", "manager", "a", "hellowork,city", "active"]
    entry = auth_server.request("GET", "/api/audit?limit=1000", ADMIN).body["entries"]
    created = next(e for e in entry if e["target"] == "account:kita.lead")
    assert (created["actor_kind"], created["action"], created["outcome"]) == (
        "cli",
        "account_created",
        201,
    )


def test_user_add_refuses_what_an_account_cannot_be(auth_server: ServerProcess) -> None:
    # The rules themselves are the API's (test_accounts.py); here, that the shell says so.
    no_employer = madoguchi(
        auth_server,
        "user",
        "add",
        "staff9",
        "--role",
        "staff",
        "--site",
        "a",
        "--password-stdin",
        password="long enough pass",
    )
    assert no_employer.returncode == 1 and "organisation" in no_employer.stderr
    short = madoguchi(
        auth_server, "user", "add", "root9", "--role", "admin", "--password-stdin", password="short"
    )
    assert short.returncode == 1 and "at least 8 characters" in short.stderr


def test_user_passwd_and_disable_end_the_logins_of_a_running_server(
    auth_server: ServerProcess, people: LogIn
) -> None:
    done = madoguchi(
        auth_server,
        "user",
        "add",
        "temp",
        "--role",
        "staff",
        "--site",
        "b",
        "--organisation",
        "city",
        "--password-stdin",
        password="first password",
    )
    assert done.returncode == 0, done.stderr
    assert eventually(known(auth_server, "temp"))
    person = people()
    assert person.login("temp", "first password").status == 200
    changed = madoguchi(
        auth_server, "user", "passwd", "temp", "--password-stdin", password="second password"
    )
    assert changed.returncode == 0, changed.stderr
    assert eventually(lambda: person.request("GET", "/api/sites/b/queues").status == 401)
    assert_error(people().login("temp", "first password"), 401, "invalid_credentials")
    again = people()
    assert again.login("temp", "second password").status == 200
    assert madoguchi(auth_server, "user", "disable", "temp").returncode == 0
    assert eventually(lambda: again.request("GET", "/api/sites/b/queues").status == 401)
    assert_error(again.login("temp", "second password"), 401, "invalid_credentials")


def test_device_revoke_stops_a_token_of_a_running_server_and_init_leaves_paired_ones(
    auth_server: ServerProcess, people: LogIn
) -> None:
    admin = people("admin2")
    pairing = auth_server.http.post(f"{auth_server.url}/api/pairing", timeout=30).json()
    approved = admin.request(
        "POST",
        "/api/pairing/approve",
        {"code": pairing["code"], "role": "display", "site": "b", "name": "表示盤"},
    )
    paired = auth_server.http.get(
        f"{auth_server.url}/api/pairing/{pairing['pairing_id']}", timeout=30
    ).json()["token"]
    listed = madoguchi(auth_server, "device", "list", "--site", "b").stdout
    assert "b-kiosk " in listed and approved.body["device"]["id"] in listed
    kiosk = token("b", "kiosk")
    assert madoguchi(auth_server, "device", "revoke", "b-kiosk").returncode == 0
    assert eventually(lambda: auth_server.request("GET", "/api/me", kiosk).status == 401)
    twice = madoguchi(auth_server, "device", "revoke", "b-kiosk")
    assert twice.returncode == 1 and "revoked already" in twice.stderr
    # init brings back what the site file declares, and leaves paired devices be
    init = madoguchi(auth_server, "init", "--config", str(auth_server.sites_path))
    assert init.returncode == 0, init.stderr
    assert eventually(lambda: auth_server.request("GET", "/api/me", kiosk).status == 200)
    assert auth_server.request("GET", "/api/me", paired).status == 200
    log = auth_server.request("GET", "/api/audit?site=b&limit=1000", ADMIN).body["entries"]
    revoked = [e for e in log if e["action"] == "device_revoked" and e["actor_kind"] == "cli"]
    assert [e["target"] for e in revoked] == ["device:b-kiosk"]
