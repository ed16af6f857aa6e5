"""One server per database: the live queues are held in one process's memory.

Beside a SQLite file, a lock file; on PostgreSQL (without a cluster's site leases), an
advisory lock held by a connection of its own for the life of the process.
"""

from __future__ import annotations

import fcntl
import os
from typing import IO

from sqlalchemy import Connection, Engine, text

SERVER_LOCK = 0x6D61646F + 1  # PostgreSQL advisory lock key of the one server


class DatabaseInUse(RuntimeError):
    pass


def hold_server_lock(db_path: str) -> IO[str]:
    """Take the server lock beside the database file, or fail if another server has it.

    The lock lasts as long as the returned file stays open (the life of the process).
    """
    handle = open(db_path + ".lock", "a+")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DatabaseInUse(
            f"Another madoguchi server is already using {db_path}; stop it first."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


class DatabaseLock:
    """A PostgreSQL advisory lock, held while its connection stays open."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        # Closed, not handed back to the pool: the session (and with it the lock) ends.
        self.conn.invalidate()
        self.conn.close()


def hold_database_lock(engine: Engine, url: str) -> DatabaseLock:
    """Take the one server's advisory lock on a PostgreSQL database, or fail if another
    server has it."""
    conn = engine.connect()
    taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": SERVER_LOCK}).scalar()
    conn.commit()
    if not taken:
        conn.close()
        raise DatabaseInUse(
            f"Another madoguchi server is already using {url} as the only server; stop it "
            "first, or run every server with cluster = true (docs/operating/cluster.md).")
    return DatabaseLock(conn)
