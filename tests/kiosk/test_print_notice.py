"""The kiosk when no paper comes out, and when a visitor asks for help or calls staff.

The kiosk here prints on a fake network printer that refuses every connection, so the server
pushes "print" failed for each ticket: the kiosk must say so, keep the number (and its QR
code) up for longer, and staff must be able to come.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.fakes.fake_printer import FakePrinter
from tests.harness import ServerProcess, eventually, token
from tests.kiosk.conftest import PORTRAIT, open_kiosk_page
from tests.kiosk.kiosk_page import KioskPage, strings

SITE = "kdown"


@pytest.fixture(scope="module")
def down_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose one kiosk prints on a printer that is down."""
    with FakePrinter() as fake:
        fake.set(mode="refuse")
        proc = ServerProcess(
            Path(tmp_path_factory.mktemp("kdown")), [SITE], printers={SITE: fake.url}
        )
        proc.init()
        proc.start()
        try:
            yield proc
        finally:
            proc.kill()  # nothing to keep: a clean shutdown would only cost time
        assert fake.jobs == []


@pytest.fixture
def kiosk(browser: Browser, down_server: ServerProcess) -> Iterator[KioskPage]:
    yield from open_kiosk_page(browser, down_server, SITE, PORTRAIT)


def alerts(server: ServerProcess) -> list[dict[str, Any]]:
    reply = server.request("GET", f"/api/sites/{SITE}/events?limit=5000", token(SITE, "staff1"))
    assert reply.status == 200, reply.body
    return [e for e in reply.body["events"] if e["kind"] == "staff_alert"]


def test_no_paper_is_said_on_screen_and_the_number_stays_up_longer(kiosk: KioskPage) -> None:
    kiosk.page.clock.install()
    kiosk.open()
    kiosk.choose("job")
    number = kiosk.take_number()

    notice = kiosk.page.locator("#ticket-print")
    notice.filter(has_text=strings("ja")["ticket.print_failed"]).wait_for(state="visible")
    assert kiosk.page.locator("#ticket-qr-box").is_visible()
    assert kiosk.text_of("#ticket-number") == number
    kiosk.idle(20)  # past the usual 15 s
    assert kiosk.screen() == "ticket"
    assert kiosk.text_of("#ticket-number") == number
    kiosk.idle(45)
    kiosk.wait_for("start")
    # The kiosk heard of the failure first; the alert is stored just after (printing.py).
    [alert] = eventually(
        lambda: [a for a in alerts(kiosk.server) if a["data"]["label"] == number])
    assert alert["data"]["alert"] == "printer_failed"


def test_the_failed_notice_is_in_the_visitors_language(kiosk: KioskPage) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.language("en")
    kiosk.choose("job")
    kiosk.take_number()
    notice = kiosk.page.locator("#ticket-print")
    notice.filter(has_text=strings("en")["ticket.print_failed"]).wait_for(state="visible")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_need_help_alerts_staff_with_the_number_and_never_says_priority(
    kiosk: KioskPage, language: str
) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    if language != "ja":
        kiosk.language(language)
    kiosk.choose("job")
    kiosk.page.locator("#need-help").click()
    assert kiosk.page.locator("#need-help").get_attribute("aria-pressed") == "true"
    with kiosk.page.expect_response(lambda r: "/alerts" in r.url) as answer:
        number = kiosk.take_number()
    assert answer.value.status == 202
    help_note = kiosk.page.locator("#ticket-help")
    assert help_note.inner_text().strip() == strings(language)["staff_called"]

    [ticket] = [t for t in kiosk.waiting() if t["label"] == number]
    assert ticket["priority"] is True
    [alert] = [
        a
        for a in alerts(kiosk.server)
        if a["data"]["alert"] == "need_help" and a["ticket"] == ticket["id"]
    ]
    assert (alert["data"]["label"], alert["staff"]) == (number, f"{SITE}-kiosk")
    shown = kiosk.visible_text()
    assert "優先" not in shown
    assert "priority" not in shown.lower()


def test_call_staff_alerts_staff_once_and_tells_the_visitor(kiosk: KioskPage) -> None:
    sent: list[str] = []
    kiosk.page.on("request", lambda r: sent.append(r.url) if "/alerts" in r.url else None)
    kiosk.open()
    kiosk.wait_for("start")
    with kiosk.page.expect_response(lambda r: "/alerts" in r.url) as answer:
        kiosk.page.locator("#call-staff").click()
    assert answer.value.status == 202
    kiosk.page.locator("#message-text").filter(has_text=strings("ja")["staff_called"]).wait_for(
        state="visible"
    )
    kiosk.page.locator("#message-ok").click()
    kiosk.page.locator("#call-staff").click()  # a second tap soon after calls nobody new
    kiosk.page.locator("#message-text").wait_for(state="visible")
    kiosk.page.locator("#message-ok").click()
    kiosk.choose("job")
    kiosk.take_number()  # a later request: any second alert would have been sent before it

    assert len(sent) == 1
    [alert] = [a for a in alerts(kiosk.server) if a["data"]["alert"] == "call_staff"]
    assert (alert["staff"], alert["ticket"]) == (f"{SITE}-kiosk", None)
