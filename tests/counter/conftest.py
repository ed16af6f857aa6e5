"""Fixtures for the counter console: a server of this package's own (accounts made with the
command line do not leak into other tests), Debian's chromium at 1366×768, and consoles
logged in through the real login form.

Site "a" has a (memory) ticket printer and the staff accounts sato and suzuki; kanri is an
administrator; site "b" is another site (its staff alerts go to counter 1 and escalate after
5 s); site "f" is for the figures' own test. The clock
is simulated, so the figures' waits and service times are exact. Each test starts with
site "a" emptied by an end-of-day close (history is kept, which is why tests compare
figures with what the server says rather than with fixed numbers). Visitors' Web Push goes
to a push-service stand-in (tests/fakes/push_service.py), so a ticket can be notified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, ViewportSize

from tests.counter.console_page import PASSWORD, ConsolePage
from tests.fakes.push_service import PushService, push_service
from tests.fakes.tls import Certificates, make_certificates
from tests.harness import ADMIN, ServerProcess, site_file

DESKTOP: ViewportSize = {"width": 1366, "height": 768}
ACCOUNTS = {  # username: the rest of `madoguchi user add`
    "sato": ["--role", "staff", "--site", "a", "--name", "佐藤 花子", "--organisation", "city"],
    "suzuki": [
        "--role",
        "staff",
        "--site",
        "a",
        "--name",
        "鈴木 一郎",
        "--organisation",
        "hellowork",
    ],
    "kanri": ["--role", "admin", "--name", "管理 太郎"],
}


@pytest.fixture(scope="package")
def push_certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("counter-tls"))


@pytest.fixture(scope="package")
def push_stand_in(push_certificates: Certificates) -> Iterator[PushService]:
    with push_service(push_certificates) as service:
        yield service


@pytest.fixture(scope="package")
def counter_server(
    tmp_path_factory: pytest.TempPathFactory,
    push_certificates: Certificates,
    push_stand_in: PushService,
) -> Iterator[ServerProcess]:
    sites = ["a", "b", "f"]
    # Site "b" shows staff alerts on counter 1's console only, until one escalates (5 s).
    alerts = 'alert_escalate_seconds = 5\nreception_counters = ["b-c1"]'
    proc = ServerProcess(
        tmp_path_factory.mktemp("counter"),
        sites,
        env={
            "MADOGUCHI_CLOCK": "simulated",
            "MADOGUCHI_PUSH_HOSTS": "localhost",
            "MADOGUCHI_PUSH_CA_FILE": str(push_certificates.ca_file),
        },
        sites_text=site_file(sites, extra={"b": alerts}, printers={"a": "memory://a"}),
    )
    proc.init(ACCOUNTS, PASSWORD)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def server(counter_server: ServerProcess) -> ServerProcess:
    """The package's server, with site "a" emptied: no live ticket, every counter closed."""
    reply = counter_server.request("POST", "/api/sites/a/close-day", ADMIN, {})
    assert reply.status == 200, reply.body
    return counter_server


OpenConsole = Callable[..., ConsolePage]


@pytest.fixture
def open_console(browser: Browser, server: ServerProcess) -> Iterator[OpenConsole]:
    """`open_console(username, counter)`: a browser of its own, logged in at that counter;
    `open_console()` just opens the page."""
    contexts = []

    def start(
        username: str | None = None, counter: str | None = None, query: str = ""
    ) -> ConsolePage:
        context = browser.new_context(
            viewport=DESKTOP, device_scale_factor=1, locale="ja-JP", service_workers="block"
        )
        contexts.append(context)
        console = ConsolePage(context.new_page(), server).open(query)
        if username is not None:
            console.log_in(username)
            if counter is not None:
                console.choose(counter)
        return console

    yield start
    for context in contexts:
        context.close()


@pytest.fixture
def console(open_console: OpenConsole) -> ConsolePage:
    """sato at counter 1 of site "a" (it serves 職業相談・職業紹介 only)."""
    return open_console("sato", "a-c1")
