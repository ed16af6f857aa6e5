"""Whole visits: several purposes, transfers, no-shows, parking and the end of the day."""

from __future__ import annotations

from datetime import timedelta

from server.domain.events import EventKind
from server.domain.model import NoShowPolicy, TicketStatus
from tests.domain.builders import DEFAULT_COUNTERS, Desk, counter, make_site

K = EventKind
S = TicketStatus


def test_finishing_one_purpose_queues_the_next_with_the_same_number() -> None:
    desk = Desk()
    q = desk.queue
    early = desk.issue("job")
    visit = desk.issue("career", "job", "housing")
    late = desk.issue("job")
    q.call("c2", visit.id, desk.later())
    q.take_changes()
    q.finish(visit.id, "consulted", desk.later(30), "c2")
    changes = q.take_changes()
    started, finished, queued = changes.events  # finishing a called ticket implies the start
    assert started.kind is K.STARTED
    assert (finished.kind, finished.stage, finished.service_id) == (K.FINISHED, 0, "career")
    assert (queued.kind, queued.stage, queued.service_id) == (K.QUEUED, 1, "job")
    assert queued.data["label"] == "201" and queued.counter_id is None
    assert (visit.status, visit.purpose_index, visit.label) == (S.WAITING, 1, "201")
    # Ranked by when the visitor first arrived: after `early`, before `late`.
    assert visit.rank_at == visit.issued_at
    assert q.waiting("job") == [early, visit, late]
    assert "201" in q.live_labels


def test_a_multi_purpose_visit_runs_through_every_desk_and_then_ends() -> None:
    desk = Desk()
    q = desk.queue
    visit = desk.issue("career", "job", "housing")
    for expected_counter, service in (("c1", "career"), ("c1", "job"), ("c3", "housing")):
        assert visit.service_id == service
        choice = desk.call_next(expected_counter, after=5)
        assert choice.ticket_id == visit.id
        q.finish(visit.id, "consulted", desk.later(10), expected_counter)
    assert visit.status is S.DONE and visit.stage == 2
    assert [e.kind for e in q.take_changes().events].count(K.QUEUED) == 2
    assert "201" not in q.live_labels


def test_transfer_keeps_label_and_original_arrival_and_remaining_purposes_follow() -> None:
    desk = Desk()
    q = desk.queue
    before = desk.issue("career")
    visit = desk.issue("job", "housing")
    after = desk.issue("career", after=10)
    q.call("c1", visit.id, desk.later(20))
    q.start(visit.id, desk.now, "c1")
    q.transfer(visit.id, "career", desk.later(15), "c1")
    assert (visit.label, visit.rank_at, visit.stage) == ("1", visit.issued_at, 1)
    assert visit.purposes == ("job", "career", "housing") and visit.purpose_index == 1
    assert q.waiting("career") == [before, visit, after]
    assert desk.serve_and_finish("c2").id == before.id
    assert desk.call_next("c2").ticket_id == visit.id
    q.finish(visit.id, "consulted", desk.later(), "c2")
    assert (visit.service_id, visit.status, visit.transferred_from) == ("housing", S.WAITING, None)
    assert visit.rank_at == visit.issued_at


def test_transfer_to_a_desk_already_ahead_in_the_visit_does_not_send_the_visitor_twice() -> None:
    desk = Desk()
    q = desk.queue
    visit = desk.called("job", "career", "housing")
    q.transfer(visit.id, "housing", desk.later(), "c1")
    assert visit.purposes == ("job", "housing", "career")
    q.call("c3", visit.id, desk.later())
    q.finish(visit.id, "consulted", desk.later(), "c3")
    assert visit.service_id == "career"
    q.call("c1", visit.id, desk.later())
    q.finish(visit.id, "consulted", desk.later(), "c1")
    assert visit.status is S.DONE


def test_transfer_back_to_a_desk_already_visited_is_a_new_stage_there() -> None:
    desk = Desk()
    q = desk.queue
    visit = desk.called("job", "career")
    q.finish(visit.id, "consulted", desk.later(), "c1")
    q.call("c2", visit.id, desk.later())
    q.transfer(visit.id, "job", desk.later(), "c2")
    assert visit.purposes == ("job", "career", "job") and visit.service_id == "job"
    q.call("c1", visit.id, desk.later())
    q.finish(visit.id, "consulted", desk.later(), "c1")
    assert visit.status is S.DONE


def test_a_priority_visitor_stays_priority_after_transfer() -> None:
    desk = Desk()
    visit = desk.called("job", priority=True)
    desk.queue.transfer(visit.id, "career", desk.later(), "c1")
    assert desk.queue.lines["career"].priority == [(visit.issued_at, visit.id)]


def test_no_show_sends_the_visitor_back_once_ranked_at_the_no_show_then_ends() -> None:
    desk = Desk()
    q = desk.queue
    absent = desk.issue("job")
    second = desk.issue("job", after=4)
    q.call("c1", absent.id, desk.later(5))
    third = desk.issue("job")
    q.no_show(absent.id, desk.later(), "c1")
    no_show_time = desk.now
    fourth = desk.issue("job")
    assert (absent.status, absent.rank_at, absent.requeues, absent.stage) == (
        S.WAITING, no_show_time, 1, 1)
    assert absent.issued_at < second.issued_at
    assert q.waiting("job") == [second, third, absent, fourth]
    assert q.counters["c1"].ticket_id is None and absent.label in q.live_labels
    for expected in (second, third):
        assert desk.serve_and_finish("c1").id == expected.id
    assert desk.call_next("c1").ticket_id == absent.id
    q.take_changes()
    q.no_show(absent.id, desk.later(), "c1")
    assert [e.kind for e in q.take_changes().events] == [K.NO_SHOW]
    assert absent.status is S.NO_SHOW and absent.label not in q.live_labels
    assert q.waiting("job") == [fourth] and q.counters["c1"].ticket_id is None


def test_no_show_under_the_end_policy_ends_the_visit_at_once() -> None:
    desk = Desk(make_site(no_show=NoShowPolicy.END))
    visit = desk.called("job", "career")
    desk.queue.no_show(visit.id, desk.later(), "c1")
    assert visit.status is S.NO_SHOW and visit.requeues == 0
    assert desk.queue.waiting("job") == desk.queue.waiting("career") == []


def test_a_parked_waiting_ticket_keeps_its_place_when_it_returns() -> None:
    desk = Desk()
    q = desk.queue
    first, second, third = (desk.issue("job") for _ in range(3))
    q.park(first.id, desk.later())
    assert q.waiting("job") == [second, third] and first.label in q.live_labels
    assert desk.serve_and_finish().id == second.id
    q.unpark(first.id, desk.later(30))
    assert first.rank_at == first.issued_at
    assert q.waiting("job") == [first, third]
    assert desk.call_next().ticket_id == first.id


def test_a_ticket_parked_at_the_counter_frees_it_and_returns_to_its_place() -> None:
    desk = Desk()
    q = desk.queue
    first = desk.issue("job")
    second = desk.issue("job")
    assert desk.call_next().ticket_id == first.id
    q.park(first.id, desk.later())
    assert q.counters["c1"].ticket_id is None
    assert desk.call_next("c2").ticket_id == second.id
    late = desk.issue("job")
    q.unpark(first.id, desk.later())
    assert q.waiting("job") == [first, late]


def test_a_parked_ticket_can_be_called_straight_from_the_window() -> None:
    desk = Desk()
    ticket = desk.issue("job")
    desk.queue.park(ticket.id, desk.later())
    choice = desk.queue.call("c1", ticket.id, desk.later())
    assert (choice.reason_code, choice.reason) == ("chosen", "called by staff")
    assert ticket.status is S.CALLED and desk.queue.counters["c1"].ticket_id == ticket.id


def test_close_day_closes_every_live_ticket_and_counter_and_keeps_the_history() -> None:
    desk = Desk()
    q = desk.queue
    done = desk.called("job")
    q.finish(done.id, "referral", desk.later(), "c1")
    waiting = desk.issue("job")
    called = desk.called("career", counter_id="c1")
    serving = desk.served("job", counter_id="c2")
    parked = desk.issue("housing")
    q.park(parked.id, desk.now)
    q.set_counter("c3", "paused", desk.now)
    q.take_changes()
    closed = q.close_day(desk.later(8 * 60), staff="kanri")
    changes = q.take_changes()
    assert closed == 4
    for ticket in (waiting, called, serving, parked):
        assert (ticket.status, ticket.closed_reason) == (S.CANCELLED, "day_closed")
    assert done.status is S.DONE and set(q.tickets) == {1, 2, 3, 4, 5}
    assert all(state.status == "closed" and state.ticket_id is None
               for state in q.counters.values())
    assert not q.live_labels and all(len(line) == 0 for line in q.lines.values())
    assert [e.kind for e in changes.events] == [K.CANCELLED] * 4 + [K.COUNTER_CLOSED] * 3 + [
        K.DAY_CLOSED]
    assert [e.ticket_id for e in changes.events[:4]] == [2, 3, 4, 5]
    assert all(e.data["reason"] == "day_closed" for e in changes.events[:4])
    assert changes.events[-1].data == {"closed_tickets": 4, "business_day": "2026-04-06"}
    assert changes.events[-1].staff == "kanri"
    assert set(changes.tickets) == {2, 3, 4, 5}


def test_close_day_on_a_later_day_lets_go_of_finished_tickets_of_past_days() -> None:
    desk = Desk()
    q = desk.queue
    yesterday = desk.called("job")
    q.finish(yesterday.id, "consulted", desk.later(), "c1")
    left_over = desk.issue("job")
    desk.clock.advance(timedelta(days=1))
    today = desk.called("career", counter_id="c2")
    q.finish(today.id, "consulted", desk.later(), "c2")
    assert q.close_day(desk.later()) == 1
    # Past days' history lives in the store; today's stays in memory for today's views.
    assert set(q.tickets) == {today.id}
    assert left_over.status is S.CANCELLED
    assert left_over.id in q.take_changes().tickets


def test_close_day_with_nothing_open_still_records_the_close() -> None:
    desk = Desk()
    assert desk.queue.close_day(desk.now) == 0
    assert [e.kind for e in desk.queue.take_changes().events] == [K.DAY_CLOSED]


def test_counters_of_another_area_serve_only_their_desks() -> None:
    site = make_site(counters=(*DEFAULT_COUNTERS, counter("c4", "housing", number=4)))
    desk = Desk(site)
    ticket = desk.issue("housing")
    choice = desk.call_next("c4")
    assert choice.ticket_id == ticket.id
    assert desk.queue.take_changes().events[-1].data["area"] == "main"
