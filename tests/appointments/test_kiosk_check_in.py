"""Checking in at the kiosk's 「予約の方」 in Chromium, and by staff, early and late, and a kiosk
on a closed day; then the console's call says 「予約 10:30」. One real server for the module,
on a simulated clock (a Monday morning), with a site closed today."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.appointments.conftest import MONDAY_0900, at
from tests.harness import ServerProcess, token
from tests.kiosk.conftest import PORTRAIT, open_kiosk_page
from tests.kiosk.kiosk_page import KioskPage, strings


def book(server: ServerProcess, site: str, slot: str, service: str = "career") -> str:
    reply = server.request("POST", f"/api/sites/{site}/appointments", token(site, "staff1"),
                           {"services": [service], "slot": slot}, key=uuid.uuid4().hex)
    assert reply.status == 201, reply.body
    return str(reply.body["code"])


def check_in(server: ServerProcess, site: str, code: str, device: str = "kiosk") -> Any:
    return server.request("POST", f"/api/sites/{site}/appointments/check-in",
                          token(site, device), {"code": code}, key=uuid.uuid4().hex)


@pytest.fixture
def kiosk(browser: Browser, clinic: ServerProcess) -> Iterator[KioskPage]:
    yield from open_kiosk_page(browser, clinic, "ka", PORTRAIT)


def test_typing_the_code_on_the_keypad_gives_a_ticket_for_the_slot(
        kiosk: KioskPage, clinic: ServerProcess) -> None:
    code = book(clinic, "ka", "2026-12-07T09:30:00+09:00")
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.page.locator("#appointment-open").click()
    kiosk.wait_for("appointment")
    assert kiosk.text_of("#screen-appointment h1") == strings("ja")["appointment.title"]
    for ch in code.replace("-", ""):
        kiosk.page.locator("#appointment-keys .key", has_text=ch).first.click()
    assert kiosk.page.locator("#appointment-code").input_value() == code
    kiosk.page.locator("#appointment-submit").click()
    kiosk.wait_for("ticket")
    shown = kiosk.text_of("#ticket-number")
    waiting = clinic.request("GET", "/api/sites/ka/queues", token("ka", "staff1")).body
    career = next(q for q in waiting["queues"] if q["service"] == "career")["waiting"]
    assert [t["slot_at"] for t in career if t["label"] == shown] == [
        "2026-12-07T09:30:00+09:00"]
    assert kiosk.outside == []


def test_a_qr_scanner_typing_the_address_checks_in_and_a_wrong_code_is_explained(
        kiosk: KioskPage, clinic: ServerProcess) -> None:
    code = book(clinic, "ka", "2026-12-07T10:00:00+09:00")
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.page.locator("#appointment-open").click()
    field = kiosk.page.locator("#appointment-code")
    field.fill("ZZZZZ-ZZZZZ")
    field.press("Enter")
    kiosk.page.locator("#dialog-error").wait_for(state="visible")
    assert kiosk.text_of("#error-text") == strings("ja")["error.unknown_booking"]
    kiosk.page.locator("#error-restart").click()
    kiosk.wait_for("start")
    kiosk.page.locator("#appointment-open").click()
    # A hand scanner types what the QR holds (the booking's address) and then Enter.
    field.fill(f"{clinic.url}/b/{code.replace('-', '')}")
    field.press("Enter")
    kiosk.wait_for("ticket")
    again = check_in(clinic, "ka", code)
    assert (again.status, again.error) == (409, "already_checked_in")


def test_staff_check_in_early_and_the_console_call_says_yoyaku(clinic: ServerProcess) -> None:
    code = book(clinic, "kb", "2026-12-07T10:30:00+09:00")
    walk_in = clinic.issue("kb", ["career"]).body["id"]
    early = check_in(clinic, "kb", code, device="staff2")
    assert early.status == 201 and early.body["arrival"] == "early"
    booked_id = early.body["ticket"]["id"]
    assert early.body["ticket"]["slot_at"] == "2026-12-07T10:30:00+09:00"
    # before the slot the walk-in is called; the early appointment waits for its time
    first = clinic.call_next("kb", "c2", staff="staff2")
    assert first.body["ticket"]["id"] == walk_in
    clinic.act("kb", walk_in, "finish", {"outcome": "consult_only"}, staff="staff2")
    at(clinic, "2026-12-07T10:30:00+09:00")
    clinic.issue("kb", ["career"])  # a walk-in who has hardly waited
    second = clinic.call_next("kb", "c2", staff="staff2")
    assert second.body["ticket"]["id"] == booked_id
    assert (second.body["reason_code"], second.body["reason"]) == ("appointment", "予約 10:30")
    at(clinic, MONDAY_0900)


def test_late_arrivals_follow_the_site_rule(clinic: ServerProcess) -> None:
    walk = book(clinic, "ka", "2026-12-07T11:00:00+09:00")
    keep = book(clinic, "kd", "2026-12-07T11:00:00+09:00")
    at(clinic, "2026-12-07T11:20:00+09:00")
    as_walk_in = check_in(clinic, "ka", walk)
    kept = check_in(clinic, "kd", keep)
    at(clinic, MONDAY_0900)
    assert (as_walk_in.status, as_walk_in.body["arrival"]) == (201, "late_walk_in")
    assert as_walk_in.body["appointment"]["kept"] is False
    assert (kept.status, kept.body["arrival"]) == (201, "late_kept")
    assert kept.body["appointment"]["kept"] is True
    listed = clinic.request("GET", "/api/sites/ka/appointments", token("ka", "staff1")).body
    assert [b["late"] for b in listed["appointments"] if b["ticket"] == as_walk_in.body["id"]] \
        == [True]


def test_a_kiosk_on_a_closed_day_refuses_check_in_and_booking(clinic: ServerProcess) -> None:
    # booked for a day that was open then; today is in the site's closed_dates
    refused = clinic.request("POST", "/api/sites/kc/appointments", token("kc", "staff1"),
                             {"services": ["career"], "slot": "2026-12-07T10:00:00+09:00"},
                             key=uuid.uuid4().hex)
    assert (refused.status, refused.error) == (409, "booking_day_closed")
    code = book(clinic, "kc", "2026-12-08T10:00:00+09:00")
    closed = check_in(clinic, "kc", code)
    assert (closed.status, closed.error) == (409, "site_closed")
    listed = clinic.request("GET", "/api/sites/kc/appointments?day=2026-12-08",
                            token("kc", "staff1")).body["appointments"]
    assert [b["status"] for b in listed] == ["booked"]  # nothing half-written
    private = clinic.request("GET", "/api/public/sites/kd/appointments")
    assert (private.status, private.error) == (409, "booking_not_public")


def test_the_report_shows_bookings_check_ins_lateness_no_shows_waits_and_slot_use(
        clinic: ServerProcess) -> None:
    site = "ke"
    on_time = book(clinic, site, "2026-12-07T09:30:00+09:00")
    late = book(clinic, site, "2026-12-07T10:00:00+09:00")
    book(clinic, site, "2026-12-07T10:30:00+09:00")  # nobody comes
    cancelled = book(clinic, site, "2026-12-07T11:00:00+09:00")
    clinic.request("POST", f"/api/appointments/{cancelled}/cancel", json={},
                   key=uuid.uuid4().hex)
    at(clinic, "2026-12-07T09:20:00+09:00")
    walk_in = clinic.issue(site, ["career"]).body["id"]
    at(clinic, "2026-12-07T09:30:00+09:00")
    booked_ticket = check_in(clinic, site, on_time).body["id"]
    first = clinic.call_next(site, "c2", staff="staff2").body["ticket"]["id"]
    assert first == booked_ticket
    at(clinic, "2026-12-07T09:40:00+09:00")
    clinic.act(site, first, "finish", {"outcome": "consult_only"}, staff="staff2")
    assert clinic.call_next(site, "c2", staff="staff2").body["ticket"]["id"] == walk_in
    at(clinic, "2026-12-07T10:20:00+09:00")
    assert check_in(clinic, site, late).body["arrival"] == "late_walk_in"
    at(clinic, "2026-12-08T09:00:00+09:00")  # the next day: the 10:30 booking was a no-show
    try:
        reply = clinic.request("GET", f"/api/sites/{site}/appointments/report?from=2026-12-07"
                               "&to=2026-12-07", token(site, "manager"))
        csv = clinic.request("GET", f"/api/sites/{site}/appointments/report?from=2026-12-07"
                             "&to=2026-12-07&format=csv", token(site, "manager"))
        staff = clinic.request("GET", f"/api/sites/{site}/appointments/report",
                               token(site, "staff1"))
    finally:
        at(clinic, MONDAY_0900)
    assert reply.status == 200, reply.body
    career = next(r for r in reply.body["days"] if r["service"] == "career")
    assert {k: career[k] for k in ("slots", "booked", "cancelled", "checked_in", "late",
                                   "no_show", "lateness_min", "booked_wait_min",
                                   "walk_in_wait_min")} == {
        "slots": 94, "booked": 3, "cancelled": 1, "checked_in": 2, "late": 1, "no_show": 1,
        "lateness_min": 20.0, "booked_wait_min": 0.0, "walk_in_wait_min": 20.0}
    assert career["slot_use"] == round(2 / 94, 3)  # 47 slots of 2 in a day open 0–24h
    assert csv.status == 200 and csv.body.startswith("\ufeff日,用件,予約枠")
    assert "キャリア・カウンセリング,94,3,1,2,1,1" in csv.body
    assert (staff.status, staff.error) == (403, "forbidden_role")


def test_at_a_kiosk_on_a_closed_day_the_code_is_refused_in_plain_words(
        browser: Browser, clinic: ServerProcess) -> None:
    code = book(clinic, "kc", "2026-12-08T10:00:00+09:00")
    for page in open_kiosk_page(browser, clinic, "kc", PORTRAIT):
        page.open()
        page.wait_for("start")
        page.page.locator("#appointment-open").click()
        page.page.locator("#appointment-code").fill(code)
        page.page.locator("#appointment-submit").click()
        page.page.locator("#dialog-error").wait_for(state="visible")
        assert page.text_of("#error-text") == strings("ja")["error.site_closed"]
        assert "(site_closed)" in page.text_of("#error-detail")
