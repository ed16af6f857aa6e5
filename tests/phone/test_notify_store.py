"""The store of notification targets is never waited for on the engine's commit path: a visit
that ends is forgotten at once and its subscription deleted from the store by a greenlet of
its own (the notifier listens on the writer greenlet, so a deletion waited for there held
the next group commit, and every call in it, for a transaction of its own)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from server.services import services_of
from tests.appclient import Initialised, InProcessApp
from tests.phone.test_notify_refusals import push, subscription


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, initialised: Initialised
) -> Iterator[InProcessApp]:
    made = InProcessApp(
        tmp_path_factory.mktemp("notify-store"), initialised(("s01",)), push_hosts="push.example.jp"
    )
    yield made
    made.close()


def stored(app: InProcessApp) -> int:
    with sqlite3.connect(app.db) as conn:
        return int(conn.execute("SELECT count(*) FROM notify_targets").fetchone()[0])


def test_an_ended_visits_subscription_is_deleted_off_the_commit_path(app: InProcessApp) -> None:
    server = services_of(app.app)
    engine, notifier = server.engine, server.notifier
    mine = app.issue("s01", ["job"]).body
    assert push(app, mine["public_token"], subscription()).status == 201
    assert stored(app) == 1
    in_listener = [False]
    waited: list[bool] = []  # for each use of the store: whether the listener was running

    def listening(events: list[Any]) -> None:
        in_listener[0] = True
        try:
            notifier(events)
        finally:
            in_listener[0] = False

    def offload(fn: Any) -> Any:
        waited.append(in_listener[0])
        return real_offload(fn)

    real_offload, at = notifier.offload, engine._listeners.index(notifier)
    engine._listeners[at], notifier.offload = listening, offload  # type: ignore[method-assign]
    try:
        assert app.call_next("s01", "c1").body["ticket"]["id"] == mine["id"]
        assert app.act("s01", mine["id"], "cancel").status == 200
        assert notifier.channels_of("s01", mine["id"]) == []  # forgotten with the visit
        assert waited == []  # and the store not waited for meanwhile
        assert notifier._deleter is not None
        notifier._deleter.join(timeout=10)
    finally:
        engine._listeners[at], notifier.offload = notifier, real_offload  # type: ignore[method-assign]
    assert waited == [False]  # one deletion, after the listener had returned
    assert stored(app) == 0
