"""The turn of the business day in the domain: closing one day leaves the next alone, and a
clock that goes back never starts a day again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from server.domain.clock import JumpWatch
from server.domain.events import EventKind as K
from server.domain.model import TicketStatus as S
from server.domain.site_queue import SiteQueue
from tests.domain.builders import TOKYO, Desk

AFTERNOON = datetime(2026, 4, 6, 16, 0, tzinfo=TOKYO)
NEXT_MORNING = datetime(2026, 4, 7, 4, 0, 30, tzinfo=TOKYO)


def test_closing_yesterday_leaves_todays_tickets_and_counters() -> None:
    desk = Desk(start=AFTERNOON)
    q = desk.queue
    left_over = desk.issue("job", after=0)
    left_called = desk.called("career", counter_id="c2")  # c2 left open overnight
    desk.clock.set(NEXT_MORNING)
    today = desk.called("job", counter_id="c1")
    q.set_counter("c3", "open", desk.now)
    q.take_changes()
    assert q.left_over_day(desk.now) == date(2026, 4, 6)

    assert q.close_day(desk.later(), "auto", day=date(2026, 4, 6)) == 2
    changes = q.take_changes()
    assert left_over.status is S.CANCELLED and left_called.status is S.CANCELLED
    assert today.status is S.CALLED and q.counters["c1"].ticket_id == today.id
    assert {c: s.status for c, s in q.counters.items()} == {
        "c1": "open",
        "c2": "closed",
        "c3": "open",
    }
    assert [e.kind for e in changes.events] == [
        K.CANCELLED,
        K.CANCELLED,
        K.COUNTER_CLOSED,
        K.DAY_CLOSED,
    ]
    assert changes.events[-1].data == {"closed_tickets": 2, "business_day": "2026-04-06"}
    assert q.left_over_day(desk.now) is None
    assert q.live_labels == {today.label}


def test_closing_a_day_never_closes_one_after_the_current_day() -> None:
    desk = Desk(start=NEXT_MORNING)
    today = desk.issue("job")
    assert desk.queue.close_day(desk.later(), day=date(2026, 4, 30)) == 1
    assert today.status is S.CANCELLED
    assert desk.queue.take_changes().events[-1].data["business_day"] == "2026-04-07"


def test_a_clock_set_back_across_the_days_start_does_not_start_the_day_again() -> None:
    desk = Desk(start=datetime(2026, 4, 6, 10, 0, tzinfo=TOKYO))
    q = desk.queue
    q.cancel(desk.issue("job", after=0).id, desk.now)  # number 1 of 04-06
    desk.clock.set(datetime(2026, 4, 7, 4, 0, 10, tzinfo=TOKYO))
    q.cancel(desk.issue("job", after=0).id, desk.now)  # number 1 of 04-07
    desk.clock.set(datetime(2026, 4, 7, 3, 59, 40, tzinfo=TOKYO))  # back to 04-06 by the clock
    again = desk.issue("job", after=0)
    assert (again.business_day, again.label) == (date(2026, 4, 7), "2")
    assert q.current_day(desk.now) == date(2026, 4, 7)
    # The same after a restart: the stored cursors say which day numbers were given on.
    rebuilt = SiteQueue(desk.site, [again], [], q.cursors.values())
    later = rebuilt.issue(99, ["job"], desk.now, "t99")
    assert (later.business_day, later.label) == (date(2026, 4, 7), "3")
    # A left-over of "today" by the clock is not a day to close.
    assert q.left_over_day(desk.now) is None


def test_a_clock_jump_is_noticed_against_the_time_that_passed() -> None:
    ticks = iter([0.0, 10.0, 20.0, 30.0, 31.0])
    watch = JumpWatch(follows_real_time=True, monotonic=lambda: next(ticks))
    start = datetime(2026, 4, 7, 4, 0, tzinfo=TOKYO)
    assert watch.jump(start) is None
    assert watch.jump(start + timedelta(seconds=10, milliseconds=500)) is None  # on time
    assert watch.jump(start - timedelta(seconds=30)) == timedelta(seconds=-50, milliseconds=-500)
    assert watch.jump(start + timedelta(hours=1)) == timedelta(minutes=60, seconds=20)
    assert watch.jump(start + timedelta(hours=1, seconds=1)) is None


def test_a_simulated_clock_standing_still_is_no_jump_but_going_back_is() -> None:
    watch = JumpWatch(follows_real_time=False, monotonic=iter(range(0, 1000, 100)).__next__)
    start = datetime(2026, 4, 7, 4, 0, tzinfo=TOKYO)
    assert watch.jump(start) is None
    assert watch.jump(start) is None  # stood still for 100 s: as it should
    assert watch.jump(start + timedelta(days=3)) is None  # moved on by hand
    assert watch.jump(start) == timedelta(days=-3)
