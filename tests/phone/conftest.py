"""Phone-page fixtures: a recording client of the /phone namespace, and a browser of its own.

Playwright's sync API allows one instance per thread, and the kiosk tests keep theirs for the
whole session; so the phone's browser lives on a thread of its own and every call into it runs
there (`phone_browser.run(fn)`). The browser is the whole of Debian's chromium, not the
headless shell the other pages are tested in: a phone's service worker shows notifications,
which only the browser application keeps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
import socketio
from playwright.sync_api import Browser, sync_playwright

from tests.browser import CHROMIUM_ARGS, CHROMIUM_FULL, missing

WAIT = 10.0
T = TypeVar("T")


class PhoneClient:
    """One phone following its ticket: every "status" it is sent, in order."""

    def __init__(self, url: str, public_token: str) -> None:
        self.url = url
        self.public_token = public_token
        self.sio = socketio.Client(reconnection=False)
        self.views: list[dict[str, Any]] = []
        self.refusals: list[Any] = []
        self._changed = threading.Condition()
        self.sio.on("status", self._record, namespace="/phone")
        self.sio.on("connect_error", self.refusals.append, namespace="/phone")

    def connect(self) -> PhoneClient:
        self.sio.connect(
            self.url,
            namespaces=["/phone"],
            auth={"ticket": self.public_token},
            transports=["websocket"],
            wait_timeout=WAIT,
        )
        return self

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
        self.sio.shutdown()
        self.sio.eio.disconnect()

    def _record(self, view: dict[str, Any]) -> None:
        with self._changed:
            self.views.append(view)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first view received that matches; fails the test if none comes in time."""
        with self._changed:
            if not self._changed.wait_for(lambda: any(predicate(v) for v in self.views), WAIT):
                raise AssertionError(f"no matching status; received {self.views}")
            return next(v for v in self.views if predicate(v))


@pytest.fixture
def phone(server: Any) -> Iterator[Callable[[str], PhoneClient]]:
    """`phone(public_token)`: a connected phone on the session server, closed after."""
    opened: list[PhoneClient] = []

    def open_phone(public_token: str) -> PhoneClient:
        client = PhoneClient(server.url, public_token)
        opened.append(client)
        return client.connect()

    yield open_phone
    for client in opened:
        client.close()


class BrowserThread:
    """A chromium driven from one thread of its own; `run` calls a function there."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="phone-browser")
        self._stack = ExitStack()
        self.browser: Browser | None = None

    def run(self, fn: Callable[[Browser], T]) -> T:
        def call() -> T:
            assert self.browser is not None
            return fn(self.browser)

        return self._pool.submit(call).result()

    def start(self) -> BrowserThread:
        def launch() -> None:
            playwright = self._stack.enter_context(sync_playwright())
            self.browser = playwright.chromium.launch(
                executable_path=CHROMIUM_FULL, args=CHROMIUM_ARGS, headless=True
            )
            self._stack.callback(self.browser.close)

        self._pool.submit(launch).result()
        return self

    def stop(self) -> None:
        self._pool.submit(self._stack.close).result()
        self._pool.shutdown()


@pytest.fixture(scope="session")
def phone_browser() -> Iterator[BrowserThread]:
    if not Path(CHROMIUM_FULL).exists():
        pytest.fail(missing(CHROMIUM_FULL))
    browser = BrowserThread().start()
    yield browser
    browser.stop()
