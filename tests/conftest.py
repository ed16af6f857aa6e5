"""Shared fixtures: one real server for the session, and a fresh test site per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.harness import ServerProcess

POOL = [f"s{i:02d}" for i in range(1, 151)]
KIOSK_SITE = "kp"  # its kiosk has a (memory) printer, like a real one


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real gevent server shared by the session: identical test sites, one per test that
    needs empty queues, and a kiosk site with a printer."""
    proc = ServerProcess(tmp_path_factory.mktemp("server"), [*POOL, KIOSK_SITE],
                         printers={KIOSK_SITE: f"memory://{KIOSK_SITE}"})
    proc.init()
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def _site_pool() -> Iterator[list[str]]:
    yield list(POOL)


@pytest.fixture
def site(_site_pool: list[str]) -> str:
    """A site nobody else in this session has touched: its queues start empty."""
    if not _site_pool:
        pytest.fail("the test site pool is used up: add sites to POOL in conftest.py")
    return _site_pool.pop(0)


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of its own (for restarts, crashes and clock changes): three sites."""
    proc = ServerProcess(tmp_path, ["a", "b", "c"])
    proc.init()
    yield proc
    proc.stop()


# One Playwright and one chromium for the whole session: the sync API allows one per thread.
@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/setup (apt package 'chromium')")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)
    yield launched
    launched.close()
