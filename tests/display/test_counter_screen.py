"""The small screen above one window: that counter's number, nothing else, and no sound."""

from __future__ import annotations

from tests.display.conftest import COUNTER_SCREEN
from tests.display.display_page import DisplayPage


def test_the_counter_screen_shows_only_its_own_counters_number(display: DisplayPage) -> None:
    display.page.set_viewport_size(COUNTER_SCREEN)
    display.open(device="display-c1").wait_for("counter")
    display.wait_until_live()
    number = display.page.locator("#counter-number")
    assert display.page.locator("#counter-name").text_content() == "1番窓口"
    assert number.text_content() == "—"

    server, site = display.server, display.site
    elsewhere = str(server.issue(site, ["job"]).body["label"])
    mine = str(server.issue(site, ["job"]).body["label"])
    assert server.call_next(site, "c2", staff="staff2").status == 200  # takes `elsewhere`
    called = server.call_next(site, "c1")
    assert called.body["ticket"]["label"] == mine
    display.page.wait_for_function(
        f"() => document.getElementById('counter-number').textContent === '{mine}'"
    )
    assert display.page.locator("#counter-state").text_content() == "お入りください"
    text = display.page.inner_text("body")
    assert "2番窓口" not in text and elsewhere not in text.replace("1番窓口", "")
    size = display.page.eval_on_selector(
        "#counter-number", "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 0.4 * COUNTER_SCREEN["height"]  # fills the screen

    assert server.act(site, called.body["ticket"]["id"], "start").status == 200
    display.page.wait_for_function(
        "() => document.getElementById('counter-number').textContent === '—'"
    )
    assert display.announcements() == []  # the room's display speaks; this one is silent
