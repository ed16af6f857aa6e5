"""psycopg's waits by thread (server/serving.py `blocking_waits_off_the_loop`): real queries
on PostgreSQL, one from the thread that runs the event loop and one from a worker thread, as
the group commit runs; each goes through the wait meant for its thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import waiting

from server.serving import blocking_waits_off_the_loop
from tests import pg


@pytest.fixture
def database() -> Iterator[str]:
    name = pg.create_database()
    yield pg.url(name).replace("postgresql+psycopg://", "postgresql://")
    pg.drop_database(name)


def test_the_loops_thread_waits_cooperatively_and_a_worker_thread_in_c(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[tuple[str, str]] = []
    real_c = waiting.wait_c
    real_poll = waiting.wait_poll

    def cooperative(gen: Any, fileno: int, **kw: Any) -> Any:  # what gevent's patching picks
        used.append(("cooperative", threading.current_thread().name))
        return real_poll(gen, fileno, **kw)

    def blocking(gen: Any, fileno: int, **kw: Any) -> Any:
        used.append(("c", threading.current_thread().name))
        return real_c(gen, fileno, **kw)

    monkeypatch.setattr(waiting, "wait", cooperative)
    monkeypatch.setattr(waiting, "wait_c", blocking)
    blocking_waits_off_the_loop()
    assert getattr(waiting.wait, "by_thread", False)
    installed = waiting.wait
    blocking_waits_off_the_loop()
    assert waiting.wait is installed  # a second call changes nothing (no wait around a wait)

    def query(conn: psycopg.Connection) -> int:
        with conn.transaction():
            return int(conn.execute("SELECT 40 + 2").fetchone()[0])  # type: ignore[index]

    with psycopg.connect(database) as conn:
        assert query(conn) == 42
        on_loop = set(used)
        used.clear()
        answers: list[int] = []
        worker = threading.Thread(target=lambda: answers.append(query(conn)), name="writer")
        worker.start()
        worker.join(30)
        in_worker = set(used)
    assert answers == [42]
    assert waiting.wait is installed
    assert on_loop == {("cooperative", threading.current_thread().name)}
    assert in_worker == {("c", "writer")}
