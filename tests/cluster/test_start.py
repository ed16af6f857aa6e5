"""Starting against a database that is not there, or not ready for a cluster: a sentence that
says so and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.harness import free_port


def serve(tmp_path: Path, database: str, *more: str) -> subprocess.CompletedProcess[str]:
    env = {"MADOGUCHI_DATABASE": database, "MADOGUCHI_SECRET_KEY_FILE": str(tmp_path / "key"),
           "MADOGUCHI_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"}
    env.update(dict(pair.split("=", 1) for pair in more))
    return subprocess.run([sys.executable, "-m", "server.cli", "serve", "--port",
                           str(free_port())], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def test_an_unreachable_postgresql_is_said_in_a_sentence_and_the_exit_is_non_zero(
        tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    done = serve(tmp_path, f"postgresql+psycopg://127.0.0.1:{port}/madoguchi")
    assert done.returncode == 1, done.stderr
    assert "cannot be reached" in done.stderr and f"127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_cluster_on_sqlite_is_refused_with_the_reason(tmp_path: Path) -> None:
    done = serve(tmp_path, f"sqlite:///{tmp_path / 'm.db'}", "MADOGUCHI_CLUSTER=true")
    assert done.returncode == 1, done.stderr
    assert "cluster = true needs a PostgreSQL database" in done.stderr
    assert "Traceback" not in done.stderr
