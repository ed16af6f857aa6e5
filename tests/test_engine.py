"""The engine's promise when an answer cannot be built: the change stands, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine as Database

from server.domain.clock import SimulatedClock
from server.engine import Engine
from server.siteconfig import parse_sites
from server.store import db as store_db
from tests.harness import site_file

pytestmark = pytest.mark.both_stores


Stores = tuple[Database, Database]  # the writer's and the reader's


@pytest.fixture
def stores(tmp_path: Path, database: str | None) -> Iterator[Stores]:
    """The store, migrated: a SQLite file of the test's own, or a PostgreSQL database."""
    url = database or f"sqlite:///{tmp_path / 'q.db'}"
    writer = store_db.open_engine(url)
    store_db.migrate(writer)
    reader = store_db.open_engine(url, writer=False)
    yield writer, reader
    writer.dispose()
    reader.dispose()


def broken_render(_: Any) -> tuple[int, dict[str, Any]]:
    raise RuntimeError("a bug in building the answer")


def test_a_failed_answer_keeps_the_change_and_a_retry_does_not_repeat_it(stores: Stores) -> None:
    writer, reader = stores
    site = parse_sites(site_file(["a"])).sites[0]
    engine = Engine(writer, reader, {"a": site},
                    SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    engine.start()
    try:
        def issue(queue: Any, now: datetime) -> Any:
            return queue.issue(engine.new_ticket_id(), ["job"], now, engine.new_public_token())

        first = engine.run("a", issue, broken_render, key="kiosk:k1", request_hash="h")
        again = engine.run("a", issue, broken_render, key="kiosk:k1", request_hash="h")

        assert first == again
        assert first[0] == 500 and first[1]["error"] == "answer_failed"
        assert len(engine.queue("a").tickets) == 1
    finally:
        engine.stop()


def test_an_idempotency_key_holds_across_the_day_and_is_forgotten_after_its_ttl(
        stores: Stores) -> None:
    """Only hashes of answered keys stay in memory, by hour; a repeat within the TTL gets the
    first answer back (read from the store), also after a restart; after the TTL the key is
    purged from memory and store alike."""
    writer, reader = stores
    site = parse_sites(site_file(["a"])).sites[0]
    clock = SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    engine = Engine(writer, reader, {"a": site}, clock)
    engine.start()

    def issue(queue: Any, now: datetime) -> Any:
        return queue.issue(engine.new_ticket_id(), ["job"], now, engine.new_public_token())

    def render(ticket: Any) -> tuple[int, dict[str, Any]]:
        return 201, {"id": ticket.id, "label": ticket.label}

    try:
        first = engine.run("a", issue, render, key="kiosk:k1", request_hash="h")
        clock.advance(timedelta(hours=9))
        assert engine.run("a", issue, render, key="kiosk:k1", request_hash="h") == first
        other = engine.run("a", issue, render, key="kiosk:k2", request_hash="h")
        assert other != first and len(engine.queue("a").tickets) == 2
        engine.stop()
        engine = Engine(writer, reader, {"a": site}, clock)  # a restart
        engine.start()
        assert engine.run("a", issue, render, key="kiosk:k1", request_hash="h") == first
        clock.advance(timedelta(hours=50))
        assert engine.purge_commands() == 2
        assert not engine._answered  # every hour's keys are past the TTL
        again = engine.run("a", issue, render, key="kiosk:k2", request_hash="h")
        assert again != other  # forgotten: a new ticket
    finally:
        engine.stop()


def test_a_commit_failing_part_way_stores_nothing_of_its_batch(stores: Stores) -> None:
    """A group commit whose event row cannot be stored (its number is taken) after the
    ticket's row was sent: the ticket is not stored either, the visitor is refused (503,
    never acknowledged), and the next ticket is stored."""
    from sqlalchemy import text

    from server.domain.errors import Unavailable
    from server.store import repository

    writer, reader = stores
    site = parse_sites(site_file(["a"])).sites[0]
    engine = Engine(writer, reader, {"a": site},
                    SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    engine.start()
    try:
        def issue(queue: Any, now: datetime) -> Any:
            return queue.issue(engine.new_ticket_id(), ["job"], now, engine.new_public_token())

        def render(ticket: Any) -> tuple[int, dict[str, Any]]:
            return 201, {"id": ticket.id}

        assert engine.run("a", issue, render)[0] == 201
        taken = engine.last_seq + 1  # the next event's number, stored by someone else
        with writer.begin() as conn:
            conn.execute(text("INSERT INTO events (seq, site_id, at, kind, data) "
                              "VALUES (:seq, 'a', :at, 'issued', '{}')"),
                         {"seq": taken, "at": datetime(2026, 11, 30, 1, 0, tzinfo=UTC)})
        with pytest.raises(Unavailable) as refused:
            engine.run("a", issue, render)
        assert refused.value.code == "store_unavailable"
        with reader.connect() as conn:
            tickets = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        assert tickets == 1  # the refused ticket's row went with its batch
        again = engine.run("a", issue, render)
        assert again[0] == 201
        assert repository.find_ticket(reader, again[1]["id"]) is not None
    finally:
        engine.stop()
