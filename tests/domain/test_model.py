"""The nouns of the queue: lookups, public labels, weights and opening hours."""

from __future__ import annotations

from datetime import date, datetime, time

from server.domain.model import ALWAYS_OPEN, OpeningHours, TicketStatus
from tests.domain.builders import CAREER, HOUSING, TOKYO, Desk, counter, make_site


def test_a_sensitive_desk_shows_only_its_neutral_public_name() -> None:
    assert HOUSING.public_label == "相談窓口"
    assert CAREER.public_label == "キャリア・カウンセリング"


def test_a_counter_weighs_unlisted_services_as_one() -> None:
    c1 = counter("c1", "job", "career", weights={"career": 2.5})
    assert c1.weight("career") == 2.5 and c1.weight("job") == 1.0


def test_site_lookups_answer_none_for_unknown_ids() -> None:
    site = make_site()
    assert site.service("job") is not None and site.service("legal") is None
    assert site.counter("c3") is not None and site.counter("c9") is None
    placed = site.outcome("placed")
    assert placed is not None and placed.placement is True
    assert site.outcome("hired") is None


def test_opening_hours_follow_weekday_times_and_closed_dates() -> None:
    hours = OpeningHours(((0, time(8, 45), time(17, 15)),), frozenset({date(2026, 4, 13)}))
    monday = datetime(2026, 4, 6, tzinfo=TOKYO)
    assert hours.is_open(monday.replace(hour=8, minute=45))
    assert not hours.is_open(monday.replace(hour=8, minute=44))
    assert not hours.is_open(monday.replace(hour=17, minute=15))
    assert not hours.is_open(datetime(2026, 4, 7, 10, 0, tzinfo=TOKYO))  # Tuesday
    assert not hours.is_open(datetime(2026, 4, 13, 10, 0, tzinfo=TOKYO))  # closed date
    assert ALWAYS_OPEN.is_open(datetime(2026, 4, 12, 23, 59, tzinfo=TOKYO))


def test_a_ticket_is_live_until_its_visit_ends() -> None:
    desk = Desk()
    ticket = desk.issue("job")
    desk.queue.park(ticket.id, desk.now)
    assert ticket.live and ticket.status is TicketStatus.PARKED
    desk.queue.cancel(ticket.id, desk.now)
    assert not ticket.live
