"""A display says plainly when it has lost the server, comes back by itself, and catches up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route

from tests.display.conftest import open_display_page
from tests.display.display_page import DisplayPage
from tests.harness import ServerProcess

SOCKET = "**/socket.io/**"


@pytest.fixture
def away(browser: Browser, fresh_server: ServerProcess) -> Iterator[DisplayPage]:
    """A display of site 'a' on a server of its own, which the test may kill and restart."""
    fresh_server.start()
    yield from open_display_page(browser, fresh_server, "a")


def refuse(route: Route) -> None:
    route.abort()


def test_the_display_survives_a_restart_and_shows_the_calls_made_while_it_was_away(
    away: DisplayPage,
) -> None:
    server = away.server
    labels = [str(server.issue("a", ["job"]).body["label"]) for _ in range(3)]
    away.open().wait_for("room")
    away.wait_until_live()
    first = server.call_next("a", "c1")
    away.wait_for_call(labels[0], "1番窓口")
    banner = away.page.locator("#offline")
    assert banner.is_hidden()

    server.kill()
    banner.wait_for(state="visible")
    assert "接続が切れています。再接続しています…" in str(banner.text_content())
    assert away.calls() == [(labels[0], "1番窓口")]  # the last state stays on screen
    # Keep the display away until the calls are made, however fast the server starts.
    away.page.route(SOCKET, refuse)
    server.start()
    ticket = first.body["ticket"]["id"]
    assert server.act("a", ticket, "start").status == 200
    assert server.call_next("a", "c2", staff="staff2").status == 200
    away.page.unroute(SOCKET, refuse)

    away.wait_for_call(labels[1], "2番窓口")
    banner.wait_for(state="hidden")
    assert away.calls() == [(labels[1], "2番窓口")]
    assert away.recent() == [(labels[0], "1番窓口")]
    # The missed call was recent, so it is spoken too; the first one once, not twice (if the
    # server died while the display was fetching its audio, it is fetched again).
    spoken = away.wait_for_announcements(2)
    assert [(a["label"], a["error"]) for a in spoken] == [(labels[0], None), (labels[1], None)]
