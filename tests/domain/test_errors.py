"""Refusals: each carries its stable code, and a refused operation changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server.domain.errors import Conflict, Invalid, NotFound
from server.domain.model import Service, TicketStatus
from tests.domain.builders import JOB, Desk, make_site, refused

AtCounterOp = Callable[[Desk, int, str], object]

AT_COUNTER_OPERATIONS: dict[str, AtCounterOp] = {
    "recall": lambda d, t, c: d.queue.recall(t, d.now, c),
    "start": lambda d, t, c: d.queue.start(t, d.now, c),
    "no_show": lambda d, t, c: d.queue.no_show(t, d.now, c),
    "finish": lambda d, t, c: d.queue.finish(t, "consulted", d.now, c),
    "transfer": lambda d, t, c: d.queue.transfer(t, "career", d.now, c),
}


@pytest.mark.parametrize("operation", list(AT_COUNTER_OPERATIONS))
def test_operation_at_another_counter_is_refused_with_not_at_this_counter(
    operation: str,
) -> None:
    desk = Desk()
    ticket = desk.called("job", counter_id="c1")
    error = refused(desk.queue, "not_at_this_counter",
                    lambda: AT_COUNTER_OPERATIONS[operation](desk, ticket.id, "c2"))
    assert isinstance(error, Conflict)
    assert ticket.status is TicketStatus.CALLED and ticket.counter_id == "c1"


@pytest.mark.parametrize("operation", list(AT_COUNTER_OPERATIONS))
def test_operation_on_a_ticket_that_does_not_exist_is_refused_with_unknown_ticket(
    operation: str,
) -> None:
    desk = Desk()
    desk.called("job")
    error = refused(desk.queue, "unknown_ticket",
                    lambda: AT_COUNTER_OPERATIONS[operation](desk, 999, "c1"))
    assert isinstance(error, NotFound) and error.details == {"ticket": 999}


@pytest.mark.parametrize("operation", ["park", "unpark", "cancel", "call"])
def test_other_operations_on_an_unknown_ticket_are_refused(operation: str) -> None:
    desk = Desk()
    q, now = desk.queue, desk.now
    run: dict[str, Callable[[], object]] = {
        "park": lambda: q.park(7, now), "unpark": lambda: q.unpark(7, now),
        "cancel": lambda: q.cancel(7, now), "call": lambda: q.call("c1", 7, now),
    }
    refused(q, "unknown_ticket", run[operation])


def test_call_next_while_holding_a_ticket_is_refused_with_counter_busy() -> None:
    desk = Desk()
    held = desk.called("job")
    desk.issue("job")
    error = refused(desk.queue, "counter_busy", lambda: desk.call_next("c1"))
    assert error.details == {"ticket": held.id}
    other = desk.queue.tickets[2]
    refused(desk.queue, "counter_busy", lambda: desk.queue.call("c1", other.id, desk.now))


def test_closing_a_counter_that_holds_a_ticket_is_refused_with_counter_busy() -> None:
    desk = Desk()
    desk.served("job")
    refused(desk.queue, "counter_busy", lambda: desk.queue.set_counter("c1", "closed", desk.now))
    assert desk.queue.counters["c1"].status == "open"


def test_paused_counter_cannot_call_but_can_finish_what_it_holds() -> None:
    desk = Desk()
    held = desk.called("job")
    waiting = desk.issue("job")
    desk.queue.set_counter("c1", "paused", desk.now)
    refused(desk.queue, "counter_paused", lambda: desk.call_next("c1"))
    refused(desk.queue, "counter_paused", lambda: desk.queue.call("c1", waiting.id, desk.now))
    desk.queue.finish(held.id, "consulted", desk.now, "c1")
    refused(desk.queue, "counter_paused", lambda: desk.call_next("c1"))
    assert waiting.status is TicketStatus.WAITING


def test_call_next_with_nobody_waiting_is_refused_with_no_waiting_tickets() -> None:
    desk = Desk()
    error = refused(desk.queue, "no_waiting_tickets", lambda: desk.call_next("c1"))
    assert error.details == {"counter": "c1"}
    desk.issue("housing")  # waiting, but not for a desk c1 serves
    refused(desk.queue, "no_waiting_tickets", lambda: desk.call_next("c1"))
    assert desk.queue.counters["c1"].status == "closed"  # a refused call opens nothing


@pytest.mark.parametrize("started", [False, True])
def test_finish_with_an_unknown_outcome_is_refused_and_implies_no_start(started: bool) -> None:
    desk = Desk()
    ticket = desk.served("job") if started else desk.called("job")
    error = refused(desk.queue, "unknown_outcome",
                    lambda: desk.queue.finish(ticket.id, "hired?", desk.now, "c1"))
    assert isinstance(error, Invalid)
    assert "consulted, referral, placed" in error.message
    assert ticket.status is (TicketStatus.SERVING if started else TicketStatus.CALLED)


def test_transfer_to_the_desk_the_ticket_is_already_for_is_refused_with_same_service() -> None:
    desk = Desk()
    ticket = desk.served("job")
    refused(desk.queue, "same_service",
            lambda: desk.queue.transfer(ticket.id, "job", desk.now, "c1"))


def test_unknown_service_is_refused_on_issue_and_on_transfer() -> None:
    desk = Desk()
    q = desk.queue
    error = refused(q, "unknown_service", lambda: q.issue(1, ["legal"], desk.now, "t"))
    assert isinstance(error, NotFound) and error.details == {"service": "legal"}
    refused(q, "unknown_service", lambda: q.issue(1, ["job", "legal"], desk.now, "t"))
    ticket = desk.called("job")
    refused(q, "unknown_service", lambda: q.transfer(ticket.id, "legal", desk.now, "c1"))


def test_unknown_counter_is_refused_by_every_counter_operation() -> None:
    desk = Desk()
    q = desk.queue
    ticket = desk.issue("job")
    for operation in (lambda: q.call_next("c9", desk.now),
                      lambda: q.call("c9", ticket.id, desk.now),
                      lambda: q.set_counter("c9", "open", desk.now)):
        error = refused(q, "unknown_counter", operation)
        assert isinstance(error, NotFound) and error.details == {"counter": "c9"}


def test_issue_without_services_or_with_a_service_twice_is_refused() -> None:
    desk = Desk()
    q = desk.queue
    assert isinstance(refused(q, "no_services", lambda: q.issue(1, [], desk.now, "t")), Invalid)
    refused(q, "duplicate_services", lambda: q.issue(1, ["job", "career", "job"], desk.now, "t"))
    assert not q.tickets and not q.cursors


def test_issue_when_every_number_of_the_band_is_live_is_refused_with_numbers_exhausted() -> None:
    tiny = Service("job", "職業相談", JOB.organisation, first_number=1, last_number=3)
    desk = Desk(make_site(services=(tiny, *make_site().services[1:])))
    labels = [desk.issue("job").label for _ in range(3)]
    assert labels == ["1", "2", "3"]
    error = refused(desk.queue, "numbers_exhausted",
                    lambda: desk.queue.issue(4, ["job"], desk.now, "t"))
    assert error.details == {"service": "job"}
    desk.queue.cancel(2, desk.now)
    assert desk.issue("job").label == "2"


def test_calling_a_ticket_for_a_desk_the_counter_does_not_serve_is_refused() -> None:
    desk = Desk()
    ticket = desk.issue("housing")
    refused(desk.queue, "service_not_served", lambda: desk.queue.call("c1", ticket.id, desk.now))


def test_calling_a_ticket_already_at_another_counter_is_refused() -> None:
    desk = Desk()
    ticket = desk.called("job", counter_id="c1")
    refused(desk.queue, "invalid_transition", lambda: desk.queue.call("c2", ticket.id, desk.now))
    assert desk.queue.counters["c1"].ticket_id == ticket.id
    assert desk.queue.counters["c2"].ticket_id is None


def test_unknown_counter_status_is_refused() -> None:
    desk = Desk()
    refused(desk.queue, "invalid_status", lambda: desk.queue.set_counter("c1", "lunch", desk.now))


def test_unpark_of_a_ticket_that_is_not_parked_is_refused() -> None:
    desk = Desk()
    ticket = desk.issue("job")
    error = refused(desk.queue, "invalid_transition",
                    lambda: desk.queue.unpark(ticket.id, desk.now))
    assert "is not parked" in error.message
