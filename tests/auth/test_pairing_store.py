"""Pending pairings in the store (server/auth/pairing.py over server/store/pairings.py), on
SQLite and PostgreSQL: what is stored gives nobody the token, a code is approved once and a
token collected once however many ask at once, and what has expired goes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from server.auth import pairing as pairing_module
from server.auth.errors import PairingExpired, TooManyAttempts
from server.auth.pairing import KEEP_EXPIRED, MAX_PER_ADDRESS, Pairing, Pairings
from server.domain.errors import NotFound
from server.store import schema
from server.store.devices import Device, token_hash

pytestmark = pytest.mark.both_stores

AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
KIOSK = Device("", "kiosk", "a", "入口")


@pytest.fixture
def pairings(store: Engine) -> Pairings:
    return Pairings(store, store, lambda fn: fn(), minutes=10)


def stored(store: Engine) -> list[Any]:
    with store.connect() as conn:
        return list(conn.execute(select(schema.pairings)))


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(n)` for n in range(count), started together: each result or the error raised."""
    together = threading.Barrier(count)

    def run(n: int) -> Any:
        together.wait()
        try:
            return work(n)
        except Exception as exc:  # the refusal is the result
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def kiosk(n: int = 1) -> Device:
    return Device(f"a-kiosk-{n}", "kiosk", "a", "入口")


def test_the_store_holds_neither_the_pairing_id_nor_the_token(
    pairings: Pairings, store: Engine
) -> None:
    started = pairings.start(AT, "10.0.0.7")
    [row] = stored(store)
    assert row.id_hash == token_hash(started.id) and started.id not in row
    assert (row.code, row.address, row.device_id) == (started.code, "10.0.0.7", None)
    assert pairings.poll(started.id, AT) == Pairing(started.id, started.code,
                                                    AT + timedelta(minutes=10))
    later = AT + timedelta(minutes=3)
    typed = " ".join(started.code.lower())  # as an administrator might type it
    hashed = pairings.approve(typed, kiosk(), later, [])
    [row] = stored(store)
    assert row.device_id == "a-kiosk-1" and row.token_hash == hashed
    assert row.expires_at.replace(tzinfo=UTC) == later + timedelta(minutes=10)
    collected = pairings.poll(started.id, later)
    assert collected.token is not None and token_hash(collected.token) == hashed
    assert collected.token not in row and collected.token not in row.sealed_token
    assert collected.device == kiosk()
    assert stored(store) == []  # collected: nothing of it is kept
    with pytest.raises(NotFound):
        pairings.poll(started.id, later)
    with pytest.raises(NotFound):
        pairings.approve(started.code, kiosk(2), later, [])


def test_a_code_entered_many_times_at_once_pairs_one_device(
    pairings: Pairings, store: Engine
) -> None:
    started = pairings.start(AT, None)
    results = at_once(8, lambda n: pairings.approve(started.code, kiosk(n), AT, []))
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 1, results
    assert all(isinstance(r, NotFound) and r.code == "unknown_pairing"
               for r in results if r not in won), results
    with store.connect() as conn:
        made = list(conn.execute(select(schema.devices.c.id, schema.devices.c.token_hash)))
    assert [r.token_hash for r in made] == won and stored(store)[0].device_id == made[0].id


def test_a_token_is_collected_once_however_many_ask_at_once(pairings: Pairings) -> None:
    started = pairings.start(AT, None)
    pairings.approve(started.code, kiosk(), AT, [])
    results = at_once(6, lambda n: pairings.poll(started.id, AT))
    given = [r for r in results if isinstance(r, Pairing)]
    assert len(given) == 1 and given[0].token, results
    assert all(isinstance(r, NotFound) for r in results if r not in given), results


def test_the_sealed_token_goes_at_expiry_and_the_pairing_an_hour_later(
    pairings: Pairings, store: Engine
) -> None:
    waiting = pairings.start(AT, None)
    approved = pairings.start(AT, None)
    pairings.approve(approved.code, kiosk(), AT, [])
    ended = AT + timedelta(minutes=10)
    assert pairings.purge(ended) == 0
    assert [r.sealed_token for r in stored(store)] == [None, None]
    for pairing in (waiting, approved):
        with pytest.raises(PairingExpired):
            pairings.poll(pairing.id, ended)
    with pytest.raises(PairingExpired):
        pairings.approve(waiting.code, kiosk(2), ended, [])
    assert pairings.purge(ended + KEEP_EXPIRED) == 2
    assert stored(store) == []
    with pytest.raises(NotFound):
        pairings.poll(waiting.id, ended + KEEP_EXPIRED)


def test_one_address_may_have_only_so_many_codes_waiting(pairings: Pairings) -> None:
    for _ in range(MAX_PER_ADDRESS):
        pairings.start(AT, "10.0.0.7")
    with pytest.raises(TooManyAttempts):
        pairings.start(AT, "10.0.0.7")
    pairings.start(AT, "10.0.0.8")
    pairings.start(AT + timedelta(minutes=10), "10.0.0.7")  # the others have expired


def test_a_code_shown_already_is_never_given_again(
    pairings: Pairings, store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pairing_module, "CODE_ALPHABET", "A")  # every code is AAAAAA
    pairings.start(AT, None)
    with pytest.raises(RuntimeError):
        pairings.start(AT, None)
    assert len(stored(store)) == 1
