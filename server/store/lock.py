"""One server per database: the live queues are held in one process's memory."""

from __future__ import annotations

import fcntl
import os
from typing import IO


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
