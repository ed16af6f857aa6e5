"""One process of a cluster: holds the leases of its sites, renews them, and takes over the
sites nobody holds (a process that stopped, or was killed or cut off past its lease).

Every `lease_seconds / 3` the process says it is alive, renews its leases (a lease it no
longer holds is dropped: its site is served by whoever took it), and takes free sites up to
its share (the sites divided by the live processes). A site taken is loaded from the store
as its last owner left it, after the process took a new id generation, so that its tickets
and events are numbered after every number its last owner could have used.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
import uuid
import zlib
from collections.abc import Callable

import gevent
from sqlalchemy import Engine as SqlEngine

from ..engine import Engine
from ..store import db as store_db
from ..store import leases as lease_store

log = logging.getLogger(__name__)


def member_id() -> str:
    """A name for this process, unique across restarts: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ClusterMember:
    """The lease keeper of one process."""

    def __init__(self, engine: Engine, db: SqlEngine, address: str, lease_seconds: float,
                 me: str, adopted: Callable[[str], None] = lambda site_id: None) -> None:
        self.engine = engine
        self.db = db
        self.address = address
        self.lease_seconds = lease_seconds
        self.adopted = adopted
        self.me = me
        self.members = 1
        self.healthy = False  # the last round reached the database
        self.schema = store_db.head_revision()
        self._loop: gevent.Greenlet | None = None
        engine.owned = {}
        engine.fence = lambda conn, epochs: lease_store.fence(conn, self.me, epochs)

    @property
    def every(self) -> float:
        return self.lease_seconds / 3

    def start(self) -> None:
        """Take a first generation and a first share of the sites, then keep them."""
        self.engine.renumber(lease_store.new_generation(self.db, self.me),
                             lease_store.GENERATION_BITS)
        self.round()
        self._loop = gevent.spawn(self._keep)

    def stop(self) -> None:
        """Give every site up at once, so that the others take them without waiting."""
        if self._loop is not None:
            self._loop.kill()
        owned = list(self.engine.owned or {})
        for site_id in owned:
            self.engine.drop(site_id)
        try:
            lease_store.release(self.db, self.me, owned)
        except Exception:  # they expire by themselves
            log.exception("could not give the leases up")

    def _keep(self) -> None:
        while True:
            gevent.sleep(self.every)
            try:
                self.round()
            except Exception:
                self.healthy = False
                log.exception("lease round failed")

    def round(self) -> None:
        if store_db.stored_revision(self.db) != self.schema:
            # Upgraded by a newer version: this one must not write to tables it does not know.
            self.engine.schema_changed = True
            self.healthy = False
            log.error("the database was upgraded while this process ran: restart it with the "
                      "new version of madoguchi")
            return
        owned = dict(self.engine.owned or {})
        self.members = lease_store.heartbeat(self.db, self.me, self.address,
                                             self.lease_seconds * 2)
        held = lease_store.renew(self.db, self.me, owned, self.lease_seconds)
        for site_id in set(owned) - held:
            log.warning("lost the lease of site %s: another process serves it now", site_id)
            self.engine.drop(site_id)
        self.healthy = True
        self._take_free_sites()

    def _take_free_sites(self) -> None:
        sites = list(self.engine.sites)
        share = math.ceil(len(sites) / max(1, self.members))
        owned = self.engine.owned or {}
        if len(owned) >= share:
            return
        taken = {lease.site_id for lease in lease_store.leases(self.db)
                 if lease.live and lease.owner}
        free = [s for s in sites if s not in taken and s not in owned]
        # Each process starts looking at a different place, so that they spread out.
        start = zlib.crc32(self.me.encode()) % len(free) if free else 0
        renewed = time.monotonic()
        for site_id in free[start:] + free[:start]:
            if time.monotonic() - renewed > self.every:  # loading sites takes its time
                lease_store.renew(self.db, self.me, dict(self.engine.owned or {}),
                                  self.lease_seconds)
                renewed = time.monotonic()
            if len(self.engine.owned or {}) >= share:
                return
            epoch = lease_store.acquire(self.db, self.me, self.address, site_id,
                                        self.lease_seconds)
            if epoch is None:
                continue
            self.engine.renumber(lease_store.new_generation(self.db, self.me),
                                 lease_store.GENERATION_BITS)
            self.engine.adopt(site_id, epoch)
            log.info("took site %s (epoch %d)", site_id, epoch)
            self.adopted(site_id)
