"""The server's forecasts for kiosks tapping together: a forecast made a moment ago for
another kiosk's answer also answers this one (people ahead counted now)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.domain.clock import SimulatedClock
from server.domain.model import Ticket
from server.engine import Engine
from server.forecasting import Forecasting
from server.siteconfig import parse_sites
from server.store import db as store_db
from tests.harness import site_file


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    writer = store_db.open_engine(url)
    store_db.migrate(writer)
    reader = store_db.open_engine(url, writer=False)
    site = parse_sites(site_file(["a"])).sites[0]
    # 10:00 in Tokyo on a Monday: the site is open
    engine = Engine(
        writer, reader, {"a": site}, SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    )
    engine.start()
    yield engine
    engine.stop()
    writer.dispose()
    reader.dispose()


@pytest.fixture
def forecasts(engine: Engine) -> Forecasting:
    forecasts = Forecasting(engine)
    engine.subscribe(forecasts)
    return forecasts


def run(engine: Engine, operation: Any) -> Any:
    return engine.run("a", operation, lambda result: (200, {}))


def issue_later(engine: Engine, after: timedelta, service: str = "job") -> Ticket:
    """A ticket issued `after` the previous moment on the engine's simulated clock."""
    assert isinstance(engine.clock, SimulatedClock)
    engine.clock.advance(after)
    issued: list[int] = []
    run(
        engine,
        lambda q, now: issued.append(
            q.issue(engine.new_ticket_id(), [service], now, engine.new_public_token()).id
        ),
    )
    return engine.queue("a").tickets[issued[0]]


def test_a_forecast_answers_the_tickets_it_drew_for_two_seconds(
    engine: Engine, forecasts: Forecasting
) -> None:
    run(engine, lambda q, now: q.set_counter("a-c1", "open", now))
    first, second, third = (issue_later(engine, timedelta(seconds=1)) for _ in range(3))

    answer = forecasts.estimate("a", first)
    made = forecasts.runs["a"]
    assert answer is not None and answer.ahead == 0
    assert {first.id, second.id, third.id} <= set(made.waits)

    issue_later(engine, timedelta(milliseconds=300))  # the queue changed behind them
    answer = forecasts.estimate("a", second)
    assert forecasts.runs["a"] is made  # no new forecast
    assert answer is not None and answer.ahead == 1

    assert isinstance(engine.clock, SimulatedClock)
    engine.clock.advance(timedelta(milliseconds=300))
    run(engine, lambda q, now: q.call_next("a-c1", now))  # the first is called: the others move
    answer = forecasts.estimate("a", third)
    assert forecasts.runs["a"] is made  # a call that forecast played out
    assert answer is not None and answer.ahead == 1  # counted now

    engine.clock.advance(timedelta(seconds=2))
    answer = forecasts.estimate("a", third)
    assert forecasts.runs["a"] is not made  # two seconds on: a forecast of the state now
    assert answer is not None and answer.ahead == 1


def test_a_ticket_changed_since_the_forecast_gets_a_new_one(
    engine: Engine, forecasts: Forecasting
) -> None:
    run(engine, lambda q, now: q.set_counter("a-c2", "open", now))
    first, second = (issue_later(engine, timedelta(seconds=1)) for _ in range(2))
    assert forecasts.estimate("a", first) is not None
    made = forecasts.runs["a"]
    assert isinstance(engine.clock, SimulatedClock)
    engine.clock.advance(timedelta(milliseconds=300))
    run(engine, lambda q, now: q.call("a-c2", second.id, now))
    run(engine, lambda q, now: q.transfer(second.id, "career", now, "a-c2"))  # waits for career
    assert forecasts.estimate("a", second) is not None
    assert forecasts.runs["a"] is not made
