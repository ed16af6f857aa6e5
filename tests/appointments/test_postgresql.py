"""On PostgreSQL (the test server of tests/pg.py): the appointments' migration runs, and
bookings racing for the last place of a slot from several threads at once (transactions that
may read at the same time, unlike SQLite's one writer) still never overfill it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from server.domain.appointments import SlotCheck, code_hash, new_code
from server.store import bookings as store
from server.store import db as store_db
from server.store import schema
from tests import pg
from tests.appointments.test_overbooking import SLOT, race


@pytest.fixture
def postgres() -> Iterator[Engine]:
    name = pg.create_database()
    engine = store_db.open_engine(pg.url(name), writer=True)
    try:
        store_db.migrate(engine)  # every migration, 0006_appointments among them
        yield engine
    finally:
        engine.dispose()
        pg.drop_database(name)


def test_racing_for_the_last_places_on_postgresql_never_overfills(postgres: Engine) -> None:
    checks = [SlotCheck(SLOT + timedelta(minutes=30 * k), SLOT.date(), 1, 3) for k in range(2)]

    def booker(k: int) -> object:
        return lambda: store.insert(postgres, "s", ("career",), checks[k % 2],
                                    lambda: code_hash(new_code()), None, f"racer{k}", SLOT)

    results = race([booker(k) for k in range(6)])
    booked = [r for r in results if not isinstance(r, str)]
    assert sorted(r for r in results if isinstance(r, str)) == ["slot_full"] * 4
    assert Counter(b.slot_at for b in booked) == {SLOT: 1, SLOT + timedelta(minutes=30): 1}
    with postgres.connect() as conn:
        assert len(conn.execute(select(schema.bookings.c.id)).all()) == 2
