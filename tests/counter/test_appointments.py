"""Appointments at the console, in Chromium: staff book a slot for a visitor (the code and its
QR shown once), check the visitor in by the code, and the queue marks the ticket with its
slot; a wrong code is explained in Japanese."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.counter.conftest import OpenConsole
from tests.counter.console_page import error, ui
from tests.harness import ADMIN, ServerProcess, token

SITE_TZ = ZoneInfo("Asia/Tokyo")


def next_morning(server: ServerProcess) -> None:
    """The server's (simulated) clock moved on to 10:00 the next day at the site. The test
    site is open round the clock with 30-minute slots, so from 23:00 a day has no slot left
    to book; at 10:00 it has. The console follows the server's clock, not its own."""
    now = server.request("POST", "/api/clock", ADMIN, {"advance_seconds": 0}).body["now"]
    day = datetime.fromisoformat(now).astimezone(SITE_TZ).date() + timedelta(days=1)
    morning = datetime.combine(day, time(10), SITE_TZ).isoformat()
    assert server.request("POST", "/api/clock", ADMIN, {"set": morning}).status == 200


def test_staff_book_then_check_in_from_the_console(
    open_console: OpenConsole, server: ServerProcess
) -> None:
    next_morning(server)
    console = open_console("sato", "a-c2")
    page = console.page
    page.locator("#appointments").wait_for(state="visible")
    page.locator("#appt-booking summary").click()
    assert page.locator("#appt-contact").is_hidden()  # no mail server: no address asked for
    page.locator("#appt-slot option[value*='T']").first.wait_for(state="attached")
    slot = page.locator("#appt-slot").input_value()
    page.locator("#appt-book button[type=submit]").click()
    page.locator("#appt-qr").wait_for(state="visible")
    result = page.locator("#appt-result").inner_text()
    code = result.split("予約番号 ")[1][:11]
    assert result == ui("appt.booked", code=code, slot=f"{slot[:10]} {slot[11:16]}")
    listed = console.server.request(
        "GET", f"/api/sites/a/appointments?day={slot[:10]}", token("a", "staff1")).body
    assert [b["created_by"] for b in listed["appointments"]
            if b["slot_at"][:16] == slot[:16]] == ["sato"]

    page.locator("#appt-code").fill("ZZZZZ-ZZZZZ")
    page.locator("#appt-checkin button").click()
    page.locator("#appt-result", has_text=error("unknown_booking")).wait_for()

    page.locator("#appt-code").fill(code.lower())
    page.locator("#appt-checkin button").click()
    mark = ui("appt.mark", time=slot[11:16])
    page.locator("#appt-result", has_text=mark).wait_for()
    page.locator(".q-row .q-appt", has_text=mark).wait_for()
