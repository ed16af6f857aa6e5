"""psycopg's waits by thread (server/serving.py `blocking_waits_off_the_loop`): real queries
on PostgreSQL, one from the thread that runs the event loop and one from a worker thread;
each goes through the wait meant for its thread. And the event loop's own wait
(`loop_wait`) in a gevent-patched process: statements, a pipeline, a timeout, and other
greenlets running while a query waits."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import waiting

from server import serving
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
    real_loop = serving.loop_wait

    def patched(gen: Any, fileno: int, **kw: Any) -> Any:  # what gevent's patching picks
        used.append(("psycopg's own", threading.current_thread().name))
        return waiting.wait_poll(gen, fileno, **kw)

    def cooperative(gen: Any, fileno: int, **kw: Any) -> Any:
        used.append(("cooperative", threading.current_thread().name))
        return real_loop(gen, fileno, **kw)

    def blocking(gen: Any, fileno: int, **kw: Any) -> Any:
        used.append(("c", threading.current_thread().name))
        return real_c(gen, fileno, **kw)

    monkeypatch.setattr(waiting, "wait", patched)
    monkeypatch.setattr(waiting, "wait_c", blocking)
    monkeypatch.setattr(serving, "loop_wait", cooperative)
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


LOOP_WAIT = r"""
from gevent import monkey
monkey.patch_all()
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
import gevent, psycopg
from psycopg import errors, waiting
from psycopg._enums import Ready, Wait
from server.serving import blocking_waits_off_the_loop, loop_wait

blocking_waits_off_the_loop()
with psycopg.connect(sys.argv[1]) as conn:
    assert conn.execute("SELECT 40 + 2").fetchone()[0] == 42
    conn.execute("CREATE TABLE t (a int, b text)")
    with conn.pipeline():  # the group commit's writes
        cur = conn.cursor()
        cur.executemany("INSERT INTO t VALUES (%s, %s)", [(1, "x"), (2, "y"), (3, "z")])
        cur.execute("SELECT sum(a) FROM t")
    assert cur.fetchone()[0] == 6
    conn.commit()
    ticks = []
    ticker = gevent.spawn(lambda: [ticks.append(gevent.sleep(0.01)) for _ in range(1000)])
    started = time.monotonic()
    conn.execute("SELECT pg_sleep(0.3)")
    took = time.monotonic() - started
    ticker.kill()
    # The loop ran meanwhile (a wait that blocked it would give none; a loaded machine gives
    # fewer than 30).
    assert took >= 0.3 and len(ticks) >= 3, (took, len(ticks))

def wait_once():
    return (yield Wait.R)

a, b = socket.socketpair()
started = time.monotonic()
try:
    loop_wait(wait_once(), a.fileno(), timeout=0.2)
    raise AssertionError("no timeout")
except errors._WaitTimeout:
    assert time.monotonic() - started >= 0.19
gevent.spawn_later(0.05, b.send, b"x")
assert loop_wait(wait_once(), a.fileno()) == Ready.R

def wait_for(wanted):
    return (yield wanted)

assert loop_wait(wait_for(Wait.W), a.fileno()) == Ready.W  # asked at once, not waited on
assert loop_wait(wait_for(Wait.RW), a.fileno()) == Ready.RW  # the "x" is still unread
a.recv(1)
assert loop_wait(wait_for(Wait.RW), a.fileno()) == Ready.W
kept = [socket.socket() for _ in range(1100)]  # a busy server's descriptors pass 1024
high, _ = socket.socketpair()
assert high.fileno() > 1024
assert loop_wait(wait_for(Wait.W), high.fileno()) == Ready.W
print("ok")
"""


def test_the_event_loops_wait_serves_statements_pipelines_and_timeouts_and_lets_the_loop_run(
        database: str) -> None:
    done = subprocess.run([sys.executable, "-c", LOOP_WAIT, database], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_the_stores_connections_give_up_on_a_network_that_is_gone(database: str) -> None:
    """The kernel's own limits are set on every connection the store opens (store/db.py):
    data unacknowledged for 10 s, or an idle wait whose keepalive probes go unanswered, fail
    the connection rather than waiting for TCP's retransmissions."""
    import socket

    from server.store import db as store_db

    engine = store_db.open_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            fd = conn.connection.dbapi_connection.pgconn.socket  # type: ignore[union-attr]
            sock = socket.socket(fileno=os.dup(fd))
            try:
                options = {
                    "keepalive": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                    "idle": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                    "every": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                    "probes": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                    "user_timeout_ms": sock.getsockopt(socket.IPPROTO_TCP,
                                                       socket.TCP_USER_TIMEOUT)}
            finally:
                sock.close()
    finally:
        engine.dispose()
    assert options == {"keepalive": 1, "idle": 5, "every": 2, "probes": 3,
                       "user_timeout_ms": 10_000}
