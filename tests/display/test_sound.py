"""A display never loses a call silently. Started as a TV starts it (Chromium without the
autoplay flag), it knows from loading that it may not play sound, says so on screen, tells
the server (the admin's device list, a staff alert), keeps the call it could not speak, and
speaks it once sound is allowed. The admin's sound test reaches it and comes back."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.a11y.axe import audit
from tests.display.conftest import FULL_HD
from tests.display.display_page import DisplayPage
from tests.harness import ADMIN, ServerProcess, token


def health(server: ServerProcess, device_id: str) -> dict[str, Any]:
    reply = server.request("GET", "/api/devices", ADMIN)
    [found] = [d for d in reply.body["devices"] if d["id"] == device_id]
    return found["health"]  # type: ignore[no-any-return]


def wait_for_health(server: ServerProcess, device_id: str, **wanted: Any) -> dict[str, Any]:
    """The server's view of the display once it says `wanted` (the display reports itself)."""
    deadline = time.monotonic() + 30
    while True:
        seen = health(server, device_id)
        if all(seen[k] == v for k, v in wanted.items()):
            return seen
        assert time.monotonic() < deadline, (wanted, seen)
        time.sleep(0.1)  # polling the server's state, not waiting for time to pass


def open_alerts(server: ServerProcess, site: str) -> list[dict[str, Any]]:
    reply = server.request("GET", f"/api/sites/{site}/alerts", token(site, "staff1"))
    return reply.body["open"]  # type: ignore[no-any-return]


@pytest.fixture
def display(browser: Browser, server: ServerProcess, site: str) -> Iterator[DisplayPage]:
    """As tests/display/conftest.py's, where axe-core may be injected (bypass_csp)."""
    context = browser.new_context(
        viewport=FULL_HD,
        device_scale_factor=1,
        locale="ja-JP",
        service_workers="block",
        bypass_csp=True,
    )
    yield DisplayPage(context.new_page(), server, site)
    context.close()


def test_a_display_without_autoplay_says_so_keeps_the_call_and_speaks_it_once_allowed(
    display: DisplayPage,
) -> None:
    server, site = display.server, display.site
    device_id = f"{site}-display"
    display.open()
    # Until the call is held, nothing may look into the page: Playwright's every look runs
    # script there as a user's gesture would, and would let the page play sound. What the
    # display says is read from the server meanwhile.
    seen = wait_for_health(server, device_id, sound="blocked", online=True)
    assert seen["last_contact"] is not None
    [silent] = [a for a in open_alerts(server, site) if a["kind"] == "display_silent"]
    assert (silent["source"], silent["where"]) == (device_id, "表示盤")

    ticket = server.issue(site, ["job"]).body
    assert server.call_next(site, "c1").status == 200
    wait_for_health(server, device_id, held_calls=1)
    banner = display.page.locator("#sound")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("音声が出せません")
    expect(display.page.locator("#calls .call-number").first).to_have_text(ticket["label"])
    checked = audit(display.page, "display that may not play sound")
    assert checked.violations == [], checked.details()

    with display.page.expect_response(lambda r: "/voice/" in r.url and r.url.endswith(".wav")):
        banner.click()  # what an installer's one touch does

    expect(banner).to_be_hidden()
    [spoken] = display.wait_for_announcements(1)
    assert (spoken["label"], spoken["error"], spoken["held"]) == (ticket["label"], None, False)
    wait_for_health(server, device_id, sound="allowed", held_calls=0)
    assert not [a for a in open_alerts(server, site) if a["kind"] == "display_silent"]

    sent = server.request(
        "POST", f"/api/devices/{device_id}/sound-test", ADMIN, {}, key=uuid.uuid4().hex
    )
    assert sent.status == 202, sent.body
    assert wait_for_health(server, device_id, sound_test="played")["sound_test_at"]
