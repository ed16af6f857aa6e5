"""Booking, changing, cancelling and checking in over the API, and bad input refused with its
code and nothing written. One app in the test process for the module, on a simulated clock
set to a Monday morning; each test uses its own site or its own slots."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.appclient import Initialised, InProcessApp
from tests.harness import ADMIN, Reply, token

MONDAY = "2026-12-07T09:00:00+09:00"
SITES = ("s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, initialised: Initialised) -> Iterator[
        InProcessApp]:
    # A mail server is named (never reached: no reminder round runs in the test process), so
    # that bookings keep a contact for their reminder.
    made = InProcessApp(tmp_path_factory.mktemp("bookings"), initialised(SITES),
                        clock="simulated", smtp_host="127.0.0.1", mail_from="m@city.example.jp")
    set_clock(made, MONDAY)
    yield made
    made.close()


def set_clock(app: InProcessApp, moment: str) -> None:
    assert app.request("POST", "/api/clock", ADMIN, {"set": moment}).status == 200


def book(app: InProcessApp, site: str, slot: str, services: list[str] | None = None,
         staff: bool = True, contact: str | None = None) -> Reply:
    body: dict[str, Any] = {"services": services or ["career"], "slot": slot}
    if contact:
        body["contact"] = contact
    if staff:
        return app.request("POST", f"/api/sites/{site}/appointments", token(site, "staff1"),
                           body)
    return app.request("POST", f"/api/public/sites/{site}/appointments", json=body)


def check_in(app: InProcessApp, site: str, code: str, device: str = "kiosk") -> Reply:
    return app.request("POST", f"/api/sites/{site}/appointments/check-in",
                       token(site, device), {"code": code}, key=uuid.uuid4().hex)


def day_list(app: InProcessApp, site: str, day: str = "2026-12-07") -> list[dict[str, Any]]:
    reply = app.request("GET", f"/api/sites/{site}/appointments?day={day}",
                        token(site, "staff1"))
    assert reply.status == 200
    return reply.body["appointments"]  # type: ignore[no-any-return]


def test_staff_book_a_slot_and_get_a_code_and_a_qr(app: InProcessApp) -> None:
    reply = book(app, "s01", "2026-12-07T10:30:00+09:00", contact="visitor@example.jp")
    assert reply.status == 201, reply.body
    code = reply.body["code"]
    assert len(code) == 11 and code[5] == "-"
    assert reply.body["slot_at"] == "2026-12-07T10:30:00+09:00"
    assert reply.body["manage_url"].endswith(code.replace("-", ""))
    assert reply.body["qr_svg_url"] == f"/b/{code.replace('-', '')}/qr.svg"
    listed = day_list(app, "s01")
    assert [(b["slot_at"], b["status"], b["contact_given"]) for b in listed] == [
        ("2026-12-07T10:30:00+09:00", "booked", True)]
    seen = app.request("GET", f"/api/appointments/{code}")
    assert seen.status == 200
    assert seen.body["status"] == "booked" and "contact_given" not in seen.body


def test_a_slot_takes_per_slot_visitors_then_refuses(app: InProcessApp) -> None:
    slot = "2026-12-07T11:00:00+09:00"
    assert book(app, "s02", slot).status == 201
    assert book(app, "s02", slot, staff=False).status == 201
    full = book(app, "s02", slot)
    assert (full.status, full.error) == (409, "slot_full")
    assert len(day_list(app, "s02")) == 2
    slots = app.request("GET", "/api/public/sites/s02/appointments/slots?service=career"
                        "&day=2026-12-07").body["slots"]
    assert "2026-12-07T11:00+09:00" not in [s["at"] for s in slots]
    assert {"at": "2026-12-07T11:30+09:00", "free": 2} in slots
    assert all(set(s) == {"at", "free"} for s in slots)  # free places only, never who


def test_change_and_cancel_with_the_code(app: InProcessApp) -> None:
    code = book(app, "s03", "2026-12-07T13:00:00+09:00").body["code"]
    moved = app.request("POST", f"/api/appointments/{code}/change",
                        json={"slot": "2026-12-07T14:00:00+09:00"})
    assert moved.status == 200 and moved.body["slot_at"] == "2026-12-07T14:00:00+09:00"
    # the old slot's place is free again: two others fit there
    assert book(app, "s03", "2026-12-07T13:00:00+09:00").status == 201
    assert book(app, "s03", "2026-12-07T13:00:00+09:00").status == 201
    assert app.request("POST", f"/api/appointments/{code}/cancel", json={}).status == 200
    again = app.request("POST", f"/api/appointments/{code}/cancel", json={})
    assert (again.status, again.error) == (409, "booking_expired")
    assert check_in(app, "s03", code).error == "booking_expired"
    statuses = sorted(b["status"] for b in day_list(app, "s03"))
    assert statuses == ["booked", "booked", "cancelled"]


@pytest.mark.parametrize(("slot", "services", "status", "error"), [
    ("2026-12-07T08:30:00+09:00", ["career"], 409, "slot_past"),
    ("2026-12-07T10:10:00+09:00", ["career"], 422, "invalid_slot"),
    ("2027-02-01T10:00:00+09:00", ["career"], 409, "slot_too_far"),
    ("2026-12-07T10:00:00+09:00", ["job"], 409, "not_bookable"),
    ("2026-12-07T10:00:00+09:00", ["astrology"], 404, "unknown_service"),
    ("not a time", ["career"], 422, "invalid_field"),
])
def test_bad_bookings_are_refused_and_write_nothing(
        app: InProcessApp, slot: str, services: list[str], status: int, error: str) -> None:
    reply = book(app, "s04", slot, services)
    assert (reply.status, reply.error) == (status, error)
    assert day_list(app, "s04") == []


def test_a_contact_that_is_not_one_address_is_refused(app: InProcessApp) -> None:
    for contact, code in (("not-an-address", "email_invalid"),
                          ("a@b.jp\nBcc: x@y.jp", "email_invalid"),
                          ("x" * 70 + "@example.jp", "email_too_long")):
        reply = app.request("POST", "/api/sites/s04/appointments", token("s04", "staff1"),
                            {"services": ["career"], "slot": "2026-12-07T10:00:00+09:00",
                             "contact": contact})
        assert (reply.status, reply.error) == (422, code)
    assert day_list(app, "s04") == []


def test_sensitive_desks_are_never_booked_publicly(app: InProcessApp) -> None:
    desks = app.request("GET", "/api/public/sites/s05/appointments").body["desks"]
    assert [d["id"] for d in desks] == ["career"]
    public = book(app, "s05", "2026-12-07T10:00:00+09:00", ["welfare"], staff=False)
    assert (public.status, public.error) == (409, "not_bookable")
    slots = app.request("GET", "/api/public/sites/s05/appointments/slots?service=welfare")
    assert (slots.status, slots.error) == (409, "not_bookable")
    staff = book(app, "s05", "2026-12-07T10:00:00+09:00", ["welfare"])
    assert staff.status == 201
    shown = app.request("GET", f"/api/appointments/{staff.body['code']}").body
    assert shown["services"] == [{"id": "welfare", "label": "相談窓口"}]


def test_check_in_at_the_kiosk_gives_a_ticket_marked_with_its_slot(app: InProcessApp) -> None:
    code = book(app, "s06", "2026-12-07T09:30:00+09:00", contact="v@example.jp").body["code"]
    reply = check_in(app, "s06", code.lower())  # typed in lower case, with its hyphen
    assert reply.status == 201, reply.body
    assert reply.body["arrival"] == "early"
    assert reply.body["appointment"] == {"slot_at": "2026-12-07T09:30:00+09:00", "kept": True}
    ticket_id = reply.body["id"]
    twice = check_in(app, "s06", code)
    assert (twice.status, twice.error) == (409, "already_checked_in")
    queues = app.request("GET", "/api/sites/s06/queues", token("s06", "staff1")).body
    career = next(q for q in queues["queues"] if q["service"] == "career")
    assert [(t["id"], t["slot_at"]) for t in career["waiting"]] == [
        (ticket_id, "2026-12-07T09:30:00+09:00")]
    [booked] = day_list(app, "s06")
    assert booked["status"] == "checked_in" and booked["ticket"] == ticket_id
    assert booked["contact_given"] is False  # the contact goes once the visitor is here


def test_codes_of_another_site_unknown_codes_and_brute_force(app: InProcessApp) -> None:
    code = book(app, "s07", "2026-12-07T10:00:00+09:00").body["code"]
    other = check_in(app, "s08", code)
    assert (other.status, other.error) == (409, "booking_other_site")
    assert day_list(app, "s07")[0]["status"] == "booked"
    for attempt in range(9):
        miss = check_in(app, "s08", f"ABCDE-FGH{attempt + 2}K")
        assert (miss.status, miss.error) == (404, "unknown_booking")
    locked = check_in(app, "s08", "ABCDE-FGHJ9")
    assert (locked.status, locked.error) == (429, "too_many_attempts")
    still = check_in(app, "s08", code)  # even a right code waits out the lock
    assert still.status == 429
    assert check_in(app, "s07", code).status == 201  # another client is not locked out


def test_a_counters_calendar_feed_is_secret_read_only_and_names_no_sensitive_desk(
        app: InProcessApp) -> None:
    book(app, "s08", "2026-12-07T16:00:00+09:00")
    book(app, "s08", "2026-12-07T16:00:00+09:00", ["welfare"])
    addresses = {}
    for counter in ("s08-c2", "s08-c3"):
        reply = app.request("GET", f"/api/sites/s08/appointments/calendar?counter={counter}",
                            token("s08", "staff1"))
        assert reply.status == 200
        addresses[counter] = reply.body["url"].removeprefix(app.url)
    career = app.request("GET", addresses["s08-c2"])
    assert career.status == 200
    assert "BEGIN:VCALENDAR" in career.body and career.body.count("BEGIN:VEVENT") == 1
    assert "DTSTART:20261207T070000Z" in career.body
    assert "SUMMARY:予約 キャリア・カウンセリング" in career.body
    welfare = app.request("GET", addresses["s08-c3"]).body
    assert "SUMMARY:予約 相談" in welfare and "生活" not in welfare
    other = app.request("GET", "/api/sites/s08/appointments/calendar?counter=s08-c2",
                        token("s08", "staff2")).body["url"].removeprefix(app.url)
    assert other != addresses["s08-c2"]  # one address per member of staff
    forged = addresses["s08-c2"][:-8] + "00000000.ics"
    assert app.request("GET", forged).status == 404
    assert app.request("POST", addresses["s08-c2"]).status == 405
