"""PostgreSQL for the tests: a database of its own for each server or app, so that parallel
workers and tests never share one.

The server is the one the machines run (127.0.0.1:5432, trust authentication; its database
`test` is only used to create and drop ours). Each database is named after the pytest process
that made it, and a worker drops those left behind by processes that are gone (a run killed
half-way).
"""

from __future__ import annotations

import itertools
import os
import re

import psutil
import psycopg
from psycopg import sql

SERVER = os.environ.get("MADOGUCHI_TEST_POSTGRESQL", "postgresql://127.0.0.1:5432/test")
PREFIX = "mdg_"
_names = itertools.count(1)
_swept = False


def admin() -> psycopg.Connection:
    """A connection to the maintenance database, in autocommit (CREATE DATABASE needs it)."""
    return psycopg.connect(SERVER, autocommit=True, connect_timeout=10)


def url(name: str) -> str:
    """The SQLAlchemy URL of database `name` on the test server."""
    base = SERVER.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{base}/{name}"


def create_database(template: str | None = None) -> str:
    """A new, empty database (or a copy of `template`, which nobody may be connected to);
    its name."""
    _sweep()
    name = f"{PREFIX}{os.getpid()}_{next(_names)}"
    with admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)))
    return name


def drop_database(name: str) -> None:
    """Drop `name`, ending whatever sessions are still connected to it."""
    with admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def name_of(database_url: str) -> str:
    return database_url.rsplit("/", 1)[1]


def _sweep() -> None:
    """Once per process: drop the databases of pytest processes that no longer run."""
    global _swept
    if _swept:
        return
    _swept = True
    with admin() as conn:
        names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",))]
        for name in names:
            found = re.match(rf"{PREFIX}(\d+)_", name)
            if found and not psutil.pid_exists(int(found.group(1))):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)))
