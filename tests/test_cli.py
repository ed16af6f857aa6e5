"""The `madoguchi` command's own checks of what it is given."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import ServerProcess, token

ROOT = Path(__file__).resolve().parents[1]


def madoguchi(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:/etc",
        "ftp://127.0.0.1",
        "127.0.0.1:8000",
        "http://",
        "javascript:alert(1)",
    ],
)
def test_close_day_url_must_be_http_or_https(tmp_path: Path, url: str) -> None:
    """`--url` goes to urllib, which also opens file: and ftp: addresses (bandit B310): only
    a server's http(s) address is taken, and nothing is read from anywhere else."""
    done = madoguchi("close-day", "--url", url, "--token", "x" * 20, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "--url" in done.stderr and "http://" in done.stderr, done.stderr
    assert "root:" not in done.stdout + done.stderr


def test_close_day_url_that_answers_nothing_is_told_plainly(tmp_path: Path) -> None:
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    done = madoguchi(
        "close-day", "--url", f"http://127.0.0.1:{port}", "--token", "x" * 20, cwd=tmp_path
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"cannot reach http://127.0.0.1:{port}" in done.stderr


def test_close_day_of_a_running_server_by_its_url(server: ServerProcess, site: str) -> None:
    waiting = server.issue(site, ["job"]).body
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "close-day",
            "--site",
            site,
            "--url",
            server.url + "/",
            "--token",
            token(site, "manager"),
        ],
        env=server.env,
        cwd=server.workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{site}: closed 1 live ticket(s)"
    view = server.request("GET", f"/api/tickets/{waiting['id']}", token(site, "manager")).body
    assert view["ticket"]["closed_reason"] == "day_closed"
