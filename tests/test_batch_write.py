"""A group commit's batch (server/store/repository.write_batch) is stored exactly as given, on
SQLite and on PostgreSQL, where the whole batch is one statement (server/store/pgbatch.py):
every column of every table, read back by the store's own readers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from server.domain.events import Event, EventKind
from server.domain.model import CounterState, Ticket, TicketStatus
from server.domain.numbering import BandCursor
from server.store import audit, pgbatch, repository, schema
from server.store.repository import Batch, CommandRecord

pytestmark = pytest.mark.both_stores

AT = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC)


def every_field(ticket_id: int, **changes: object) -> Ticket:
    """A ticket with no field left at its default, text beyond ASCII included."""
    fields: dict[str, object] = dict(
        id=ticket_id, site_id="a", business_day=date(2026, 12, 7), number=ticket_id,
        label=f"J{ticket_id:03d}", purposes=("job", "welfare"), service_id="job",
        status=TicketStatus.CALLED, issued_at=AT, rank_at=AT + timedelta(seconds=1),
        priority=True, language="vi", public_token=f"tok-{ticket_id}", stage=2,
        purpose_index=1, counter_id="a-c1", staff="staff1",
        called_at=AT + timedelta(minutes=3), calls=2, requeues=1, transferred_from="career",
        note="車いす 'quoted' \"twice\" \\ back", updated_at=AT + timedelta(minutes=4),
        closed_reason="served", slot_at=AT + timedelta(hours=1))
    fields.update(changes)
    return Ticket(**fields)  # type: ignore[arg-type]


def test_every_column_of_every_table_is_written_and_read_back(store: Engine) -> None:
    first, second = every_field(1), every_field(2, note=None, counter_id=None, slot_at=None)
    counter = CounterState("a-c1", "open", 1, "staff1", True, 3, AT)
    events = [Event(EventKind.CALLED, "a", AT, 1, 2, "job", "a-c1", "staff1",
                    {"label": "J001", "words": ["ひらがな", 1, None, {"x": True}]}, seq=7),
              Event(EventKind.ISSUED, "a", AT, 2, 0, "job", seq=8)]
    command = CommandRecord("kiosk:k1", "h" * 64, 201, {"ticket": {"id": 1, "label": "J001"}})
    rows = [audit.audit_row(AT, "staff1", "user", "staff", "a", f"call {n}", 200, "a-c1",
                            {"n": n, "名前": "x"}, "10.0.0.1") for n in range(3)]
    with store.connect() as conn:
        repository.write_batch(conn, Batch(
            [first, second], [("a", counter)], [("a", BandCursor("job", date(2026, 12, 7), 2))],
            events, [(command, AT)], rows))

    assert repository.find_ticket(store, 1) == first
    assert repository.find_ticket(store, 2) == second
    site = repository.load_site(store, "a", date(2026, 12, 7))
    assert site.counters == [counter]
    assert site.cursors == [BandCursor("job", date(2026, 12, 7), 2)]
    assert repository.events_since(store, ["a"], 0, 10) == events
    assert repository.find_command(store, "kiosk:k1") == command
    assert repository.command_keys_since(store, AT) == [("kiosk:k1", AT)]
    stored = audit.read(store)
    assert [r["action"] for r in stored] == ["call 0", "call 1", "call 2"]  # in their order
    assert [r["detail"] for r in stored] == [{"n": n, "名前": "x"} for n in range(3)]


def test_a_row_given_twice_in_one_batch_is_stored_as_its_last_version(store: Engine) -> None:
    """The engine merges its callers' changes; should a ticket still come twice, the later
    version stands (an upsert may not touch a row twice in one PostgreSQL statement)."""
    with store.connect() as conn:
        repository.write_batch(conn, Batch(
            [every_field(1, calls=1), every_field(1, calls=2)], [],
            [("a", BandCursor("job", date(2026, 12, 7), 1)),
             ("a", BandCursor("job", date(2026, 12, 7), 2))], [], []))
        repository.write_batch(conn, Batch([every_field(1, calls=3)], [], [], [], []))
    assert repository.find_ticket(store, 1) == every_field(1, calls=3)
    assert repository.load_site(store, "a", date(2026, 12, 7)).cursors == [
        BandCursor("job", date(2026, 12, 7), 2)]


def test_the_batch_gives_a_value_for_every_column(store: Engine) -> None:
    """The statement reads each table's columns from the batch's rows: a column the rows
    lack would be stored empty without a word, so the rows and the tables must agree."""
    given = [repository.ticket_row(every_field(1)),
             repository.counter_row("a", CounterState("a-c1")),
             {"site_id": "a", "band": "job", "day": date(2026, 12, 7), "last": 1},
             repository.event_row(Event(EventKind.ISSUED, "a", AT)),
             {"key": "k", "request_hash": "h", "status": 201, "response": {}, "created_at": AT},
             audit.audit_row(AT, "x", "user", None, None, "a", 200)]
    for (table, _), row in zip(pgbatch.TABLES, given, strict=True):
        assert sorted(row) == sorted(pgbatch.columns(table)), table.name
    with store.connect() as conn:  # and the tables are the store's, as migrated
        for table, _ in pgbatch.TABLES:
            found = conn.execute(select(text("*")).select_from(table).limit(0)).keys()
            assert set(pgbatch.columns(table)) <= set(found), table.name
    assert schema.audit_log.c.seq.name not in pgbatch.columns(schema.audit_log)
