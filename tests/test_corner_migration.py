"""Migration 0009 (`devices.show_sensitive`) on SQLite and on PostgreSQL: a database of the
version before keeps its devices, each showing no sensitive desk, and a display given desks
afterwards reads them back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from server.store import db as store_db
from server.store.devices import Device, active_devices, sync_devices, token_hash
from tests import pg

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    name = None
    if request.param == "postgresql":
        name = pg.create_database()
        url = pg.url(name)
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    found = store_db.open_engine(url, writer=True)
    try:
        yield found
    finally:
        found.dispose()
        if name is not None:
            pg.drop_database(name)


def upgrade_to(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(store_db.MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def test_devices_stored_before_the_migration_show_no_sensitive_desk_after_it(
    engine: Engine,
) -> None:
    upgrade_to(engine, "0008_cluster")
    with engine.begin() as conn:  # a display as the version before stored it
        conn.execute(text(
            "INSERT INTO devices (id, role, site_id, name, area, token_hash, created_at, source) "
            "VALUES ('corner', 'display', 'kita', '福祉コーナー', 'welfare', :hash, :now, "
            "'config')"), {"hash": token_hash("token-corner-0"), "now": NOW})
    store_db.migrate(engine)
    assert store_db.stored_revision(engine) == store_db.head_revision()
    assert active_devices(engine)[token_hash("token-corner-0")].show_sensitive == ()

    shown = Device("corner", "display", "kita", "福祉コーナー", area="welfare",
                   show_sensitive=("welfare", "housing"))
    sync_devices(engine, [(shown, "token-corner-0")], NOW)
    assert active_devices(engine)[token_hash("token-corner-0")].show_sensitive == (
        "welfare", "housing")
    corner = Device("corner", "display", "kita", "福祉コーナー", area="welfare")
    sync_devices(engine, [(corner, "token-corner-0")], NOW)  # taken out of the site file
    assert active_devices(engine)[token_hash("token-corner-0")].show_sensitive == ()
