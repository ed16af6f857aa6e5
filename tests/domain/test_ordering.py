"""Which ticket a counter calls next, and the short reason it gives."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain.model import Counter, CounterMode, CounterState, Policy
from server.domain.ordering import choose_next, priority_turn, record_call
from server.domain.queues import WaitingLine
from tests.domain.builders import CAREER, JOB, OPENING, Desk, counter, make_site


def desk_with(*counters: Counter, **policy: Any) -> Desk:
    return Desk(make_site(counters=counters, **policy))


def test_weighted_counter_calls_the_longest_wait_and_says_where() -> None:
    desk = Desk()
    job = desk.issue("job")
    career = desk.issue("career")
    choice = desk.call_next("c1")
    assert (choice.ticket_id, choice.reason_code, choice.reason) == (
        job.id, "longest_wait", "longest waiting in 職業相談")
    desk.queue.finish(job.id, "consulted", desk.now, "c1")
    assert desk.call_next("c1").ticket_id == career.id


def test_within_one_desk_and_class_first_come_first_served() -> None:
    desk = Desk()
    tickets = [desk.issue("job", after=0.5) for _ in range(5)]
    assert [desk.serve_and_finish().id for _ in range(5)] == [t.id for t in tickets]


def test_tickets_issued_in_the_same_instant_go_in_issue_order() -> None:
    desk = Desk()
    first = desk.issue("job", after=0)
    second = desk.issue("job", after=0)
    assert first.rank_at == second.rank_at
    assert desk.call_next().ticket_id == first.id


def test_weights_change_the_pick() -> None:
    plain = desk_with(counter("c1", "job", "career"))
    weighted = desk_with(counter("c1", "job", "career", weights={"career": 2.0}))
    for desk in (plain, weighted):
        desk.issue("job")  # waits 10 minutes
        desk.issue("career", after=4)  # waits 6 minutes, 12 when weighted twice
        desk.later(6)
    assert plain.call_next().service_id == "job"
    choice = weighted.call_next()
    assert choice.service_id == "career"
    assert choice.reason == "longest waiting in キャリア・カウンセリング (weight 2)"


def test_ordered_counter_takes_the_first_desk_in_its_list_with_anyone_waiting() -> None:
    desk = desk_with(counter("c1", "career", "job", mode=CounterMode.ORDERED))
    job = desk.issue("job")
    desk.issue("career", after=20)
    choice = desk.call_next()
    assert (choice.service_id, choice.reason_code, choice.reason) == (
        "career", "service_order", "first in order: キャリア・カウンセリング")
    desk.queue.finish(choice.ticket_id, "consulted", desk.now, "c1")
    assert desk.call_next().ticket_id == job.id


def test_priority_ratio_two_to_one_gives_normal_normal_priority() -> None:
    desk = Desk()
    for _ in range(6):
        desk.issue("job")
        desk.issue("job", priority=True)
    calls = []
    for _ in range(9):
        ticket = desk.serve_and_finish()
        calls.append("P" if ticket.priority else "N")
    assert "".join(calls) == "NNPNNPNNP"


def test_priority_call_says_which_turn_of_the_ratio_it_is() -> None:
    desk = desk_with(counter("c1", "job"), priority_normal=3, priority_every=2)
    for _ in range(4):
        desk.issue("job")
        desk.issue("job", priority=True)
    reasons = []
    for _ in range(5):
        choice = desk.call_next()
        desk.queue.finish(choice.ticket_id, "consulted", desk.now, "c1")
        reasons.append(choice.reason)
    assert reasons[3] == reasons[4] == "priority 2 of 5"
    assert reasons[0] == "longest waiting in 職業相談"


def test_default_ratio_reason_reads_priority_one_of_three() -> None:
    desk = Desk()
    desk.issue("job")
    desk.issue("job")
    desk.issue("job")
    desk.issue("job", priority=True)
    desk.serve_and_finish()
    desk.serve_and_finish()
    choice = desk.call_next()
    assert (choice.priority, choice.reason_code, choice.reason) == (
        True, "priority", "priority 1 of 3")


def test_priority_alone_is_called_without_waiting_for_its_turn() -> None:
    desk = Desk()
    ticket = desk.issue("job", priority=True)
    choice = desk.call_next()
    assert (choice.ticket_id, choice.reason) == (ticket.id, "priority")


def test_priority_tickets_are_taken_oldest_first_across_desks() -> None:
    desk = Desk()
    desk.queue.counters["c1"].streak = 2  # it is priority's turn
    career = desk.issue("career", priority=True)
    desk.issue("job", priority=True)
    desk.issue("job")
    assert desk.call_next().ticket_id == career.id


def test_calling_a_particular_ticket_does_not_move_the_ratio() -> None:
    desk = Desk()
    special = desk.issue("job", priority=True)
    desk.queue.call("c1", special.id, desk.now)
    state = desk.queue.counters["c1"]
    assert (state.streak_priority, state.streak) == (False, 0)


def test_max_wait_boost_calls_an_overdue_visitor_first_and_says_so() -> None:
    desk = desk_with(counter("c1", "career", "job", mode=CounterMode.ORDERED),
                     max_wait_boost_min=30)
    overdue = desk.issue("job")
    desk.issue("career", after=5)
    choice = desk.call_next(after=26)
    assert (choice.ticket_id, choice.reason_code, choice.reason) == (
        overdue.id, "max_wait", "waited over 30 min since arrival (now for 職業相談)")


def test_max_wait_boost_beats_the_priority_turn_and_takes_the_oldest_overdue() -> None:
    desk = desk_with(counter("c1", "job", "career"), max_wait_boost_min=30)
    desk.queue.counters["c1"].streak = 2
    oldest = desk.issue("career")
    desk.issue("job", after=1)
    desk.issue("job", priority=True, after=1)
    choice = desk.call_next(after=40)
    assert (choice.ticket_id, choice.reason_code) == (oldest.id, "max_wait")


def test_nobody_is_boosted_before_the_limit() -> None:
    desk = desk_with(counter("c1", "career", "job", mode=CounterMode.ORDERED),
                     max_wait_boost_min=30)
    desk.issue("job")
    desk.issue("career", after=1)
    assert desk.call_next(after=28).reason_code == "service_order"


def test_a_boost_limit_of_zero_turns_the_boost_off() -> None:
    desk = desk_with(counter("c1", "career", "job", mode=CounterMode.ORDERED),
                     max_wait_boost_min=0)
    desk.issue("job")
    desk.issue("career", after=1)
    assert desk.call_next(after=600).service_id == "career"


@pytest.mark.parametrize(("normal", "every"), [(2, 1), (3, 2), (1, 1), (1, 3)])
def test_priority_turn_follows_the_ratio(normal: int, every: int) -> None:
    policy = Policy(priority_normal=normal, priority_every=every)
    state = CounterState("c1")
    sequence = []
    for _ in range(3 * (normal + every)):
        turn = priority_turn(state, policy)
        sequence.append("P" if turn else "N")
        record_call(state, turn)
    assert "".join(sequence) == ("N" * normal + "P" * every) * 3


def test_choose_next_with_empty_lines_chooses_nobody() -> None:
    c1 = counter("c1", "job", "career")
    lines = {"job": WaitingLine(), "career": WaitingLine()}
    services = {"job": JOB, "career": CAREER}
    assert choose_next(c1, CounterState("c1"), Policy(), lines, services, OPENING) is None
    assert choose_next(c1, CounterState("c1"), Policy(), {}, services, OPENING) is None


def test_waiting_line_keeps_rank_order_and_removes_exactly() -> None:
    line = WaitingLine()
    line.add(OPENING, 2, False)
    line.add(OPENING, 1, False)
    line.add(OPENING.replace(hour=8), 3, True)
    assert line.head(False) == (OPENING, 1) and line.head(True) == (OPENING.replace(hour=8), 3)
    assert [tid for _, tid in line.in_order()] == [3, 1, 2]
    line.remove(OPENING, 1, True)  # wrong class: nothing happens
    assert len(line) == 3
    line.remove(OPENING, 1, False)
    assert line.normal == [(OPENING, 2)] and len(line) == 2
