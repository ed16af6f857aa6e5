"""Readable from across the room: sizes, contrast of at least 7:1, gentle flashing, a notice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.display.conftest import open_display_page
from tests.display.display_page import DisplayPage
from tests.harness import ServerProcess, site_file

NOTICE = "本日の受付は16時までです。"
TEXT = (
    ".site, .clock, .heading, .heading .en, .call-number, .call-counter .name, .call-badge, "
    ".call-counter .to, .recent-number, .recent-counter, .recent-time, .waiting-table th, "
    ".waiting-table td, .notice-tag, .notice-text, .empty, #offline .offline-text"
)
COLOURS = """selector => {
  const rgb = text => text.match(/[\\d.]+/g).map(Number);
  const behind = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return Array.from(document.querySelectorAll(selector))
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility === "visible")
    .map(el => ({what: el.className || el.tagName, fg: rgb(getComputedStyle(el).color).slice(0, 3),
                 bg: behind(el)}));
}"""


KEYFRAMES = """() => {
  const rgb = text => text.match(/[\\d.]+/g).map(Number).slice(0, 3);
  const root = getComputedStyle(document.documentElement);
  const colour = value => {  // resolve var(--x) the way the page does
    const probe = document.createElement("span");
    probe.style.color = value.replace(/var\\((--[\\w-]+)\\)/g, (_, v) => root.getPropertyValue(v));
    document.body.append(probe);
    const found = rgb(getComputedStyle(probe).color);
    probe.remove();
    return found;
  };
  const first = name => {
    for (const sheet of document.styleSheets) for (const rule of sheet.cssRules) {
      if (rule instanceof CSSKeyframesRule && rule.name === name) return rule.cssRules[0].style;
    }
  };
  const on = first("flash");
  return {block: colour(on.backgroundColor || on.background),
          background: colour(root.getPropertyValue("--bg")),
          number: colour(first("flash-number").color), ink: colour(first("flash-ink").color)};
}"""


def luminance(rgb: list[float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: list[float], bg: list[float]) -> float:
    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def too_faint(found: list[dict[str, Any]]) -> list[tuple[str, float]]:
    return [
        (f["what"], round(contrast(f["fg"], f["bg"]), 2))
        for f in found
        if contrast(f["fg"], f["bg"]) < 7.0
    ]


@pytest.fixture
def noticed(browser: Browser, tmp_path: Path) -> Iterator[DisplayPage]:
    """Site 'n' with a notice line, on a server of its own (the test kills it at the end)."""
    text = site_file(["n"], extra={"n": f'notice = "{NOTICE}"'})
    server = ServerProcess(tmp_path, ["n"], sites_text=text)
    server.init()
    server.start()
    try:
        yield from open_display_page(browser, server, "n")
    finally:
        server.stop()


def test_every_text_on_the_display_has_at_least_7_to_1_contrast(noticed: DisplayPage) -> None:
    server = noticed.server
    labels = [str(server.issue("n", ["job"]).body["label"]) for _ in range(3)]
    first = server.call_next("n", "c1").body["ticket"]["id"]
    assert server.act("n", first, "start").status == 200
    assert server.act("n", first, "finish", {"outcome": "consult_only"}).status == 200
    assert server.call_next("n", "c1").status == 200
    assert server.call_next("n", "c2", staff="staff2").status == 200
    noticed.open().wait_for("room")
    noticed.wait_for_call(labels[2], "2番窓口")
    assert noticed.page.locator("#notice-text").text_content() == NOTICE
    assert noticed.recent() == [(labels[0], "1番窓口")]
    found = noticed.page.evaluate(COLOURS, TEXT)
    assert {f["what"] for f in found} >= {"call-number", "name", "recent-number", "notice-text"}
    assert too_faint(found) == []

    # While a new call flashes, the block is inverted: its keyframes at the "on" moment.
    inverted = noticed.page.evaluate(KEYFRAMES)
    assert inverted["background"] == inverted["number"] == inverted["ink"] == [17, 24, 39]
    assert inverted["block"] == [255, 212, 0]
    assert contrast(inverted["number"], inverted["block"]) >= 7.0

    server.kill()
    noticed.page.locator("#offline").wait_for(state="visible")
    banner = noticed.page.evaluate(COLOURS, "#offline .offline-text")
    assert len(banner) == 2 and too_faint(banner) == []


def test_a_new_call_flashes_at_most_three_times_a_second_for_a_few_seconds(
    display: DisplayPage,
) -> None:
    server, site = display.server, display.site
    labels = [str(server.issue(site, ["job"]).body["label"]) for _ in range(2)]
    display.open().wait_for("room")
    display.wait_until_live()
    assert server.call_next(site, "c1").status == 200
    display.wait_for_call(labels[0], "1番窓口")
    style = display.page.eval_on_selector(
        "#calls .call.flash",
        """e => {
        const s = getComputedStyle(e);
        return {name: s.animationName, seconds: parseFloat(s.animationDuration),
                times: parseFloat(s.animationIterationCount), timing: s.animationTimingFunction,
                border: parseFloat(s.borderTopWidth)};
    }""",
    )
    assert style["name"] == "flash"
    assert 1 / style["seconds"] <= 3  # one flash per cycle
    assert style["seconds"] * style["times"] <= 6  # then it stops flashing
    assert style["timing"].startswith("steps(")  # on and off, no fading
    assert style["border"] >= 6  # and stays framed: not colour alone

    # A second call a moment later flashes on the same beat, so the screen as a whole still
    # flashes once a second.
    assert server.call_next(site, "c2", staff="staff2").status == 200
    display.wait_for_call(labels[1], "2番窓口")
    phases = display.page.evaluate(
        """() => Array.from(document.querySelectorAll('#calls .call.flash')).map(
             e => e.getAnimations()[0].effect.getComputedTiming().progress)"""
    )
    assert len(phases) == 2
    apart = abs(phases[0] - phases[1])
    # Started on the page timeline's whole seconds, they are in step to the frame, however
    # long the browser took to start the second one (a clock-based delay was 0.09 off once).
    assert min(apart, 1 - apart) < 0.02


def test_called_numbers_and_counters_are_very_large_and_fit_the_screen(
    display: DisplayPage,
) -> None:
    server, site = display.server, display.site
    labels = [str(server.issue(site, ["job"]).body["label"]) for _ in range(3)]
    for counter, staff in (("c1", "staff1"), ("c2", "staff2"), ("c4", "staff1")):
        assert server.call_next(site, counter, staff=staff).status == 200
    display.open().wait_for("room")
    display.wait_for_call(labels[2], "4番窓口")
    sizes = display.page.eval_on_selector_all(
        "#calls .call-number, #calls .name",
        "els => els.map(e => [e.className || 'name', "
        "parseFloat(getComputedStyle(e).fontSize), e.getBoundingClientRect().bottom])",
    )
    assert all(size >= 180 for kind, size, _ in sizes if kind == "call-number")
    assert all(size >= 100 for kind, size, _ in sizes if kind == "name")
    assert max(bottom for _, _, bottom in sizes) <= 1080
