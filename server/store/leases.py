"""Site leases in PostgreSQL: who owns each site's live queue, for how long, and the fence
every write passes.

Every time is PostgreSQL's own (`now()`), so the processes' clocks never have to agree. A
lease's `epoch` grows each time the site changes owner. A write checks, inside its own
transaction, that this process still holds the lease under the epoch it loaded the site with
(`Fence`, checked by the write's own statement: store/pgbatch.py), and locks the lease row
while it commits: a process that lost the lease (it was killed, cut off, or frozen past
`expires_at`) can never commit for the site again, and a taker waits for a write already
checked to commit before it loads the site.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

GENERATION_BITS = 24  # ids and sequence numbers of a generation: gen << 24 onwards


class Fenced(RuntimeError):
    """A write for sites whose lease this process no longer holds: nothing was stored."""

    def __init__(self, sites: set[str]) -> None:
        super().__init__(f"this process no longer owns site(s) {', '.join(sorted(sites))}")
        self.sites = sites


@dataclass(frozen=True)
class Lease:
    site_id: str
    owner: str
    address: str
    epoch: int
    expires_at: datetime
    live: bool  # not expired (by the database's clock)
    left: float = 0.0  # seconds until it expires (negative: it expired that long ago)

    @property
    def orphaned(self) -> bool:
        """Expired while a process held it: that process stopped renewing (it died, froze or
        was cut off). A lease given up has no owner."""
        return not self.live and bool(self.owner)


@dataclass(frozen=True)
class Member:
    owner: str
    address: str


@dataclass(frozen=True)
class Fence:
    """What each write of a cluster's process checks in its own transaction: that `owner`
    holds the lease of every site of `epochs` under that epoch, unexpired (the statement
    itself: store/pgbatch.py)."""

    owner: str
    epochs: dict[str, int]


def lost(conn: Connection, fence: Fence) -> set[str]:
    """The sites of `fence` that its owner no longer holds under their epochs, unexpired: why
    a fenced write was refused."""
    rows = conn.execute(text(
        "SELECT site_id, epoch FROM site_leases WHERE site_id = ANY(:sites) AND owner = :owner "
        "AND expires_at > clock_timestamp()"),
        {"sites": list(fence.epochs), "owner": fence.owner}).all()
    held = {r.site_id: r.epoch for r in rows}
    return {site for site, epoch in fence.epochs.items() if held.get(site) != epoch}


def new_generation(engine: Engine, owner: str) -> int:
    """A number larger than any handed out before, to any process."""
    with engine.begin() as conn:
        return int(conn.execute(text(
            "INSERT INTO id_generations (owner, taken_at) VALUES (:owner, now()) RETURNING id"),
            {"owner": owner}).scalar_one())


def heartbeat(engine: Engine, owner: str, address: str, seconds: float) -> list[str]:
    """Say this process is alive; the addresses of the live processes (this one's too)."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO cluster_members (owner, address, started_at, expires_at) "
            "VALUES (:owner, :address, now(), now() + make_interval(secs => :s)) "
            "ON CONFLICT (owner) DO UPDATE SET address = excluded.address, "
            "expires_at = excluded.expires_at"),
            {"owner": owner, "address": address, "s": seconds})
        conn.execute(text(
            "DELETE FROM cluster_members WHERE expires_at < now() - interval '1 hour'"))
        return list(conn.execute(text(
            "SELECT address FROM cluster_members WHERE expires_at > now()")).scalars())


def renew(engine: Engine, owner: str, epochs: dict[str, int], seconds: float) -> set[str]:
    """Extend this process's leases; the sites it still holds (under the same epoch)."""
    if not epochs:
        return set()
    with engine.begin() as conn:
        rows = conn.execute(text(
            "UPDATE site_leases SET expires_at = clock_timestamp() + make_interval(secs => :s) "
            "WHERE site_id = ANY(:sites) AND owner = :owner RETURNING site_id, epoch"),
            {"s": seconds, "sites": list(epochs), "owner": owner}).all()
    return {r.site_id for r in rows if epochs.get(r.site_id) == r.epoch}


def acquire(engine: Engine, owner: str, address: str, site_id: str,
            seconds: float) -> int | None:
    """Take the site's lease if nobody holds it (never held, expired or given up); its new
    epoch, or None.

    A process frozen in the middle of a write holds the lease row's lock; PostgreSQL ends
    such a session once it has been idle in its transaction for a while, but one frozen
    while the server was still answering it is not idle. So if the row stays locked, the
    sessions of the lease's expired owner (named after it: store/db.py) are ended: its lease
    is over, and whatever it had not committed must not be.
    """
    try:
        return _acquire(engine, owner, address, site_id, seconds)
    except OperationalError as exc:
        if "lock timeout" not in str(exc):
            raise
    with engine.begin() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a JOIN site_leases l "
            "ON a.application_name = l.owner WHERE l.site_id = :site AND l.owner <> '' "
            "AND l.owner <> :me AND l.expires_at <= clock_timestamp() "
            "AND a.pid <> pg_backend_pid()"), {"site": site_id, "me": owner})
    return _acquire(engine, owner, address, site_id, seconds)


def _acquire(engine: Engine, owner: str, address: str, site_id: str,
             seconds: float) -> int | None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '1s'"))
        conn.execute(text(
            "INSERT INTO site_leases (site_id, owner, address, epoch, expires_at) "
            "VALUES (:site, '', '', 0, '1970-01-01T00:00:00Z') ON CONFLICT (site_id) DO NOTHING"),
            {"site": site_id})
        epoch = conn.execute(text(
            "UPDATE site_leases SET owner = :owner, address = :address, epoch = epoch + 1, "
            "expires_at = clock_timestamp() + make_interval(secs => :s) "
            "WHERE site_id = :site AND (expires_at <= clock_timestamp() OR owner = '') "
            "RETURNING epoch"),
            {"owner": owner, "address": address, "s": seconds, "site": site_id}).scalar()
    return int(epoch) if epoch is not None else None


def release(engine: Engine, owner: str, sites: Iterable[str]) -> None:
    """Give sites up at once (a hand-over, or a clean stop): another process may take them
    straight away. Their `expires_at` says since when they are free."""
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE site_leases SET owner = '', expires_at = clock_timestamp() "
            "WHERE site_id = ANY(:sites) AND owner = :owner"),
            {"sites": list(sites), "owner": owner})


def leave(engine: Engine, owner: str) -> None:
    """This process is no longer one of the cluster's (a clean stop)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cluster_members WHERE owner = :owner"), {"owner": owner})


def members(engine: Engine) -> list[Member]:
    """The live processes of the cluster."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT owner, address FROM cluster_members WHERE expires_at > now() "
            "ORDER BY owner")).all()
    return [Member(r.owner, r.address) for r in rows]


def leases(engine: Engine) -> list[Lease]:
    """Every site's lease, as the database has it now."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT site_id, owner, address, epoch, expires_at, "
            "expires_at > clock_timestamp() AS live, "
            "extract(epoch FROM expires_at - clock_timestamp()) AS left_s "
            "FROM site_leases ORDER BY site_id")).all()
    return [Lease(r.site_id, r.owner, r.address, r.epoch, r.expires_at, bool(r.live),
                  float(r.left_s)) for r in rows]
