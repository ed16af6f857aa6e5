"""The phone page follows its ticket live over Socket.IO (/phone), and only its ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, ViewportSize, WebSocket

from tests.harness import ServerProcess
from tests.phone.conftest import WAIT, BrowserThread, PhoneClient

PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}


def called(view: dict[str, Any]) -> bool:
    return view["status"] == "called"


def test_a_phone_hears_the_queue_move_and_its_own_call_in_its_language(
    server: ServerProcess, site: str, phone: Callable[[str], PhoneClient]
) -> None:
    first = server.issue(site, ["welfare"]).body
    mine = server.issue(site, ["welfare"], language="en").body
    first_phone, my_phone = phone(first["public_token"]), phone(mine["public_token"])
    assert my_phone.wait_for(lambda v: True)["ahead"] == 1

    assert server.call_next(site, "c3", staff="staff3").status == 200  # calls the first

    view = first_phone.wait_for(called)
    assert view["message"] == "呼ばれました: 3番窓口へお越しください"
    assert view["counter_number"] == 3
    assert my_phone.wait_for(lambda v: v["ahead"] == 0)["status"] == "waiting"

    for action, body in (("start", {}), ("finish", {"outcome": "consult_only"})):
        assert server.act(site, first["id"], action, body, staff="staff3").status == 200
    assert server.call_next(site, "c3", staff="staff3").status == 200

    view = my_phone.wait_for(called)
    assert view["message"] == "It is your turn: please go to Counter 3"
    assert view["counter_number"] == 3
    assert {v["label"] for v in my_phone.views} == {mine["label"]}
    assert {v["label"] for v in first_phone.views} == {first["label"]}
    assert first_phone.wait_for(lambda v: v["status"] == "done")["message"] == (
        "受付は終了しました"
    )


def test_a_phone_with_an_unknown_token_is_refused(server: ServerProcess) -> None:
    client = PhoneClient(server.url, "no-such-ticket-token-00000")
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect()
    finally:
        client.close()
    assert client.refusals == [{"message": "unknown_ticket"}]
    assert client.views == []


def test_the_page_in_a_phone_browser_shows_the_call_live(
    server: ServerProcess, site: str, phone_browser: BrowserThread
) -> None:
    ticket = server.issue(site, ["job"]).body
    url = f"{server.url}/t/{ticket['public_token']}"

    def scenario(browser: Browser) -> tuple[str, str, str]:
        context = browser.new_context(
            viewport=PHONE_VIEWPORT,
            is_mobile=True,
            has_touch=True,
            locale="ja-JP",
            service_workers="block",
        )
        try:
            page = context.new_page()
            frames: list[str] = []

            def follow(socket: WebSocket) -> None:
                socket.on("framereceived", lambda frame: frames.append(str(frame)))

            page.on("websocket", follow)
            page.goto(url)
            message = page.locator("#message")
            before = message.inner_text()
            # Call only once the page follows its ticket: the change must come live.
            for _ in range(int(WAIT / 0.05)):
                if any('"status"' in frame for frame in frames):
                    break
                page.wait_for_timeout(50)
            assert any('"status"' in frame for frame in frames), frames
            reply = server.call_next(site, "c1")
            assert reply.status == 200 and reply.body["ticket"]["id"] == ticket["id"]
            page.wait_for_function(
                "() => document.getElementById('message').textContent.includes('呼ばれました')",
                timeout=WAIT * 1000,
            )
            return before, message.inner_text(), page.url
        finally:
            context.close()

    before, after, address = phone_browser.run(scenario)
    assert before == "お待ちください"
    assert after == "呼ばれました: 1番窓口へお越しください"
    assert address == url  # no reload, no navigation: the page changed by itself
