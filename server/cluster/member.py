"""One process of a cluster: holds the leases of its sites, renews them, takes over the sites
nobody serves any longer, and shares the sites fairly with the other live processes.

Every `lease_seconds / 3` (sooner when another process's lease is about to run out, so that a
site left by a process that stopped is taken the moment its lease ends) the process says it is
alive, renews its leases (a lease it no longer holds is dropped: its site is served by whoever
took it), then:

- takes every orphaned site (its owner stopped renewing: killed, frozen or cut off), whatever
  its share: a site nobody serves is worse than an uneven spread;
- takes free sites (never held, or given up) up to its fair share, the sites divided by the
  live processes, rounded up; a free site nobody took for a round is taken by anyone;
- hands sites over when it holds more than its share (or more than the least share while
  another process holds less), what it holds above its share (up to `GIVE_AT_ONCE` a round):
  it stops serving them, stores what was already done for them under the leases it still
  holds, gives the leases up and tells the others to look.

A site taken is loaded from the store as its last owner left it (its configuration too, with
the changes made to it live), after the process took a new id generation, so that its tickets
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
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager

import gevent
from gevent.event import Event as Signal
from sqlalchemy import Engine as SqlEngine

from ..dbwait import within
from ..engine import Engine
from ..store import db as store_db
from ..store import leases as lease_store

log = logging.getLogger(__name__)
SOONEST = 0.05  # seconds: the shortest wait between rounds
LATE = 0.02  # seconds after a lease's end at which the round that may take it runs
ACQUIRE_SECONDS = 5.0  # taking a lease may wait twice for lock_timeout (store/leases.py)
GIVE_AT_ONCE = 20  # the most sites handed over in one round (see _give)


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
        # Tells the processes at these addresses to look at the leases now (server/cluster/
        # join.py), once a site was given up; set when the app is made.
        self.tell: Callable[[list[str]], None] = lambda addresses: None
        # Called with a site this process is about to serve, before its queue is loaded: the
        # changes made to the site while another process served it are put in place.
        self.taking: Callable[[str], None] = lambda site_id: None
        # Called when this process took or left a site (the forwarder looks again).
        self.moved: Callable[[str], None] = lambda site_id: None
        # Called with the leases and the live processes' addresses each round read (the
        # forwarder need not read them again, and knows whom to ask if it cannot).
        self.looked: Callable[[list[lease_store.Lease], list[str]], None] = (
            lambda leases, alive: None)
        self.lost: Callable[[], None] = lambda: None  # called when a round failed
        self.me = me
        self.members = 1
        self.healthy = False  # the last round reached the database
        self.schema = store_db.head_revision()
        self._loop: gevent.Greenlet | None = None
        self._wake = Signal()
        self._wait = self.every
        self._given: dict[str, float] = {}  # site -> when this process gave it up
        # Until when, by this process's clock, its leases surely hold: the start of their last
        # renewal plus their length (the database dates them from later than that).
        self._held_until = 0.0
        self._lapsing: gevent.Greenlet | None = None  # runs _lapse when they run out
        engine.owned = {}
        engine.lease_owner = me

    @property
    def every(self) -> float:
        return self.lease_seconds / 3

    def _limit(self, what: str, seconds: float = 0.0) -> AbstractContextManager[None]:
        """A time limit on the lease statements: one the database does not answer within a
        lease, or `seconds` (it hung, or the network drops everything), fails the round. (The
        sites are left when the leases run out, round or not: `_lapse`. A shorter limit would
        fail rounds whose commit waits on a disk that stalls.)"""
        return within(self.db, seconds or self.lease_seconds, what)

    def start(self) -> None:
        """Take a first generation and a first share of the sites, then keep them."""
        self.engine.renumber(lease_store.new_generation(self.db, self.me),
                             lease_store.GENERATION_BITS)
        self.round()
        self._loop = gevent.spawn(self._keep)

    def stop(self) -> None:
        """Give every site up at once, so that the others take them without waiting."""
        for running in (self._loop, self._lapsing):
            if running is not None:
                running.kill()
        owned = list(self.engine.owned or {})
        for site_id in owned:
            self.engine.drop(site_id)
        try:
            lease_store.release(self.db, self.me, owned)
            lease_store.leave(self.db, self.me)
            others = [m.address for m in lease_store.members(self.db) if m.owner != self.me]
            self.tell(others)
        except Exception:  # they expire by themselves
            log.exception("could not give the leases up")

    def nudge(self) -> None:
        """Look at the leases now (another process gave a site up)."""
        self._wake.set()

    def _keep(self) -> None:
        while True:
            self._wake.wait(self._wait)
            self._wake.clear()
            try:
                self.round()
            except Exception:
                self.healthy = False
                log.exception("lease round failed")
                self.lost()
                self._lapse()
                # Look again when the leases run out by this process's clock, if sooner.
                left = self._held_until - time.monotonic()
                self._wait = self.every if left <= 0 else max(SOONEST, min(self.every, left))

    def _lapse(self) -> None:
        """The leases have run out by this process's own clock without being renewed (the
        database is out of reach): stop serving their sites, as another process may have
        taken them. Their writes could not be stored anyway (fenced); dropped, their requests
        are passed on to whoever serves them now."""
        if time.monotonic() < self._held_until:
            return
        for site_id in list(self.engine.owned or {}):
            log.warning("the lease of site %s ran out unrenewed (the database is out of "
                        "reach): leaving the site to another process", site_id)
            self.engine.drop(site_id)
            self.moved(site_id)

    def round(self) -> None:
        with self._limit("the lease round"):
            if store_db.stored_revision(self.db) != self.schema:
                # Upgraded by a newer version: this one must not write to tables it does not
                # know.
                self.engine.schema_changed = True
                self.healthy = False
                log.error("the database was upgraded while this process ran: restart it "
                          "with the new version of madoguchi")
                return
            owned = dict(self.engine.owned or {})
            # As long as a lease: a process that stops renewing leaves the count when its
            # leases end, not later (nothing is handed over to it then).
            alive = lease_store.heartbeat(self.db, self.me, self.address, self.lease_seconds)
            self.members = len(alive)
            held = self._renew(owned)
            leases = {lease.site_id: lease for lease in lease_store.leases(self.db)}
        for site_id in set(owned) - held:
            log.warning("lost the lease of site %s: another process serves it now", site_id)
            self.engine.drop(site_id)
            self.moved(site_id)
        # Leases this process holds for sites it does not serve (left when they ran out by
        # its clock, then renewed by a late round; or not given up as a hand-over failed):
        # given up, for whoever takes them next.
        stray = [site_id for site_id, lease in leases.items() if lease.live
                 and lease.owner == self.me and site_id not in (self.engine.owned or {})]
        if stray:
            with self._limit("giving leases up"):
                lease_store.release(self.db, self.me, stray)
            log.warning("gave up the lease(s) of %s, which this process no longer serves",
                        ", ".join(stray))
        self.healthy = True
        self.looked(list(leases.values()), alive)
        took = self._take(leases)
        if not took:
            self._give(leases)
        # The next round: when the first of the others' leases runs out, if that is sooner.
        ending = [lease.left for lease in leases.values()
                  if lease.live and lease.owner and lease.owner != self.me]
        self._wait = max(SOONEST, min([self.every] + [left + LATE for left in ending]))

    def _renew(self, owned: dict[str, int]) -> set[str]:
        """Renew the leases of `owned`; the sites still held."""
        started = time.monotonic()
        held = lease_store.renew(self.db, self.me, owned, self.lease_seconds)
        self._held_until = started + self.lease_seconds
        if self._lapsing is not None:
            self._lapsing.kill(block=False)
        self._lapsing = gevent.spawn_later(self._held_until - time.monotonic(), self._lapse)
        return held

    # ---- taking --------------------------------------------------------------------------

    def share(self) -> int:
        """The most sites this process takes while the others are alive."""
        return math.ceil(len(self.engine.sites) / max(1, self.members))

    def _take(self, leases: dict[str, lease_store.Lease]) -> bool:
        """Take orphaned sites, and free ones as the module's docstring says; whether any
        was taken."""
        owned = self.engine.owned or {}
        now = time.monotonic()
        anyway, shared = [], []  # taken whatever the share / up to it
        for site_id in self.engine.sites:
            lease = leases.get(site_id)
            if site_id in owned or (lease is not None and lease.live):
                continue
            given_lately = now - self._given.get(site_id, -1e9) <= self.lease_seconds * 3
            # A site this process gave up itself is left longer to the others, which may be
            # loading a score of sites handed over at once (not taken back and forth).
            unclaimed = self.lease_seconds * 2 if given_lately else self.every * 1.5
            if lease is None or lease.orphaned or -lease.left > unclaimed:
                anyway.append(site_id)  # nobody serves it, or nobody took it for a round
            elif not given_lately:
                shared.append(site_id)  # just given up by another process
        # Each process starts looking at a different place, so that they spread out.
        start = zlib.crc32(self.me.encode()) % len(shared) if shared else 0
        took = False
        renewed = time.monotonic()
        for site_id in anyway + shared[start:] + shared[:start]:
            if time.monotonic() - renewed > self.every:  # loading sites takes its time
                with self._limit("renewing the leases"):
                    self._renew(dict(self.engine.owned or {}))
                renewed = time.monotonic()
            if site_id not in anyway and len(self.engine.owned or {}) >= self.share():
                continue
            with self._limit("taking a lease", ACQUIRE_SECONDS):
                epoch = lease_store.acquire(self.db, self.me, self.address, site_id,
                                            self.lease_seconds)
                if epoch is None:
                    continue
                generation = lease_store.new_generation(self.db, self.me)
            self.engine.renumber(generation, lease_store.GENERATION_BITS)
            self.taking(site_id)
            self.engine.adopt(site_id, epoch)
            took = True
            log.info("took site %s (epoch %d)", site_id, epoch)
            self.moved(site_id)
            self.adopted(site_id)
        return took

    # ---- giving --------------------------------------------------------------------------

    def _give(self, leases: dict[str, lease_store.Lease]) -> None:
        if any(not lease.live for site_id, lease in leases.items()
               if site_id in self.engine.sites) or len(leases) < len(self.engine.sites):
            return  # sites wait for a taker: give nothing before they are served
        with self._limit("reading the members"):
            alive = lease_store.members(self.db)
        if len(alive) < 2:
            return
        counts = Counter(lease.owner for lease in leases.values() if lease.live)
        total, size = len(self.engine.sites), len(alive)
        most, least = math.ceil(total / size), total // size
        mine = len(self.engine.owned or {})
        others = [m for m in alive if m.owner != self.me]
        if not (mine > most or (mine > least and any(counts[m.owner] < least
                                                      for m in others))):
            return
        # What this process holds above the most share (at least one site), GIVE_AT_ONCE at
        # most in a round, the last it took: handed over together (one wait for the commits
        # queued before them), so that a process that joins a large cluster gets its share in
        # a few rounds, not a site a round; and few enough that the others load them within a
        # round (the sites are not served in between: their clients are asked to retry).
        count = min(GIVE_AT_ONCE, max(1, mine - most))
        given = list(self.engine.owned or {})[-count:]
        try:
            self.engine.hand_over(*given)
        except Exception:
            log.exception("site(s) %s could not be handed over; kept", ", ".join(given))
            return
        with self._limit("giving leases up"):
            lease_store.release(self.db, self.me, given)
        now = time.monotonic()
        for site_id in given:
            self._given[site_id] = now
            self.moved(site_id)
        log.info("gave site(s) %s up for the others (%d process(es), %d site(s))",
                 ", ".join(given), size, total)
        self.tell([m.address for m in others if counts[m.owner] < most])
