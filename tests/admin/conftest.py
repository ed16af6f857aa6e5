"""Fixtures for the administrators' edits: a server of this package's own, with a pool of
identical sites (each test takes one whose queues nobody touched) and one whose kiosk has
a printer; accounts made by the command line for the admin page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import ServerProcess

POOL = [f"e{i:02d}" for i in (*range(1, 37), 41)]  # e37-e40 are the spares below
SPARE = ["e37", "e38", "e39", "e40"]  # never taken from the pool: tests name them
PRINTING = "ep"
PASSWORD = "correct horse battery"
MANAGED = "e37"  # the manager "boss" runs it; no test changes it


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("admin"),
        [*POOL, *SPARE, PRINTING],
        printers={PRINTING: f"memory://{PRINTING}"},
    )
    proc.init(
        {
            "root": ["--role", "admin", "--name", "管理 太郎"],
            "boss": [
                "--role",
                "manager",
                "--site",
                MANAGED,
                "--name",
                "所長",
                "--organisation",
                "hellowork",
                "--organisation",
                "city",
            ],
        },
        PASSWORD,
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="package")
def _pool() -> Iterator[list[str]]:
    yield list(POOL)


@pytest.fixture
def site(_pool: list[str]) -> str:
    """A site nobody else in this package has touched."""
    if not _pool:
        pytest.fail("the site pool is used up: add sites to POOL in tests/admin/conftest.py")
    return _pool.pop(0)
