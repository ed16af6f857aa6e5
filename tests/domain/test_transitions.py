"""The transition table, and every operation tried from every ticket state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import product

import pytest

from server.domain.errors import Refusal
from server.domain.model import (
    AT_COUNTER,
    LIVE,
    TERMINAL,
    TRANSITIONS,
    Ticket,
    TicketStatus,
)
from server.domain.tickets import check_transition, transition
from tests.domain.builders import Desk, queue_state

S = TicketStatus
NOW = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)


def ticket_in(desk: Desk, status: TicketStatus) -> Ticket:
    """A job-desk ticket brought to `status` through the operations themselves."""
    q = desk.queue
    if status is S.WAITING:
        return desk.issue("job")
    if status is S.CALLED:
        return desk.called("job")
    if status is S.SERVING:
        return desk.served("job")
    if status is S.PARKED:
        ticket = desk.issue("job")
        q.park(ticket.id, desk.now)
        return ticket
    if status is S.DONE:
        ticket = desk.called("job")
        q.finish(ticket.id, "consulted", desk.now, "c1")
        return ticket
    if status is S.NO_SHOW:  # the second no-show ends the visit under REQUEUE_ONCE
        ticket = desk.called("job")
        q.no_show(ticket.id, desk.now, "c1")
        q.call("c1", ticket.id, desk.later())
        q.no_show(ticket.id, desk.now, "c1")
        return ticket
    ticket = desk.issue("job")
    q.cancel(ticket.id, desk.now)
    return ticket


def _at(ticket: Ticket) -> str:
    return ticket.counter_id or "c1"


# Each operation, applied the way a console would: at the counter holding the ticket.
OPERATIONS: dict[str, Callable[[Desk, Ticket], object]] = {
    "recall": lambda d, t: d.queue.recall(t.id, d.now, _at(t)),
    "start": lambda d, t: d.queue.start(t.id, d.now, _at(t)),
    "no_show": lambda d, t: d.queue.no_show(t.id, d.now, _at(t)),
    "finish": lambda d, t: d.queue.finish(t.id, "consulted", d.now, _at(t)),
    "transfer": lambda d, t: d.queue.transfer(t.id, "career", d.now, _at(t)),
    "park": lambda d, t: d.queue.park(t.id, d.now),
    "unpark": lambda d, t: d.queue.unpark(t.id, d.now),
    "cancel": lambda d, t: d.queue.cancel(t.id, d.now),
    # c2 is free and serves the job desk, so only the ticket's state can refuse the call.
    "call": lambda d, t: d.queue.call("c2", t.id, d.now),
}

ALLOWED: dict[TicketStatus, dict[str, TicketStatus]] = {
    S.WAITING: {"park": S.PARKED, "cancel": S.CANCELLED, "call": S.CALLED},
    S.CALLED: {
        "recall": S.CALLED, "start": S.SERVING, "no_show": S.WAITING, "finish": S.DONE,
        "transfer": S.WAITING, "park": S.PARKED, "cancel": S.CANCELLED,
    },
    S.SERVING: {"finish": S.DONE, "transfer": S.WAITING, "park": S.PARKED,
                "cancel": S.CANCELLED},
    S.PARKED: {"unpark": S.WAITING, "cancel": S.CANCELLED, "call": S.CALLED},
    S.DONE: {},
    S.NO_SHOW: {},
    S.CANCELLED: {},
}


@pytest.mark.parametrize(
    ("status", "operation"), list(product(list(TicketStatus), list(OPERATIONS)))
)
def test_operation_from_each_state_moves_or_is_refused_as_the_table_says(
    status: TicketStatus, operation: str
) -> None:
    desk = Desk()
    ticket = ticket_in(desk, status)
    assert ticket.status is status
    desk.queue.take_changes()
    desk.later()
    expected = ALLOWED[status].get(operation)
    if expected is None:
        before = queue_state(desk.queue)
        with pytest.raises(Refusal) as refused:
            OPERATIONS[operation](desk, ticket)
        assert refused.value.code == "invalid_transition"
        assert queue_state(desk.queue) == before
        assert not desk.queue.take_changes()
    else:
        OPERATIONS[operation](desk, ticket)
        assert ticket.status is expected
        changes = desk.queue.take_changes()
        assert ticket.id in changes.tickets
        assert changes.events and all(e.at == desk.now for e in changes.events)


def test_every_status_has_a_row_and_terminal_states_have_no_way_out() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)
    assert LIVE | TERMINAL == set(TicketStatus) and not LIVE & TERMINAL
    assert AT_COUNTER <= LIVE
    for status in TERMINAL:
        assert TRANSITIONS[status] == frozenset()
    for status in LIVE:
        assert TRANSITIONS[status], status
        assert S.CANCELLED in TRANSITIONS[status]


def test_only_a_called_ticket_may_become_a_no_show_or_be_recalled() -> None:
    assert [s for s in TicketStatus if S.NO_SHOW in TRANSITIONS[s]] == [S.CALLED]
    assert [s for s in TicketStatus if S.CALLED in TRANSITIONS[s]] == [
        S.WAITING, S.CALLED, S.PARKED
    ]
    assert [s for s in TicketStatus if S.SERVING in TRANSITIONS[s]] == [S.CALLED]


@pytest.mark.parametrize(("frm", "to"), list(product(list(TicketStatus), list(TicketStatus))))
def test_transition_function_follows_the_table_for_every_pair(
    frm: TicketStatus, to: TicketStatus
) -> None:
    desk = Desk()
    ticket = desk.issue("job")
    ticket.status = frm
    if to in TRANSITIONS[frm]:
        transition(ticket, to, NOW)
        assert ticket.status is to and ticket.updated_at == NOW
    else:
        with pytest.raises(Refusal) as refused:
            check_transition(ticket, to)
        assert refused.value.code == "invalid_transition"
        assert refused.value.details == {"ticket": ticket.id, "status": frm.value}
        with pytest.raises(Refusal):
            transition(ticket, to, NOW)
        assert ticket.status is frm


def test_refused_transition_message_names_the_ticket_and_its_state() -> None:
    desk = Desk()
    ticket = ticket_in(desk, S.DONE)
    with pytest.raises(Refusal) as refused:
        desk.queue.cancel(ticket.id, desk.now)
    assert refused.value.message == "Ticket 1 is done and cannot be cancelled."
