"""Printer test fixtures: a ticket, its bytes, fake network printers and short timeouts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import pytest

from printers.device import LinkPrinter
from printers.encode import ticket_job
from printers.fonts import TicketFonts, find_fonts
from printers.model import PrinterConfig, TicketSlip
from tests.fakes.cupsd import CupsServer
from tests.fakes.fake_printer import FakePrinter

STATUS_URL = "https://madoguchi.example.jp/t/7f3k9xq2mw4pz8"


def make_slip(**changes: Any) -> TicketSlip:
    values: dict[str, Any] = {
        "site_name": "あいワーク中央",
        "label": "A-023",
        "desk_label": "職業相談・職業紹介",
        "issued_at": datetime(2026, 11, 30, 0, 12, tzinfo=UTC),
        "people_ahead": 5,
        "status_url": STATUS_URL,
        "estimate_low_min": 10,
        "estimate_high_min": 20,
    }
    values.update(changes)
    return TicketSlip(**values)


@pytest.fixture(scope="session")
def fonts() -> TicketFonts:
    return find_fonts()


@pytest.fixture(scope="session")
def slip() -> TicketSlip:
    return make_slip()


@pytest.fixture(scope="session")
def job(slip: TicketSlip, fonts: TicketFonts) -> bytes:
    """The ticket as the kiosk would send it to a 512-dot printer."""
    return ticket_job(slip, 512, fonts)


def fast_config(printer_id: str, url: str, **changes: Any) -> PrinterConfig:
    """Timeouts short enough for tests, long enough for a loaded two-core machine."""
    values: dict[str, Any] = {
        "connect_timeout": 1.0,
        "status_timeout": 0.5,
        "stall_timeout": 2.0,
        "confirm_timeout": 2.0,
        "clear_timeout": 0.5,
        "connect_retries": 2,
        "retry_backoff": (0.01,),
    }
    values.update(changes)
    return PrinterConfig(id=printer_id, url=url, **values)


def printer_for(fake: FakePrinter, printer_id: str = "p1", **changes: Any) -> LinkPrinter:
    return LinkPrinter(fast_config(printer_id, fake.url, **changes))


@pytest.fixture
def fake_printers() -> Iterator[Callable[..., FakePrinter]]:
    """Start fake printers on 127.0.0.1; all are stopped after the test."""
    with ExitStack() as stack:

        def start(**options: Any) -> FakePrinter:
            return stack.enter_context(FakePrinter(**options))

        yield start


@pytest.fixture
def fake(fake_printers: Callable[..., FakePrinter]) -> FakePrinter:
    return fake_printers()


@pytest.fixture(scope="session")
def cupsd() -> Iterator[CupsServer]:
    """A real cupsd of its own (Debian's cups, installed by .ci/setup), for the CUPS tests."""
    with CupsServer() as server:
        yield server
