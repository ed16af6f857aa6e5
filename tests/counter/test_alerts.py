"""Staff alerts end to end in Chromium: a visitor presses 職員を呼ぶ at the kiosk, the banner
comes up on every console of the site with where, what and how long ago (and a ring), one
member of staff takes it, it leaves every console, and the kiosk tells the visitor that
someone is coming."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.a11y.axe import audit
from tests.counter.conftest import DESKTOP, OpenConsole
from tests.counter.console_page import ConsolePage
from tests.harness import ServerProcess, token
from tests.kiosk.conftest import PORTRAIT
from tests.kiosk.kiosk_page import KioskPage

from .console_page import ui

KIOSK_WORDS = json.loads(
    (Path(__file__).resolve().parents[2] / "kiosk" / "i18n" / "ja.json").read_text("utf-8")
)


# bypass_csp: the pages' policy would refuse the test's axe-core script (tests/a11y).
@pytest.fixture
def kiosk(browser: Browser, server: ServerProcess) -> Iterator[KioskPage]:
    context = browser.new_context(
        viewport=PORTRAIT,
        has_touch=True,
        locale="ja-JP",
        service_workers="block",
        bypass_csp=True,
    )
    yield KioskPage(context.new_page(), server, "a")
    context.close()


@pytest.fixture
def audited_console(browser: Browser, server: ServerProcess) -> Iterator[ConsolePage]:
    """sato at counter 1 of site "a", in a context where axe-core may be injected."""
    context = browser.new_context(
        viewport=DESKTOP, locale="ja-JP", service_workers="block", bypass_csp=True
    )
    console = ConsolePage(context.new_page(), server).open()
    console.log_in("sato")
    console.choose("a-c1")
    yield console
    context.close()


def test_kiosk_call_rings_on_every_console_is_taken_once_and_the_kiosk_hears(
    open_console: OpenConsole, audited_console: ConsolePage, kiosk: KioskPage
) -> None:
    sato = audited_console
    suzuki = open_console("suzuki", "a-c2")
    kiosk.open()
    kiosk.wait_for("start")

    kiosk.page.locator("#call-staff").click()
    expect(kiosk.page.locator("#message-text")).to_have_text(KIOSK_WORDS["ui"]["staff_called"])

    for console in (sato, suzuki):
        banner = console.page.locator("#alerts")
        expect(banner).to_be_visible()
        item = banner.locator('.alert-item[data-kind="call_staff"]')
        expect(item).to_have_count(1)
        expect(item.locator(".alert-kind")).to_have_text(ui("alerts.kind.call_staff"))
        expect(item.locator(".alert-place")).to_have_text("発券機")
        expect(item.locator(".alert-age")).to_have_text(ui("alerts.age_now"))
        expect(banner).to_have_attribute("data-rang", "1")  # it rang, once
        expect(console.page.locator("#alerts-news")).to_contain_text("発券機")

    checked = audit(sato.page, "console with a staff alert")
    assert checked.violations == [], checked.details()

    sato.page.get_by_role("button", name=ui("alerts.take")).click()

    sato.expect_ack(ui("alerts.taken", where="発券機"))
    for console in (sato, suzuki):
        expect(console.page.locator("#alerts")).to_be_hidden()
    expect(kiosk.page.locator("#message-text")).to_have_text(KIOSK_WORDS["ui"]["staff_coming"])
    expect(kiosk.page.locator("#dialog-message")).to_be_visible()
    checked = audit(kiosk.page, "kiosk told staff are coming")
    assert checked.violations == [], checked.details()


def test_alerts_go_to_the_reception_counter_until_they_escalate_to_every_console(
    open_console: OpenConsole, server: ServerProcess
) -> None:
    reception = open_console("kanri", query="?site=b&counter=b-c1")
    other = open_console("kanri", query="?site=b&counter=b-c2")
    for console in (reception, other):
        console.wait_live()

    raised = server.request(
        "POST",
        "/api/sites/b/alerts",
        token("b", "kiosk"),
        {"kind": "call_staff"},
        key=uuid.uuid4().hex,
    )
    assert raised.status == 202, raised.body

    banner = reception.page.locator("#alerts")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-escalated", "0")
    expect(other.page.locator("#alerts")).to_be_hidden()  # not a reception counter
    # After the site's 5 s nobody has taken it: every console, in red, louder.
    for console in (reception, other):
        shown = console.page.locator("#alerts")
        expect(shown).to_have_attribute("data-escalated", "1", timeout=30000)
        expect(shown.locator(".alert-late")).to_have_text(ui("alerts.escalated"))
    other.page.get_by_role("button", name=ui("alerts.take")).click()
    for console in (reception, other):
        expect(console.page.locator("#alerts")).to_be_hidden()
