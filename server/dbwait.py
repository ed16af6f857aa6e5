"""A time limit on what the event loop waits for from PostgreSQL.

On PostgreSQL, statements run on the event loop wait cooperatively (server/serving.py): a
server that stops answering, or a network that drops everything, holds the greenlet until TCP
gives up, about 15 minutes. Within a time limit, the wait ends with TimeoutError instead.

A connection left waiting is of no use: SQLAlchemy invalidates one whose statement was
interrupted, but not one interrupted elsewhere (its pre-ping at checkout, say, which then
fails to put its autocommit back and returns it to the pool still waiting, where it fails
every later checkout). So when the limit is reached, every connection of the engine is let
go (`Engine.dispose`): the next ones are new, and they too are waited for within limits.

SQLite is waited for in worker threads, where a gevent timer has no place: no limit there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import gevent
from sqlalchemy import Engine


@contextmanager
def within(engine: Engine, seconds: float, what: str) -> Iterator[None]:
    """A context in which waiting for `engine` past `seconds` raises TimeoutError (saying
    `what` was waited for); no limit on SQLite."""
    if engine.dialect.name != "postgresql":
        yield
        return
    message = f"{what}: the database did not answer within {seconds:g} s"
    timer = gevent.Timeout(seconds, TimeoutError(message))
    timer.start()
    try:
        yield
    except BaseException as exc:
        if timer.pending:
            raise
        # It went off: whatever was raised while it was handled, the wait was too long.
        engine.dispose()
        if isinstance(exc, TimeoutError):
            raise
        raise TimeoutError(message) from exc
    finally:
        timer.close()
