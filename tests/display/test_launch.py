"""The documented launch line works: Chromium started with the flags docs/operating/displays.md
gives (read from the page), and no touch at all, reports that it may play sound and speaks a
call."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

from tests.browser import CHROMIUM_ARGS, CHROMIUM_FULL
from tests.display.conftest import FULL_HD
from tests.display.display_page import DisplayPage
from tests.display.test_sound import wait_for_health
from tests.harness import ServerProcess

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operating" / "displays.md"
# Flags Playwright must set itself (its own profile), or that stand for the screen.
NOT_FOR_THE_TEST = ("--user-data-dir", "--kiosk")


def documented_flags() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r":name: display-launch-line\n(.*?)```", text, re.S)
    assert block, "the launch line's code block is gone from displays.md"
    words = shlex.split(block[1].replace("\\\n", " "))
    assert words[0] == "chromium" and words[-1].startswith("http")
    return [w for w in words[1:-1] if not w.startswith(NOT_FOR_THE_TEST)]


def test_the_documented_flags_include_the_autoplay_policy() -> None:
    assert "--autoplay-policy=no-user-gesture-required" in documented_flags()


@pytest.fixture
def launched(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM_FULL, headless=True, args=[*CHROMIUM_ARGS, *documented_flags()]
    )
    yield browser
    browser.close()


def test_a_display_started_with_the_documented_line_speaks_without_a_touch(
    launched: Browser, server: ServerProcess, site: str
) -> None:
    context = launched.new_context(viewport=FULL_HD, locale="ja-JP", service_workers="block")
    display = DisplayPage(context.new_page(), server, site)
    try:
        display.open()
        # Nothing looks into the page before the call is spoken (see test_sound.py).
        wait_for_health(server, f"{site}-display", sound="allowed", online=True)
        ticket = server.issue(site, ["job"]).body
        with display.page.expect_response(lambda r: r.url.endswith(".wav"), timeout=60000):
            assert server.call_next(site, "c1").status == 200
        [spoken] = display.wait_for_announcements(1)
        assert (spoken["label"], spoken["error"]) == (ticket["label"], None)
    finally:
        context.close()
