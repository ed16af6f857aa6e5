"""Browser fixtures for the kiosk: Debian's chromium driven by Playwright, at the kiosk's size.

Never `playwright install`: the browser is the system's (tests/browser.py says which and why),
launched with flags that keep it off every network but ours.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ViewportSize

from tests.conftest import KIOSK_SITE
from tests.harness import ServerProcess
from tests.kiosk.kiosk_page import KioskPage

PORTRAIT: ViewportSize = {"width": 1080, "height": 1920}
LANDSCAPE_TABLET: ViewportSize = {"width": 1280, "height": 800}


def open_kiosk_page(browser: Browser, server: ServerProcess, site: str,
                    viewport: ViewportSize) -> Iterator[KioskPage]:
    context = browser.new_context(viewport=viewport, device_scale_factor=1, has_touch=True,
                                  locale="ja-JP", service_workers="block")
    try:
        yield KioskPage(context.new_page(), server, site)
    finally:
        context.close()


@pytest.fixture(scope="session")
def kiosk_site() -> str:
    """One test site for every kiosk test, whose kiosk has a printer: the tests compare the
    queues before and after, so they need no empty site of their own."""
    return KIOSK_SITE


@pytest.fixture
def kiosk(browser: Browser, server: ServerProcess, kiosk_site: str) -> Iterator[KioskPage]:
    """A fresh browser profile (no stored token) at 1080×1920."""
    yield from open_kiosk_page(browser, server, kiosk_site, PORTRAIT)


@pytest.fixture
def tablet(browser: Browser, server: ServerProcess, kiosk_site: str) -> Iterator[KioskPage]:
    """The same kiosk on a landscape tablet."""
    yield from open_kiosk_page(browser, server, kiosk_site, LANDSCAPE_TABLET)
