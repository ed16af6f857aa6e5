"""The public booking pages in Chromium: a visitor books, sees the code and its QR, opens the
booking's page, moves it and cancels it; and axe-core finds no WCAG 2.2 A/AA violation on any
of them. A site that takes no public bookings says so."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.a11y.axe import audit
from tests.appointments.conftest import MONDAY_0900, at
from tests.harness import ServerProcess, token


def violations(page: Page, name: str = "booking page") -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now (tests/a11y's harness)."""
    found = audit(page, name)
    print(found.summary())
    return found.violations


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # bypass_csp: the page's own policy would refuse the test's axe-core script
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="ja-JP",
                                  bypass_csp=True)
    yield context.new_page()
    context.close()


def test_a_visitor_books_moves_and_cancels_on_accessible_pages(
        page: Page, clinic: ServerProcess) -> None:
    at(clinic, MONDAY_0900)
    page.goto(f"{clinic.url}/book/ke")
    page.locator("#slots .slots label").first.wait_for()
    assert violations(page) == []
    assert page.locator("#desks input").count() == 1  # the sensitive desk is not offered
    page.locator("#slots input[value='2026-12-07T13:30+09:00']").check()
    assert page.locator("#contact-row").is_hidden()  # no mail server: no address asked for
    page.locator("#submit").click()
    page.locator("#done").wait_for(state="visible")
    code = page.locator("#code").inner_text()
    assert len(code) == 11
    # The QR code is an image fetched once the booking is shown: wait for it to load (under
    # load it had not always arrived by the time the code was read).
    page.wait_for_function(
        "() => { const img = document.querySelector('#qr');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    assert violations(page) == []

    page.locator("#manage").click()
    page.locator("#change #slots .slots label").first.wait_for()
    assert page.locator("#slot-at").inner_text() == "2026-12-07 13:30"
    assert violations(page) == []
    page.locator("#change input[value='2026-12-07T15:00+09:00']").check()
    page.locator("#change button[type=submit]").click()
    page.locator("#slot-at", has_text="15:00").wait_for()
    listed = clinic.request("GET", "/api/sites/ke/appointments", token("ke", "staff1")).body
    mine = [b for b in listed["appointments"] if b["created_by"] == "public"]
    assert [(b["slot_at"], b["status"]) for b in mine] == [
        ("2026-12-07T15:00:00+09:00", "booked")]

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#cancel").click()
    page.locator("#status", has_text="取り消しました").wait_for()
    gone = clinic.request("GET", f"/api/appointments/{code}")
    assert gone.body["status"] == "cancelled"


def test_an_unknown_code_and_a_staff_only_site_are_plain_pages(
        page: Page, clinic: ServerProcess) -> None:
    page.goto(f"{clinic.url}/b/ZZZZZZZZZZ")
    assert "この予約番号の予約はありません" in page.locator("main").inner_text()
    assert violations(page) == []
    answer = page.goto(f"{clinic.url}/book/kd")
    assert answer is not None and answer.status == 404
    assert "お電話か窓口" in page.locator("main").inner_text()
    assert violations(page) == []
    welfare = clinic.request("POST", "/api/sites/ka/appointments", token("ka", "staff1"),
                             {"services": ["welfare"], "slot": "2026-12-07T14:00:00+09:00"},
                             key=uuid.uuid4().hex)
    page.goto(f"{clinic.url}/b/{welfare.body['code']}")
    text = page.locator("main").inner_text()
    assert "相談窓口" in text and "生活・福祉" not in text
    assert violations(page) == []
