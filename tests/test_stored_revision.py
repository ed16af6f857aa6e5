"""Which migration a database is at: None only for a database never migrated. One that cannot
be read raises: a cluster process that lost its connection mid-query took None for "upgraded
by a newer version" and refused every change until it was restarted."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from server.store import db as store_db
from tests import pg


def test_a_new_database_is_at_no_migration_and_a_migrated_one_at_the_newest(
    tmp_path: Path,
) -> None:
    engine = store_db.open_engine(f"sqlite:///{tmp_path / 'new.db'}", writer=True)
    try:
        assert store_db.stored_revision(engine) is None
        store_db.migrate(engine)
        assert store_db.stored_revision(engine) == store_db.head_revision()
    finally:
        engine.dispose()


def test_a_query_that_fails_is_not_taken_for_a_new_database() -> None:
    """On PostgreSQL: the version table is locked by another session and the reading
    connection gives up after 0.3 s (a real failure mid-query, as a cut connection gives)."""
    name = pg.create_database()
    engine = store_db.open_engine(pg.url(name), writer=True)
    impatient = create_engine(pg.url(name) + "?options=-c%20statement_timeout%3D300")
    try:
        store_db.migrate(engine)
        with psycopg.connect(pg.url(name).replace("postgresql+psycopg", "postgresql")) as locker:
            locker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(OperationalError, match="statement timeout"):
                store_db.stored_revision(impatient)
        assert store_db.stored_revision(impatient) == store_db.head_revision()
    finally:
        impatient.dispose()
        engine.dispose()
        pg.drop_database(name)


def test_a_migration_slower_than_the_writers_idle_limit_still_completes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A writer's PostgreSQL session ends a transaction idle for 2 s (so a frozen process
    cannot hold its row locks). A migration is one transaction, idle while Python loads and
    runs its next step: on a loaded machine `init` failed with "terminating connection due to
    idle-in-transaction timeout". Here a pause half a second longer than that limit comes
    before the steps (the limit is the real one: a smaller one also ends the connection's own
    first queries on a loaded machine)."""
    from alembic import command

    upgrade = command.upgrade

    def slow_upgrade(*args: object, **kwargs: object) -> None:
        # The pause under test, not a wait for something.
        time.sleep(store_db.IDLE_IN_TRANSACTION_MS / 1000 + 0.5)
        upgrade(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(command, "upgrade", slow_upgrade)
    name = pg.create_database()
    engine = store_db.open_engine(pg.url(name), writer=True)
    try:
        store_db.migrate(engine)
        assert store_db.stored_revision(engine) == store_db.head_revision()
    finally:
        engine.dispose()
        pg.drop_database(name)
