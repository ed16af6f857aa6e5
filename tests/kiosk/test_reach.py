"""Every control is far above 44 px and within a wheelchair user's reach; nothing leaves the LAN."""

from __future__ import annotations

import pytest

from tests.kiosk.kiosk_page import Box, KioskPage

MIN_SIDE = 64  # CSS px: our bar, far above WCAG's 44
MIN_PURPOSE_HEIGHT = 120  # the purpose buttons are the main targets
REACH_TOP = 0.35 * 1920  # on the portrait screen, controls start below the upper third


def assert_large(boxes: list[Box]) -> None:
    small = [b for b in boxes if b.width < MIN_SIDE or b.height < MIN_SIDE]
    assert small == []


def assert_within_reach(boxes: list[Box]) -> None:
    high = [b for b in boxes if b.y < REACH_TOP]
    assert high == []


def assert_on_screen(boxes: list[Box], width: int, height: int) -> None:
    off = [b for b in boxes if b.x < 0 or b.y < 0 or b.x + b.width > width + 0.5
           or b.bottom > height + 0.5]
    assert off == []


@pytest.mark.parametrize("language", ["ja", "en", "vi"])
def test_every_control_is_large_and_in_the_lower_part_of_the_portrait_screen(
    kiosk: KioskPage, language: str
) -> None:
    kiosk.page.clock.install()
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.language(language)
    start = kiosk.controls()
    assert len(start) >= 5 + 2 + 6  # the purposes, call staff, larger text, six languages
    purposes = [b.height for b in start if b.name in ("job", "search", "career", "welfare",
                                                       "housing")]
    assert len(purposes) == 5 and min(purposes) >= MIN_PURPOSE_HEIGHT

    kiosk.choose("job", "career")
    confirm = kiosk.controls()
    kiosk.idle(80)
    kiosk.page.locator("#dialog-idle").wait_for(state="visible")
    idle = kiosk.controls()
    kiosk.page.locator("#idle-continue").click()
    kiosk.take_number()
    ticket = kiosk.controls()

    for boxes in (start, confirm, idle, ticket):
        assert_large(boxes)
        assert_within_reach(boxes)
        assert_on_screen(boxes, 1080, 1920)


def test_larger_text_keeps_every_control_large_and_on_screen(kiosk: KioskPage) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.page.locator("#larger").click()
    assert kiosk.page.locator("#larger").get_attribute("aria-pressed") == "true"
    size = kiosk.page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#start-title')).fontSize)")
    assert size > 60
    boxes = kiosk.controls()
    assert_large(boxes)
    assert_on_screen(boxes, 1080, 1920)


def test_a_landscape_tablet_shows_every_control_large_and_on_screen(tablet: KioskPage) -> None:
    tablet.open()
    tablet.wait_for("start")
    start = tablet.controls()
    tablet.choose("job")
    confirm = tablet.controls()
    tablet.take_number()
    ticket = tablet.controls()
    for boxes in (start, confirm, ticket):
        assert_large(boxes)
        assert_on_screen(boxes, 1280, 800)
