"""Browser fixtures for the displays: Debian's chromium at 1920×1080, as the kiosk tests use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ViewportSize

from tests.display.display_page import DisplayPage
from tests.harness import ServerProcess

FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
COUNTER_SCREEN: ViewportSize = {"width": 1280, "height": 720}


def open_display_page(
    browser: Browser, server: ServerProcess, site: str, viewport: ViewportSize = FULL_HD
) -> Iterator[DisplayPage]:
    context = browser.new_context(
        viewport=viewport, device_scale_factor=1, locale="ja-JP", service_workers="block"
    )
    try:
        yield DisplayPage(context.new_page(), server, site)
    finally:
        context.close()


@pytest.fixture
def display(browser: Browser, server: ServerProcess, site: str) -> Iterator[DisplayPage]:
    """A fresh browser profile at 1920×1080 for a site nobody else uses."""
    yield from open_display_page(browser, server, site)


@pytest.fixture
def second_display(browser: Browser, server: ServerProcess, site: str) -> Iterator[DisplayPage]:
    """Another screen at the same site (another area, or a counter's screen)."""
    yield from open_display_page(browser, server, site)
