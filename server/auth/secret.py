"""The key that signs login cookies: a file of random bytes, readable by its owner only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..settings import Settings
from ..store.db import sqlite_path


class NoSecretKey(RuntimeError):
    pass


def secret_key_path(settings: Settings) -> Path:
    """The setting, else `<database file>.secret` beside a SQLite database."""
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    database = sqlite_path(settings.database)
    if database is None:
        raise NoSecretKey(
            "Set secret_key_file: the database is not a SQLite file, so there "
            "is no folder to keep the login key in."
        )
    return Path(database + ".secret")


def load_or_create(path: Path) -> bytes:
    """The key in `path`; a new one is written there first if the file does not exist."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise NoSecretKey(
            f"The login key in {path} is too short: delete the file and a new "
            "one is made (everyone must then log in again)."
        )
    return key.encode()
