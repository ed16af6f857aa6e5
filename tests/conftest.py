"""Shared fixtures: real servers shared by a worker's tests, a fresh test site per test, and one
chromium per worker.

A module marked `both_stores` runs its tests that use a server or the app (through the
`backend` fixture) twice: on SQLite and on PostgreSQL (tests/pg.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import Engine

from server.store import db as store_db
from tests import forked, pg
from tests.appclient import initialised, make_app  # noqa: F401 - fixtures for every test
from tests.browser import CHROMIUM, CHROMIUM_ARGS, missing
from tests.harness import ServerProcess

BACKENDS = ("sqlite", "postgresql")


# Python may be told not to write bytecode (PYTHONDONTWRITEBYTECODE, set on some CI machines):
# then every test worker compiles and rewrites every test module again at each run (about 6 s
# of CPU each), and every server, CLI and voice process it starts compiles what it imports.
# The suite writes its bytecode; .ci/setup compiles the project beforehand.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_configure(config: pytest.Config) -> None:
    """The tests' servers are forked from a process that imported the server once
    (tests/forked.py): about a second of CPU saved on each of the suite's ~170 starts."""
    forked.ENABLED = os.environ.get("MADOGUCHI_TEST_FORK", "1") != "0"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers a core. Most tests spend their time waiting on a server, a
    browser, a printer's line or PostgreSQL, not computing: with one worker a core, the suite
    kept the 2 cores half idle (5 min 52 s on a fresh clone; 4 min 27 s with four workers).
    Three a core were tried (2026-12-07): on one fresh clone, back to back on an idle
    machine, six workers took 7 min 27 s and four 6 min 47 s."""
    return 2 * len(os.sched_getaffinity(0))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
            "both_stores"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store under test: "sqlite" unless the module is marked `both_stores`."""
    return str(getattr(request, "param", "sqlite"))

POOL = [f"s{i:02d}" for i in range(1, 26)]  # the fresh sites of each pooled server
KIOSK_SITE = "kp"  # its kiosk has a (memory) printer, like a real one


class ServerPool:
    """A worker's shared servers: each has the POOL sites and the kiosk site. A test that
    needs empty queues takes a site nobody has touched; when the current server has none
    left, the next one starts (and the used one stops). Small servers keep the reads over
    every site (an administrator's reports) as cheap as a real centre's."""

    def __init__(self, workdirs: pytest.TempPathFactory, backend: str = "sqlite") -> None:
        self.workdirs = workdirs
        self.backend = backend
        self.databases: list[str] = []
        self.current: ServerProcess | None = None
        self.free: list[str] = []
        self.module_sites: dict[tuple[str, str], str] = {}

    def server(self, sites_needed: int) -> ServerProcess:
        if self.current is None or len(self.free) < sites_needed:
            self._start_next()
        assert self.current is not None
        return self.current

    def take_site(self, server: ServerProcess) -> str:
        assert server is self.current and self.free, "take the site through the server fixture"
        return self.free.pop(0)

    def _start_next(self) -> None:
        if self.current is not None:
            self.current.stop()
        database = None
        if self.backend == "postgresql":
            self.databases.append(pg.create_database())
            database = pg.url(self.databases[-1])
        proc = ServerProcess(
            self.workdirs.mktemp("server"),
            [*POOL, KIOSK_SITE],
            printers={KIOSK_SITE: f"memory://{KIOSK_SITE}"},
            database=database,
        )
        proc.init()
        proc.start()
        self.current, self.free = proc, list(POOL)

    def close(self) -> None:
        if self.current is not None:
            self.current.stop()
        for name in self.databases:
            pg.drop_database(name)


class Pools:
    """A worker's server pools, one per store, each started when first needed."""

    def __init__(self, workdirs: pytest.TempPathFactory) -> None:
        self.workdirs = workdirs
        self.pools: dict[str, ServerPool] = {}

    def of(self, backend: str) -> ServerPool:
        if backend not in self.pools:
            self.pools[backend] = ServerPool(self.workdirs, backend)
        return self.pools[backend]

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()


@pytest.fixture(scope="session")
def _pools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pools]:
    pools = Pools(tmp_path_factory)
    yield pools
    pools.close()


@pytest.fixture
def _servers(_pools: Pools, backend: str) -> ServerPool:
    return _pools.of(backend)


@pytest.fixture
def server(request: pytest.FixtureRequest, _servers: ServerPool) -> ServerProcess:
    """A real gevent server shared with the worker's other tests: identical test sites, one
    per test that needs empty queues (`site`), and a kiosk site with a printer."""
    needed = int("site" in request.fixturenames)
    if "module_site" in request.fixturenames:
        current = _servers.current
        needed += (
            current is None or (request.module.__name__, current.url) not in _servers.module_sites
        )
    return _servers.server(needed)


@pytest.fixture
def site(server: ServerProcess, _servers: ServerPool) -> str:
    """A site nobody else has touched: its queues start empty."""
    return _servers.take_site(server)


@pytest.fixture
def module_site(request: pytest.FixtureRequest, server: ServerProcess, _servers: ServerPool) -> str:
    """A fresh site shared by the tests of one module on one server (each test makes its own
    tickets)."""
    key = (request.module.__name__, server.url)
    if key not in _servers.module_sites:
        _servers.module_sites[key] = _servers.take_site(server)
    return _servers.module_sites[key]


@pytest.fixture
def database(backend: str) -> Iterator[str | None]:
    """A PostgreSQL database of the test's own (its URL) when the backend is PostgreSQL;
    None on SQLite (a file in the test's folder)."""
    if backend != "postgresql":
        yield None
        return
    name = pg.create_database()
    yield pg.url(name)
    pg.drop_database(name)


@pytest.fixture
def store(tmp_path: Path, database: str | None) -> Iterator[Engine]:
    """The store of the test's backend, migrated: an SQLite file in the test's folder, or the
    test's own PostgreSQL database."""
    engine = store_db.open_engine(database or f"sqlite:///{tmp_path / 'q.db'}")
    store_db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_server(tmp_path: Path, database: str | None) -> Iterator[ServerProcess]:
    """A server of its own (for restarts, crashes and clock changes): three sites."""
    proc = ServerProcess(tmp_path, ["a", "b", "c"], database=database)
    proc.init()
    yield proc
    proc.stop()


# One Playwright and one chromium (the headless shell: tests/browser.py) for the whole session:
# the sync API allows one per thread.
@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(missing(CHROMIUM))
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield launched
    launched.close()
