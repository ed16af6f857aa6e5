"""The public crowding pages in Chromium: zero axe-core violations (WCAG 2.2 A/AA, as JIS X
8341-3 AA asks) in Japanese, やさしい日本語 and English, the poster too; and the page updates
itself when the queue moves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.harness import ServerProcess

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG22 = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now (rule id and nodes)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))",
        WCAG22,
    )
    return found


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # bypass_csp: the page's own policy would refuse the test's axe-core script
    context = browser.new_context(
        viewport={"width": 412, "height": 915}, locale="ja-JP", bypass_csp=True
    )
    yield context.new_page()
    context.close()


def test_the_public_pages_have_no_accessibility_violations_in_three_languages(
    page: Page, server: ServerProcess, site: str
) -> None:
    for services in (["job"], ["career"], ["welfare"]):
        assert server.issue(site, services).status == 201
    server.call_next(site, "c1")
    for lang in ("ja", "ja-easy", "en"):
        for path in ("/status/", f"/status/{site}", f"/status/{site}/poster"):
            page.goto(f"{server.url}{path}?lang={lang}")
            found = violations(page)
            assert found == [], f"{path}?lang={lang}: {found}"
        assert page.evaluate("() => document.documentElement.lang") == (
            "en" if lang == "en" else "ja"
        )


def test_the_site_page_updates_itself_when_the_queue_moves(
    page: Page, server: ServerProcess, site: str
) -> None:
    page.goto(f"{server.url}/status/{site}?every=2")
    waiting = page.locator('tr[data-desk="job"] .waiting')
    assert waiting.inner_text() == "0人"
    page.wait_for_function(
        "() => document.getElementById('status').dataset.updated", timeout=30_000
    )  # the script runs and has polled once
    assert server.issue(site, ["job"]).status == 201
    page.wait_for_function(
        "() => document.querySelector('tr[data-desk=\"job\"] .waiting').textContent === '1人'",
        timeout=30_000,
    )
    called = server.call_next(site, "c1").body["ticket"]
    page.locator("#recent li", has_text=f"{called['label']}番 → 1番窓口").wait_for(timeout=30_000)


def test_easy_japanese_keeps_its_words_whole_on_narrow_phones(
    page: Page, server: ServerProcess, site: str
) -> None:
    """The desks and sentences in やさしい日本語 carry readings; at 320 to 240 px with text at
    150 %, no word is broken across lines (nor a kanji parted from its reading), and no desk
    name leaves a character alone on a line."""
    from tests.kiosk.test_wrapping import LONELY, SPLIT_WORDS

    for path in (f"/status/{site}",):
        page.goto(f"{server.url}{path}?lang=ja-easy")
        assert page.locator(".word ruby").count() > 0, path
        for width in (320, 280, 240):
            page.set_viewport_size({"width": width, "height": 800})
            page.evaluate("document.documentElement.style.fontSize = '150%'")
            assert page.evaluate(SPLIT_WORDS) == [], (path, width)
            assert page.evaluate(LONELY, "tr[data-desk] th") == [], (path, width)
