"""No slot is ever overbooked, however bookings race: in the store with threads (generated
slot sizes, day capacities and racers), and against the real server (two staff and a visitor
racing for the last place)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.domain.appointments import SlotCheck, code_hash, new_code
from server.domain.errors import Refusal
from server.store import bookings as store
from server.store import db as store_db
from server.store import schema
from tests.harness import ServerProcess, token

SLOT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def race(workers: list[Any]) -> list[Any]:
    """Run every worker at the same instant; their results (or refusals), in order."""
    start = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(k: int) -> None:
        start.wait(timeout=60)
        try:
            results[k] = workers[k]()
        except Refusal as refusal:
            results[k] = refusal.code

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@settings(max_examples=12, database=None, derandomize=True, deadline=None)
@given(per_slot=st.integers(1, 3), day_capacity=st.integers(1, 4), racers=st.integers(2, 6),
       slots=st.integers(1, 2))
def test_racing_bookings_never_overfill_a_slot_or_a_day(
        tmp_path_factory: Any, per_slot: int, day_capacity: int, racers: int,
        slots: int) -> None:
    path: Path = tmp_path_factory.mktemp("race") / "race.db"
    writer = store_db.open_engine(f"sqlite:///{path}", writer=True)
    schema.metadata.create_all(writer)
    checks = [SlotCheck(SLOT + timedelta(minutes=30 * k), SLOT.date(), per_slot, day_capacity)
              for k in range(slots)]

    def booker(k: int) -> Any:
        return lambda: store.insert(writer, "s", ("career",), checks[k % slots],
                                    lambda: code_hash(new_code()), None, f"racer{k}", SLOT)

    results = race([booker(k) for k in range(racers)])
    booked = [r for r in results if not isinstance(r, str)]
    assert all(r == "slot_full" for r in results if isinstance(r, str))
    per = Counter(b.slot_at for b in booked)
    assert all(n <= per_slot for n in per.values())
    assert len(booked) <= day_capacity
    # as many as fit were booked: a refusal only when the slot or the day was really full
    fit = min(day_capacity, sum(min(per_slot, len(range(k, racers, slots)))
                                for k in range(slots)))
    assert len(booked) == fit
    with writer.connect() as conn:
        rows = conn.execute(select(schema.bookings.c.seat, schema.bookings.c.day_seat)).all()
    assert len(rows) == len(booked)  # nothing half-written by the refused ones
    writer.dispose()


def test_two_staff_and_a_visitor_race_for_the_last_place_on_the_real_server(
        server: ServerProcess, site: str) -> None:
    tz = ZoneInfo("Asia/Tokyo")
    tomorrow = (datetime.now(tz) + timedelta(days=1)).date()
    slot = datetime.combine(tomorrow, datetime.min.time(), tz).replace(hour=10).isoformat()
    body = {"services": ["career"], "slot": slot}
    first = server.request("POST", f"/api/sites/{site}/appointments", token(site, "staff1"),
                           body)
    assert first.status == 201  # one of the slot's two places is taken: one is left

    def by(path: str, who: str | None) -> Any:
        headers = {"Authorization": f"Bearer {token(site, who)}"} if who else {}
        return lambda: requests.post(f"{server.url}{path}", json=body, headers=headers,
                                     timeout=60)

    staff_path = f"/api/sites/{site}/appointments"
    replies = race([by(staff_path, "staff1"), by(staff_path, "staff2"),
                    by(f"/api/public/sites/{site}/appointments", None)])
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [201, 409, 409]
    assert all(r.json()["error"] == "slot_full" for r in replies if r.status_code == 409)
    listed = server.request("GET", f"/api/sites/{site}/appointments?day={tomorrow}",
                            token(site, "staff1")).body["appointments"]
    assert len(listed) == 2
