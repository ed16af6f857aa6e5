"""The kiosk waits for the paper: "printing…" until the printer's word, "take your ticket" only
when the printer confirmed it, the number kept on screen when it did not; and the way back to
the start is counted only from then on, however late the outcome comes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.fakes.fake_file import FakeFilePrinter
from tests.fakes.fake_printer import FakePrinter
from tests.harness import ServerProcess, site_file
from tests.kiosk.conftest import PORTRAIT, open_kiosk_page
from tests.kiosk.kiosk_page import KioskPage, strings

SLOW, HELD, FILE = "kslow", "kheld", "kfile"
FAST_TIMEOUTS = "status_timeout = 1.0\nstall_timeout = 2.0\nconfirm_timeout = 2.0\n"


@pytest.fixture(scope="module")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    with ExitStack() as stack:
        folder = Path(tmp_path_factory.mktemp("kfile-device"))
        yield {
            # About five seconds to print a ticket and feed it to the cutter.
            SLOW: stack.enter_context(FakePrinter(rows_per_second=100)),
            # The paper ends partway and the printer cannot drop what it holds.
            HELD: stack.enter_context(FakePrinter(supports_clear=False)),
            FILE: stack.enter_context(FakeFilePrinter(folder)),
        }


@pytest.fixture(scope="module")
def wait_server(
    tmp_path_factory: pytest.TempPathFactory, fakes: dict[str, object]
) -> Iterator[ServerProcess]:
    urls = {site: fake.url for site, fake in fakes.items()}  # type: ignore[attr-defined]
    text = site_file(list(fakes), printers=urls)
    text = text.replace(f'url = "{urls[HELD]}"\n', f'url = "{urls[HELD]}"\n{FAST_TIMEOUTS}')
    proc = ServerProcess(Path(tmp_path_factory.mktemp("kwait")), list(fakes), sites_text=text)
    proc.init()
    proc.start()
    try:
        yield proc
    finally:
        proc.kill()


def kiosk_for(browser: Browser, server: ServerProcess, site: str) -> Iterator[KioskPage]:
    yield from open_kiosk_page(browser, server, site, PORTRAIT)


@pytest.fixture
def slow(browser: Browser, wait_server: ServerProcess) -> Iterator[KioskPage]:
    yield from kiosk_for(browser, wait_server, SLOW)


@pytest.fixture
def held(browser: Browser, wait_server: ServerProcess) -> Iterator[KioskPage]:
    yield from kiosk_for(browser, wait_server, HELD)


@pytest.fixture
def device_file(browser: Browser, wait_server: ServerProcess) -> Iterator[KioskPage]:
    yield from kiosk_for(browser, wait_server, FILE)


def notice(kiosk: KioskPage, key: str) -> None:
    kiosk.page.locator("#ticket-print").filter(has_text=strings("ja")[key]).wait_for(
        state="visible", timeout=30_000
    )


def test_take_your_ticket_only_once_printed_and_the_way_back_counted_from_then(
    slow: KioskPage,
) -> None:
    slow.page.clock.install()
    slow.open()
    slow.choose("job")
    number = slow.take_number()
    notice(slow, "ticket.printing")
    assert strings("ja")["ticket.take_paper"] not in slow.visible_text()
    slow.idle(20)  # past the usual 15 s: still printing, so still the ticket
    assert slow.screen() == "ticket" and slow.text_of("#ticket-number") == number
    notice(slow, "ticket.take_paper")  # the printer confirmed it
    slow.idle(10)
    assert slow.screen() == "ticket"
    slow.idle(6)  # 15 s after the confirmation
    slow.wait_for("start")


def test_a_failure_after_the_usual_time_still_finds_the_number_on_screen(
    held: KioskPage, fakes: dict[str, FakePrinter]
) -> None:
    fakes[HELD].set(fault_at_row=(100, "paper_out"))
    held.page.clock.install()
    held.open()
    held.choose("job")
    number = held.take_number()
    held.idle(20)  # no outcome yet: nothing counts down
    assert held.screen() == "ticket"
    # It may still come out once the paper is back, and it is this visitor's.
    notice(held, "ticket.print_late")
    assert held.text_of("#ticket-number") == number
    assert held.page.locator("#ticket-qr-box").is_visible()
    held.idle(55)
    assert held.screen() == "ticket"
    held.idle(6)  # 60 s after the failure
    held.wait_for("start")
    fakes[HELD].load_paper()
    assert fakes[HELD].wait_for_jobs(1)  # once: the visitor was told it might come


def test_a_device_file_never_says_take_your_ticket(device_file: KioskPage) -> None:
    device_file.page.clock.install()
    device_file.open()
    device_file.choose("job")
    device_file.take_number()
    notice(device_file, "ticket.print_sent")  # "if no ticket comes out, this is your number"
    assert strings("ja")["ticket.take_paper"] not in device_file.visible_text()
    assert device_file.page.locator("#ticket-qr-box").is_visible()
    device_file.idle(30)
    assert device_file.screen() == "ticket"
    device_file.idle(31)
    device_file.wait_for("start")
