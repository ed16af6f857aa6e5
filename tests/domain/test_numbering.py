"""Ticket numbers: per band, restarting at the business day's start, never reusing a live one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from server.domain.errors import Refusal
from server.domain.model import Organisation, Service
from server.domain.numbering import BandCursor, band_key, label_for, next_number
from server.domain.site_queue import SiteQueue
from tests.domain.builders import CAREER, JOB, TOKYO, Desk, make_site

DAY = date(2026, 4, 6)
SMALL = Service("job", "職業相談", Organisation.HELLO_WORK, prefix="A", first_number=1,
                last_number=3)


def small_desk() -> Desk:
    return Desk(make_site(services=(SMALL, CAREER)))


def finish_all(desk: Desk) -> None:
    for ticket in list(desk.queue.tickets.values()):
        if ticket.live:
            desk.queue.cancel(ticket.id, desk.now)


def test_each_band_counts_on_its_own() -> None:
    desk = Desk()
    labels = [desk.issue(s).label for s in ("job", "career", "job", "housing", "career")]
    assert labels == ["1", "201", "2", "601", "202"]


def test_services_sharing_a_band_share_one_sequence() -> None:
    first = Service("job", "職業相談", Organisation.HELLO_WORK, prefix="A", last_number=99)
    second = Service("seek", "求人検索", Organisation.HELLO_WORK, prefix="A", last_number=99)
    assert band_key(first) == band_key(second) == "A:1-99"
    desk = Desk(make_site(services=(first, second, CAREER)))
    assert [desk.issue(s).label for s in ("job", "seek", "seek", "job")] == [
        "A1", "A2", "A3", "A4"]
    assert len(desk.queue.cursors) == 1


def test_a_multi_purpose_visit_is_numbered_from_its_first_desk() -> None:
    desk = Desk()
    assert desk.issue("career", "job").label == "201"
    assert desk.issue("job", "career").label == "1"


@pytest.mark.parametrize(("local", "expected"), [
    (datetime(2026, 4, 7, 3, 59, 59), date(2026, 4, 6)),
    (datetime(2026, 4, 7, 4, 0), date(2026, 4, 7)),
    (datetime(2026, 4, 7, 0, 0), date(2026, 4, 6)),
    (datetime(2026, 4, 7, 23, 59), date(2026, 4, 7)),
])
def test_the_business_day_starts_at_four_in_the_morning_tokyo_time(
    local: datetime, expected: date
) -> None:
    site = make_site()
    assert site.business_day(local.replace(tzinfo=TOKYO)) == expected
    assert site.business_day(local.replace(tzinfo=TOKYO).astimezone(UTC)) == expected


def test_the_business_day_follows_the_configured_start() -> None:
    site = make_site(day_starts_at=time(0, 0))
    assert site.business_day(datetime(2026, 4, 7, 0, 0, tzinfo=TOKYO)) == date(2026, 4, 7)
    late = make_site(day_starts_at=time(5, 30))
    assert late.business_day(datetime(2026, 4, 7, 5, 29, tzinfo=TOKYO)) == date(2026, 4, 6)
    assert late.business_day(datetime(2026, 4, 7, 5, 30, tzinfo=TOKYO)) == date(2026, 4, 7)


def test_numbering_restarts_at_the_start_of_the_business_day_not_before() -> None:
    desk = Desk()
    for _ in range(3):
        desk.issue("job")
    finish_all(desk)
    desk.clock.set(datetime(2026, 4, 7, 3, 59, tzinfo=TOKYO))
    still_monday = desk.issue("job", after=0)
    assert (still_monday.label, still_monday.business_day) == ("4", DAY)
    desk.queue.cancel(still_monday.id, desk.now)
    desk.clock.set(datetime(2026, 4, 7, 4, 0, tzinfo=TOKYO))
    tuesday = desk.issue("job", after=0)
    assert (tuesday.label, tuesday.business_day) == ("1", date(2026, 4, 7))
    assert desk.issue("job").label == "2"


def test_the_new_day_skips_numbers_still_live_from_the_day_before() -> None:
    desk = Desk()
    left_over = desk.issue("job")  # still waiting when the day turns
    done = desk.issue("job")
    desk.queue.cancel(done.id, desk.now)
    desk.clock.set(datetime(2026, 4, 7, 9, 0, tzinfo=TOKYO))
    assert [desk.issue("job").label for _ in range(3)] == ["2", "3", "4"]
    assert left_over.live and left_over.label == "1"


def test_numbers_wrap_within_the_band_and_skip_live_ones() -> None:
    desk = small_desk()
    a1, a2, a3 = (desk.issue("job") for _ in range(3))
    assert [t.label for t in (a1, a2, a3)] == ["A1", "A2", "A3"]
    desk.queue.cancel(a2.id, desk.now)
    desk.queue.cancel(a3.id, desk.now)
    # After A3 the band wraps to A1, still live, so A2.
    assert desk.issue("job").label == "A2"
    assert desk.issue("job").label == "A3"
    with pytest.raises(Refusal) as exhausted:
        desk.issue("job")
    assert exhausted.value.code == "numbers_exhausted"


def test_numbers_run_out_when_yesterdays_tickets_are_all_still_live() -> None:
    desk = small_desk()
    for _ in range(3):
        desk.issue("job")
    desk.clock.advance(timedelta(days=1))
    with pytest.raises(Refusal) as exhausted:
        desk.issue("job")
    assert exhausted.value.code == "numbers_exhausted"
    assert desk.issue("career").label == "201"  # other bands are unaffected


def test_closing_the_day_does_not_restart_numbering_within_the_same_day() -> None:
    desk = Desk()
    desk.issue("job")
    desk.queue.close_day(desk.later())
    assert desk.issue("job").label == "2"


def test_a_queue_rebuilt_from_stored_cursors_and_tickets_continues_the_numbering() -> None:
    desk = Desk()
    live = desk.issue("job")
    desk.issue("job")
    desk.queue.cancel(2, desk.now)
    rebuilt = SiteQueue(desk.site, [live, desk.queue.tickets[2]], [],
                        desk.queue.cursors.values())
    assert rebuilt.issue(3, ["job"], desk.later(), "t").label == "3"
    assert rebuilt.live_labels == {"1", "3"}


def test_the_cursor_change_records_the_business_day_and_last_number() -> None:
    desk = Desk()
    desk.queue.take_changes()
    desk.clock.set(datetime(2026, 4, 7, 2, 0, tzinfo=TOKYO))
    desk.issue("career", after=0)
    (cursor,) = desk.queue.take_changes().cursors.values()
    assert (cursor.key, cursor.day, cursor.last) == (":201-299", DAY, 201)


def test_next_number_starts_at_the_first_number_without_a_cursor_or_on_a_new_day() -> None:
    assert next_number(SMALL, None, DAY, set()) == 1
    old = BandCursor(band_key(SMALL), DAY - timedelta(days=1), 2)
    assert next_number(SMALL, old, DAY, set()) == 1
    assert next_number(SMALL, old, DAY, {"A1"}) == 2
    assert next_number(SMALL, BandCursor(band_key(SMALL), DAY, 2), DAY, set()) == 3
    assert next_number(SMALL, BandCursor(band_key(SMALL), DAY, 3), DAY, set()) == 1


def test_next_number_refuses_when_the_whole_band_is_live() -> None:
    with pytest.raises(Refusal) as exhausted:
        next_number(SMALL, None, DAY, {"A1", "A2", "A3"})
    assert exhausted.value.code == "numbers_exhausted"
    assert "1 to 3" in exhausted.value.message


def test_labels_carry_the_band_prefix() -> None:
    assert label_for(SMALL, 7) == "A7"
    assert label_for(JOB, 12) == "12"
