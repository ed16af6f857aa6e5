"""Opening the database (SQLite, or PostgreSQL for a central deployment), migrating it, and
the settings that make commits durable."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy import text as sql_text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from . import schema

MIGRATIONS = Path(__file__).parent / "migrations"
READER_CACHE_KIB = 256
MIGRATION_LOCK = 0x6D61646F  # PostgreSQL advisory lock key: "mado"
CONNECT_SECONDS = 5  # a PostgreSQL server that does not answer is reported, not waited for
# A connection to PostgreSQL whose network is gone (packets dropped: a cable, a switch, a
# machine that lost power) fails within seconds rather than after TCP's retransmissions
# (a quarter of an hour): what is sent and not acknowledged for TCP_USER_TIMEOUT_MS, or an
# idle wait whose probes go unanswered (after KEEPALIVE seconds, then every KEEPALIVE_EVERY,
# KEEPALIVE_PROBES times). Worker threads (logins, bookings, reports) wait on the socket
# itself, with no time limit of ours. A busy server's kernel still acknowledges: a long query
# is not cut short.
TCP_USER_TIMEOUT_MS = 10_000
KEEPALIVE, KEEPALIVE_EVERY, KEEPALIVE_PROBES = 5, 2, 3
# A writer's transaction left open (its process frozen, cut off) is ended by PostgreSQL after
# this long, so that its row locks cannot hold up the process that takes its sites over.
IDLE_IN_TRANSACTION_MS = 2000
MIGRATION_IDLE_MS = 120_000  # a migration's pauses between steps (a process frozen longer
# keeps the others, which wait on MIGRATION_LOCK, waiting no longer than this)


class DatabaseUnreachable(RuntimeError):
    """The database server did not answer (wrong address, not running, refused us)."""


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def open_engine(url: str, writer: bool = True, name: str = "madoguchi") -> Engine:
    """An engine for `url`; SQLite gets WAL, full synchronous commits and foreign keys.

    A writer's transactions take SQLite's write lock at BEGIN; a reader's never take it.
    PostgreSQL commits durably as it is set up by default (synchronous_commit on); its
    sessions speak UTC.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # `name`: a cluster's process, by which its sessions are found (store/leases.py).
        options = f"-c timezone=UTC -c application_name={name[:63]}"
        if writer:
            options += f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
        return create_engine(
            url, pool_pre_ping=True, pool_size=4, max_overflow=16, pool_recycle=3600,
            connect_args={"connect_timeout": CONNECT_SECONDS, "options": options,
                          "keepalives": 1, "keepalives_idle": KEEPALIVE,
                          "keepalives_interval": KEEPALIVE_EVERY,
                          "keepalives_count": KEEPALIVE_PROBES,
                          "tcp_user_timeout": TCP_USER_TIMEOUT_MS})
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # Connections are kept: opening one costs a file open and four PRAGMAs. None of them
        # holds a lock or a read snapshot while it waits in the pool.
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=16,
        connect_args={"check_same_thread": False, "timeout": 10},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below be the only transaction control.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        if writer:
            # Checkpoints run on their own (store.db.checkpoint), not inside a commit.
            cur.execute("PRAGMA wal_autocheckpoint=0")
        else:
            # Readers are kept in the pool: a small page cache each (the OS caches the file),
            # not SQLite's 2 MB default held for ever by every idle connection.
            cur.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE: take the write lock at BEGIN rather than fail half-way through.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def cluster_channel(url: str) -> str:
    """The name a cluster's processes share in Redis (their Socket.IO channel, the prefix of
    their login throttles' keys): the database's address, so that one cluster's processes
    share it and two clusters on one Redis keep apart."""
    parsed = make_url(url)
    return f"madoguchi:{parsed.host or ''}:{parsed.port or ''}/{parsed.database or ''}"


def check_reachable(engine: Engine) -> None:
    """Connect once, or raise DatabaseUnreachable with what went wrong, in a sentence."""
    try:
        with engine.connect() as conn:
            conn.execute(sql_text("SELECT 1"))
    except Exception as exc:  # the driver's own error: its message says why
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnreachable(
            f"The database {where} cannot be reached: {reason}. Check that PostgreSQL runs "
            "and that the address, database name and user in the database URL are right."
        ) from None


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer madoguchi than this one."""


def known_revisions() -> set[str]:
    return _revisions()[0]


def head_revision() -> str:
    """The newest migration, read from the migration files (alembic is not imported: it costs
    the server ~10 MB of memory for a check that finds the schema current on every start)."""
    revisions, parents = _revisions()
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def _revisions() -> tuple[set[str], set[str]]:
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = re.search(r'^revision = "([^"]+)"', source, re.M)
        if found:
            revisions.add(found.group(1))
        down = re.search(r'^down_revision = "([^"]+)"', source, re.M)
        if down:
            parents.add(down.group(1))
    return revisions, parents


def stored_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None (new, or never migrated). A database that
    cannot be read raises: it is not taken for a new one (a cluster process that lost its
    connection mid-query took that None for "upgraded by a newer version" and refused every
    change until restarted)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sql_text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (alembic is loaded only if there is one to
    run)."""
    stored = stored_revision(engine)
    if stored == head_revision():
        return
    if stored is not None and stored not in known_revisions():
        raise SchemaTooNew(
            f"The database was upgraded by a newer version of madoguchi (its schema is at "
            f"{stored}; this version knows up to {head_revision()}): install the newer "
            "version here too.")
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Processes started together migrate one after the other; the later ones find
            # the schema current (PostgreSQL's DDL is transactional: all or nothing).
            conn.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            # A writer's session ends a transaction left idle for 2 s, and a migration's
            # transaction is idle while Python loads and runs the next step: on a busy
            # machine that took longer, and the upgrade failed half-way (rolled back).
            conn.execute(sql_text(
                f"SET LOCAL idle_in_transaction_session_timeout = {MIGRATION_IDLE_MS}"))
            current = conn.execute(sql_text(
                "SELECT version_num FROM alembic_version")).scalar() if _has_version_table(
                    conn) else None
            if current == head_revision():
                return
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _has_version_table(conn: Connection) -> bool:
    return bool(conn.execute(sql_text("SELECT to_regclass('alembic_version') IS NOT NULL"))
                .scalar())


def save_config(engine: Engine, source: str, text: str, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(schema.site_config.insert().values(source=source, text=text, loaded_at=now))


def latest_config(engine: Engine) -> tuple[str, str] | None:
    """The site configuration loaded most recently by `init`, as (source, text)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(schema.site_config.c.source, schema.site_config.c.text)
            .order_by(schema.site_config.c.id.desc())
            .limit(1)
        ).first()
    return (row.source, row.text) if row else None


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sqlite_path(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return parsed.database if parsed.database != ":memory:" else None


def backup(url: str, destination: str) -> int:
    """Copy a live SQLite database with the online backup API; returns the pages copied."""
    path = sqlite_path(url)
    if path is None:
        raise ValueError("backup works on a SQLite database file; use pg_dump for PostgreSQL")
    if not Path(path).exists():
        raise FileNotFoundError(path)
    source = sqlite3.connect(path)
    target = sqlite3.connect(destination)
    try:
        with target:
            source.backup(target)
        pages = target.execute("PRAGMA page_count").fetchone()[0]
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RuntimeError(f"backup failed its integrity check: {check}")
        return int(pages)
    finally:
        source.close()
        target.close()


def checkpoint(conn: Connection) -> None:
    """Copy the WAL back into the database without blocking readers or the next commit."""
    if conn.dialect.name == "sqlite":
        # On the driver's own connection (autocommit): through SQLAlchemy it would open a
        # transaction that the next commit then trips over.
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def session_of(conn: Connection) -> int | None:
    """The PostgreSQL backend serving `conn` (None on SQLite); read without a round trip."""
    if conn.dialect.name != "postgresql":
        return None
    return int(conn.connection.dbapi_connection.info.backend_pid)  # type: ignore[union-attr]


def end_session(engine: Engine, pid: int) -> None:
    """End PostgreSQL session `pid` (a writer's connection given up while the database did not
    answer), waiting up to 5 s for it to be gone: whatever it had received and not committed
    by then never will be, so the queues can be loaded from what is stored."""
    with engine.connect() as conn:
        conn.execute(sql_text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
