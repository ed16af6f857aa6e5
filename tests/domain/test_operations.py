"""Each operation's events and recorded changes, counters' pause and resume, and the clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.domain.clock import SimulatedClock, SystemClock
from server.domain.errors import Refusal
from server.domain.events import Event, EventKind
from server.domain.model import NoShowPolicy, TicketStatus
from server.domain.site_queue import Changes
from tests.domain.builders import OPENING, TOKYO, Desk, make_site

K = EventKind


def kinds(changes: Changes) -> list[EventKind]:
    return [e.kind for e in changes.events]


def only(changes: Changes) -> Event:
    assert len(changes.events) == 1, kinds(changes)
    return changes.events[0]


def test_issue_records_the_visit_its_number_and_the_band_cursor() -> None:
    desk = Desk()
    ticket = desk.issue("career", "job", priority=True)
    changes = desk.queue.take_changes()
    event = only(changes)
    assert (event.kind, event.ticket_id, event.stage, event.service_id) == (
        K.ISSUED, ticket.id, 0, "career")
    assert event.counter_id is None and event.at == desk.now and event.site_id == "kita"
    assert event.data == {"purposes": ["career", "job"], "label": "201", "priority": True}
    assert list(changes.tickets) == [ticket.id]
    assert [(c.day, c.last) for c in changes.cursors.values()] == [(OPENING.date(), 201)]
    assert ticket.status is TicketStatus.WAITING
    assert ticket.issued_at == ticket.rank_at == desk.now
    assert desk.queue.waiting("career") == [ticket]


def test_call_next_opens_a_closed_counter_and_records_who_was_called_where_and_why() -> None:
    desk = Desk()
    ticket = desk.issue("job")
    desk.queue.take_changes()
    choice = desk.queue.call_next("c1", desk.later(5), staff="sato")
    changes = desk.queue.take_changes()
    assert kinds(changes) == [K.COUNTER_OPENED, K.CALLED]
    opened, called = changes.events
    assert opened.counter_id == "c1" and opened.staff == "sato"
    assert opened.data == {"counter_number": 1, "counter_name": "窓口1"}
    assert (called.ticket_id, called.stage, called.counter_id, called.staff) == (
        ticket.id, 0, "c1", "sato")
    assert called.data == {
        "reason": "longest waiting in 職業相談", "reason_code": "longest_wait",
        "counter_number": 1, "counter_name": "窓口1", "area": "main", "calls": 1,
        "label": "1", "priority": False,
    }
    assert choice.ticket_id == ticket.id and choice.reason_code == "longest_wait"
    assert changes.counters["c1"].ticket_id == ticket.id
    assert changes.counters["c1"].status == "open"
    assert (ticket.status, ticket.counter_id, ticket.called_at, ticket.staff) == (
        TicketStatus.CALLED, "c1", desk.now, "sato")
    assert desk.queue.waiting("job") == []


def test_recall_counts_the_calls_and_is_stored() -> None:
    desk = Desk()
    ticket = desk.called("job")
    desk.queue.take_changes()
    desk.queue.recall(ticket.id, desk.later(2), "c1", staff="sato")
    changes = desk.queue.take_changes()
    event = only(changes)
    assert event.kind is K.RECALLED and event.data["calls"] == 2 and event.counter_id == "c1"
    assert changes.tickets[ticket.id].called_at == desk.now


def test_start_is_recorded_and_the_ticket_change_is_stored() -> None:
    desk = Desk()
    ticket = desk.called("job")
    desk.queue.take_changes()
    desk.queue.start(ticket.id, desk.later(), "c1")
    changes = desk.queue.take_changes()
    assert only(changes).kind is K.STARTED
    assert changes.tickets[ticket.id].status is TicketStatus.SERVING


def test_finish_records_outcome_and_placement_then_ends_the_visit() -> None:
    desk = Desk()
    ticket = desk.served("job")
    desk.queue.take_changes()
    desk.queue.finish(ticket.id, "placed", desk.later(20), "c1", staff="sato")
    changes = desk.queue.take_changes()
    assert kinds(changes) == [K.FINISHED, K.DONE]
    finished = changes.events[0]
    assert finished.data["outcome"] == "placed" and finished.data["placement"] is True
    assert finished.counter_id == "c1" and finished.stage == 0 and finished.staff == "sato"
    assert ticket.status is TicketStatus.DONE
    assert desk.queue.counters["c1"].ticket_id is None and "c1" in changes.counters
    assert ticket.label not in desk.queue.live_labels


def test_finishing_a_called_ticket_implies_the_start() -> None:
    desk = Desk()
    ticket = desk.called("job")
    desk.queue.take_changes()
    desk.queue.finish(ticket.id, "referral", desk.later(), "c1")
    changes = desk.queue.take_changes()
    assert kinds(changes) == [K.STARTED, K.FINISHED, K.DONE]
    assert changes.events[1].data["placement"] is False


def test_transfer_records_where_from_and_starts_a_new_stage_in_the_target_queue() -> None:
    desk = Desk()
    ticket = desk.served("job")
    desk.queue.take_changes()
    desk.queue.transfer(ticket.id, "career", desk.later(), "c1", staff="sato", note="書類")
    changes = desk.queue.take_changes()
    event = only(changes)
    assert (event.kind, event.stage, event.service_id, event.counter_id) == (
        K.TRANSFERRED, 1, "career", None)
    assert event.data == {"from_service": "job", "from_counter": "c1", "note": "書類",
                          "label": "1", "priority": False}
    assert (ticket.transferred_from, ticket.note, ticket.counter_id) == ("job", "書類", None)
    assert desk.queue.counters["c1"].ticket_id is None and "c1" in changes.counters


@pytest.mark.parametrize(("policy", "expected"), [
    (NoShowPolicy.REQUEUE_ONCE, [K.REQUEUED]), (NoShowPolicy.END, [K.NO_SHOW])])
def test_no_show_is_recorded_as_the_policy_says(
    policy: NoShowPolicy, expected: list[EventKind]
) -> None:
    desk = Desk(make_site(no_show=policy))
    ticket = desk.called("job")
    desk.queue.take_changes()
    desk.queue.no_show(ticket.id, desk.later(3), "c1")
    changes = desk.queue.take_changes()
    assert kinds(changes) == expected
    assert ticket.id in changes.tickets and "c1" in changes.counters


def test_park_unpark_and_cancel_are_recorded() -> None:
    desk = Desk()
    ticket = desk.called("job")
    desk.queue.take_changes()
    desk.queue.park(ticket.id, desk.later(), staff="sato")
    parked = desk.queue.take_changes()
    assert only(parked).kind is K.PARKED and "c1" in parked.counters
    desk.queue.unpark(ticket.id, desk.later())
    returned = only(desk.queue.take_changes())
    assert returned.kind is K.RETURNED and returned.stage == 1
    desk.queue.cancel(ticket.id, desk.later(), reason="left")
    cancelled = desk.queue.take_changes()
    assert only(cancelled).kind is K.CANCELLED and only(cancelled).data["reason"] == "left"
    assert ticket.closed_reason == "left" and ticket.label not in desk.queue.live_labels


def test_cancelling_a_waiting_ticket_takes_it_out_of_the_line() -> None:
    desk = Desk()
    first, second = desk.issue("job"), desk.issue("job")
    desk.queue.cancel(first.id, desk.now)
    assert desk.queue.waiting("job") == [second]
    assert desk.call_next().ticket_id == second.id


def test_cancelling_a_called_ticket_frees_its_counter() -> None:
    desk = Desk()
    ticket = desk.called("job")
    nxt = desk.issue("job")
    desk.queue.cancel(ticket.id, desk.now)
    assert desk.queue.counters["c1"].ticket_id is None
    assert desk.call_next().ticket_id == nxt.id


def test_pause_and_resume_are_recorded_and_resume_lets_the_counter_call_again() -> None:
    desk = Desk()
    q = desk.queue
    waiting = desk.issue("job")
    q.set_counter("c1", "open", desk.now, staff="sato")
    q.set_counter("c1", "paused", desk.later(), staff="sato")
    q.set_counter("c1", "open", desk.later(), staff="sato")
    changes = q.take_changes()
    assert kinds(changes)[-3:] == [K.COUNTER_OPENED, K.COUNTER_PAUSED, K.COUNTER_RESUMED]
    assert all(e.staff == "sato" and e.counter_id == "c1" for e in changes.events[-3:])
    assert q.counters["c1"].status == "open" and q.counters["c1"].staff == "sato"
    assert desk.call_next().ticket_id == waiting.id


def test_closing_a_counter_forgets_its_staff() -> None:
    desk = Desk()
    desk.queue.set_counter("c1", "open", desk.now, staff="sato")
    desk.queue.set_counter("c1", "closed", desk.later(), staff="sato")
    state = desk.queue.counters["c1"]
    assert (state.status, state.staff, state.updated_at) == ("closed", None, desk.now)
    assert kinds(desk.queue.take_changes())[-1] is K.COUNTER_CLOSED


def test_a_failed_operation_keeps_earlier_unstored_changes_intact() -> None:
    desk = Desk()
    ticket = desk.issue("job")
    with pytest.raises(Refusal):
        desk.queue.start(ticket.id, desk.now)
    assert kinds(desk.queue.take_changes()) == [K.ISSUED]


def test_simulated_clock_stands_still_until_moved_and_speaks_utc() -> None:
    clock = SimulatedClock(OPENING)
    assert clock.now() == OPENING and clock.now().tzinfo is UTC
    assert clock.now() == clock.now()
    clock.advance(timedelta(minutes=90))
    assert clock.now() == OPENING + timedelta(minutes=90)
    clock.set(datetime(2026, 4, 7, 4, 0, tzinfo=TOKYO))
    assert clock.now() == datetime(2026, 4, 6, 19, 0, tzinfo=UTC)


def test_simulated_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        SimulatedClock(datetime(2026, 4, 6, 9, 0))
    clock = SimulatedClock(OPENING)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 4, 6, 10, 0))
    assert clock.now() == OPENING


def test_system_clock_gives_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC and now >= before
