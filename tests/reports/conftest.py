"""Fixtures for the reports: a server of this package's own on a simulated clock, with
accounts made by the command line, and a small known event log driven through the API.

Site "r" holds the known log (see log.py); "d" is watched by the dashboard test; "s" is
for the test that changes a day after its figures were stored; "b" is another site.
Accounts: mboth (manager of r, both organisations), mhw (manager of r, Hello Work only),
clerk (staff at r), dman (manager of d, both), root (administrator).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import ServerProcess
from tests.reports.log import KnownLog, build_known_log

PASSWORD = "correct horse battery"
ACCOUNTS = {
    "mboth": [
        "--role",
        "manager",
        "--site",
        "r",
        "--name",
        "両方 管理者",
        "--organisation",
        "hellowork",
        "--organisation",
        "city",
    ],
    "mhw": [
        "--role",
        "manager",
        "--site",
        "r",
        "--name",
        "ハロー 管理者",
        "--organisation",
        "hellowork",
    ],
    "clerk": ["--role", "staff", "--site", "r", "--name", "窓口 職員", "--organisation", "city"],
    "dman": [
        "--role",
        "manager",
        "--site",
        "d",
        "--name",
        "表示 管理者",
        "--organisation",
        "hellowork",
        "--organisation",
        "city",
    ],
    "root": ["--role", "admin", "--name", "管理 太郎"],
}


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("reports"),
        ["r", "d", "s", "b"],
        env={"MADOGUCHI_CLOCK": "simulated"},
        printers={"d": "memory://d"},
    )
    proc.init(ACCOUNTS, PASSWORD)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="package")
def known_log(server: ServerProcess) -> KnownLog:
    """Site r's two business days, 2026-04-06 (Monday) and 2026-04-07, as in log.py."""
    return build_known_log(server, "r")


def log_in(server: ServerProcess, username: str) -> dict[str, str]:
    """Log in with the JSON session API; answers the headers a later change needs."""
    reply = server.request(
        "POST", "/api/session", json={"username": username, "password": PASSWORD}
    )
    assert reply.status == 200, reply.body
    return {"X-CSRF-Token": reply.body["csrf_token"]}
