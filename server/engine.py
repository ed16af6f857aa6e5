"""The queue engine: runs domain operations, groups their changes into durable commits,
and publishes events only after they are stored.

One process owns the live queues (a lock file keeps a second server off the same database).
An operation runs on the in-memory state without yielding, so two counters pressing at the
same instant are served one after the other. Its changes then wait for the next group
commit: the writer greenlet takes everything queued, writes it in one transaction (one
fsync, off the event loop), and only then wakes the callers and publishes the events.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import gevent
from gevent.event import AsyncResult
from gevent.event import Event as Signal
from sqlalchemy import Connection
from sqlalchemy import Engine as SqlEngine

from .dbwait import within
from .domain.alerts import ALERT_EVENTS
from .domain.clock import Clock, JumpWatch, SimulatedClock
from .domain.errors import Elsewhere, Invalid, Refusal, Unavailable, unknown_site
from .domain.events import Event
from .domain.model import Site
from .domain.site_queue import SiteQueue, snapshot_ticket
from .keyhashes import AnsweredKeys
from .store import db as store_db
from .store import repository
from .store.leases import Fence, Fenced
from .store.repository import Batch, CommandRecord

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 200  # commits between WAL checkpoints (the writer does them, not SQLite)
T = TypeVar("T")
Listener = Callable[[list[Event]], None]
Response = tuple[int, dict[str, Any]]
AuditRow = dict[str, Any]
# Audit rows of requests that changed nothing wait this long for a queue commit to ride on.
AUDIT_DELAY = 0.5
RELOAD_EVERY = 1.0  # seconds between attempts to reload the queues from a lost store
# A site taken over reads only the idempotency keys stored since the last read, less this:
# more than any commit waits, and than the processes' clocks (which date the keys) disagree.
KEYS_MARGIN = timedelta(minutes=5)
# On PostgreSQL, a group commit not answered in this long is given up (503, queues reloaded),
# rather than every request waiting until TCP gives up; one landing later keeps its keys.
WRITE_SECONDS, LOAD_SECONDS = 5.0, 60.0  # (and the queues' reload after it, or tried again)


@dataclasses.dataclass
class _Pending:
    batch: Batch
    done: AsyncResult
    # In a cluster: the lease epoch of the queue changed, by site (Engine._refuse_stale).
    epochs: dict[str, int] = dataclasses.field(default_factory=dict)


class Engine:
    """The application service every front end goes through."""

    def __init__(
        self,
        db: SqlEngine,
        reader: SqlEngine,
        sites: dict[str, Site],
        clock: Clock,
        offload: Callable[[Callable[[], None]], None] | None = None,
        idempotency_ttl: timedelta = timedelta(hours=48),
    ) -> None:
        self.db = db
        self.reader = reader
        self.sites = sites
        self.clock = clock
        self._jumps = JumpWatch(follows_real_time=not isinstance(clock, SimulatedClock))
        self.queues: dict[str, SiteQueue] = {}
        self.idempotency_ttl = idempotency_ttl
        self._offload = offload or (lambda fn: fn())
        self._listeners: list[Listener] = []
        self._pending: list[_Pending] = []
        self._wake = Signal()
        # Idempotency keys answered, at about 8 bytes each (keyhashes.py) rather than ~170;
        # those stored by other processes are read at start and when a site comes here
        # (_load_keys), under the hour they were stored.
        self._answered = AnsweredKeys()
        self._keys_read: datetime | None = None  # when the store's keys were last read
        self._inflight: dict[str, AsyncResult] = {}
        self._writer: gevent.Greenlet | None = None
        self._writing = False
        self._commits = 0
        self._conn: Connection | None = None  # the writer's own, used only by _write
        self._session: int | None = None  # its PostgreSQL session (store_db.session_of)
        self._given_up: int | None = None  # that session, if a write failed on it
        self.reloading = False  # the queues are being loaded again: operations wait for it
        self.schema_changed = False  # a cluster's database was upgraded under this process
        self.last_ticket_id = 0
        self.last_seq = 0
        self.committed_seq = 0
        # A cluster's (server/cluster) sites this process owns, by lease epoch (only they are
        # loaded); None: a single server, which owns every site.
        self.owned: dict[str, int] | None = None
        self.leaving: set[str] = set()  # being handed over: no new operations (hand_over)
        self.lease_owner: str | None = None  # a cluster's: whose leases writes check (Fence)
        # Gives the audit row of the request running an operation, stored with its change.
        self.audit_hook: Callable[[Response], list[AuditRow]] | None = None
        self._audit: list[AuditRow] = []  # rows waiting for the next commit
        self._audit_timer: gevent.Greenlet | None = None

    # ---- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        self.load()
        self._writer = gevent.spawn(self._write_loop)

    def stop(self) -> None:
        """Finish what is queued, then stop the writer."""
        while self._pending or self._writing:
            gevent.sleep(0.005)
        self._wake.set()  # audit rows still waiting for a commit
        for _ in range(1000):  # at most 5 s: a store that keeps failing loses them
            if not self._audit and not self._writing:
                break
            gevent.sleep(0.005)
        if self._audit_timer is not None:
            self._audit_timer.kill()
        if self._writer is not None:
            self._writer.kill()
            self._writer = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def load(self) -> None:
        """Rebuild every (owned) site's live queue from the store."""
        if self.owned is None:
            self.last_ticket_id, self.last_seq = repository.high_water(self.reader)
            self.committed_seq = self.last_seq
        epochs = dict(self.owned or {})
        queues = {s: self._load_site(s) for s in (self.sites if self.owned is None else epochs)}
        if (owned := self.owned) is not None:  # reading yields: a site dropped meanwhile
            # stays dropped, and one taken (again) meanwhile keeps the queue it was given
            queues = {s: q for s, q in queues.items() if owned.get(s) == epochs[s]}
            queues.update({s: q for s, q in self.queues.items() if s in owned and s not in queues})
        self.queues = queues
        self._load_keys(everything=True)

    def _load_site(self, site_id: str) -> SiteQueue:
        site = self.sites[site_id]
        now = self.clock.now()
        since = site.business_day(now) - timedelta(days=1)
        rows = repository.load_site(self.reader, site_id, since)
        queue = SiteQueue(site, rows.tickets, rows.counters, rows.cursors)
        # The alerts nobody took yet: from the log of the last two days, today's kept.
        queue.alerts.replay(
            repository.recent_events(self.reader, site_id, ALERT_EVENTS,
                                     now - timedelta(days=2)),
            site.business_day, queue.current_day(now))
        queue.take_changes()  # loading is not a change
        return queue

    def _load_keys(self, everything: bool = False) -> None:
        """Remember the keys stored by any process (only they and ours need a look in the
        store on a retry): `everything` within the TTL, else those stored since the last
        read less KEYS_MARGIN (reading all again for each site taken: 2.7 s at 1 M keys)."""
        now = self.clock.now()
        since = now - self.idempotency_ttl
        if not everything and self._keys_read is not None:
            since = max(since, self._keys_read - KEYS_MARGIN)
        for key, at in repository.command_keys_since(self.reader, since):
            self._answered.add(key, at)
        self._keys_read = now

    # ---- a cluster's sites (server/cluster) ----------------------------------------------

    def renumber(self, generation: int, bits: int) -> None:
        """Number tickets and events from `generation`'s range on: above every number any
        process used before it took the generation."""
        base = generation << bits
        self.last_ticket_id = max(self.last_ticket_id, base)
        self.last_seq = max(self.last_seq, base)
        if not self._pending and not self._writing:
            self.committed_seq = max(self.committed_seq, self.last_seq)

    def adopt(self, site_id: str, epoch: int) -> None:
        """Serve a site whose lease this process has just taken: its state (and the keys of
        the commands answered for it) as its last owner stored them."""
        assert self.owned is not None
        queue = self._load_site(site_id)
        self._load_keys()  # its former owner's answers, for retries that come here now
        self.owned[site_id] = epoch
        self.queues[site_id] = queue

    def hand_over(self, *site_ids: str) -> None:
        """Stop serving sites before their leases are given up (a cluster's balancing): new
        operations for them meet Elsewhere (passed on to their next owner), and those already
        made are stored first, under the leases still held (their events published from the
        queues, still there). If they cannot be stored, the sites are kept (reloaded with the
        rest) and the error raised."""
        assert self.owned is not None
        self.leaving.update(site_ids)
        try:
            self.settle()
        finally:
            self.leaving.difference_update(site_ids)
        for site_id in site_ids:
            self.owned.pop(site_id, None)
            self.queues.pop(site_id, None)

    def settle(self) -> None:
        """Wait until everything queued for the store so far is stored (commits go in
        order)."""
        pending = _Pending(Batch([], [], [], [], [], []), AsyncResult())
        self._pending.append(pending)
        self._wake.set()
        pending.done.get()

    def drop(self, site_id: str) -> None:
        """Stop serving a site whose lease is lost: its requests go to its new owner."""
        if self.owned is not None:
            self.owned.pop(site_id, None)
            self.queues.pop(site_id, None)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # ---- running commands ----------------------------------------------------------------

    def queue(self, site_id: str) -> SiteQueue:
        queue = self.queues.get(site_id)
        if queue is None:
            if site_id in self.sites:
                raise Elsewhere(site_id)  # a cluster's: another process owns it
            raise unknown_site(site_id)
        return queue

    def _changing(self, site_id: str) -> SiteQueue:
        """The queue an operation is about to change."""
        if site_id in self.leaving:
            raise Elsewhere(site_id)  # being handed over: its next owner runs it
        return self.queue(site_id)

    def owns(self, site_id: str) -> bool:
        return site_id in self.queues and site_id not in self.leaving

    def elsewhere(self, ticket_id: int) -> None:
        """In a cluster: Elsewhere if the ticket is stored for a site another process owns."""
        if self.owned is None:
            return
        stored = repository.find_ticket(self.reader, ticket_id)
        if stored is not None and stored.site_id in self.sites and not self.owns(
                stored.site_id):
            raise Elsewhere(stored.site_id)

    def new_ticket_id(self) -> int:
        self.last_ticket_id += 1
        return self.last_ticket_id

    @staticmethod
    def new_public_token() -> str:
        return secrets.token_urlsafe(16)

    def run(
        self,
        site_id: str,
        operation: Callable[[SiteQueue, datetime], T],
        render: Callable[[T], Response],
        key: str | None = None,
        request_hash: str = "",
        after: Callable[[T], object] | None = None,
    ) -> Response:
        """Run `operation` on a site's queue, store its changes durably, answer with `render`.

        With an idempotency `key`, a repeat of the same request gets the first answer back,
        even across a restart; a different request under the same key is refused. `after`
        runs once the change is stored, and never for a repeat (it starts the printing).
        """
        if self.reloading:
            raise Unavailable("The database cannot be reached just now; nothing was changed.",
                              "store_unavailable")
        if self.schema_changed:
            raise Unavailable("The database was upgraded to a newer version of madoguchi; "
                              "restart this server with it.", "schema_changed")
        if key is not None:
            earlier = self._earlier_answer(key, request_hash)
            if earlier is not None:
                return earlier
        queue = self._changing(site_id)
        inflight = AsyncResult() if key is not None else None
        if key is not None:
            self._inflight[key] = inflight  # type: ignore[assignment]
        try:
            result = operation(queue, self.now())
            try:
                response = render(result)
            except Exception:
                # The change is made and will be stored: answer (and remember, under the key)
                # that it was, so that a retry cannot make it a second time.
                log.exception("answer to %s could not be built", operation)
                response = (500, {"error": "answer_failed", "message":
                                  "The change was made, but its answer could not be built."})
            record = CommandRecord(key, request_hash, *response) if key is not None else None
            self._commit(queue, record, self.audit_hook(response) if self.audit_hook else [])
        except BaseException as exc:
            if queue.has_changes:
                # Operations check before they change anything; if one did not, keep the
                # store in step with memory rather than lose what it changed.
                log.error("operation %s failed after changing state", operation)
                self._commit(queue, None)
            if inflight is not None:
                self._inflight.pop(key, None)  # type: ignore[arg-type]
                inflight.set_exception(exc)
            raise
        if record is not None:
            self._remember(record.key)
            self._inflight.pop(record.key, None)
            inflight.set(response)  # type: ignore[union-attr]
        if after is not None:
            after(result)
        return response

    def now(self) -> datetime:
        """The clock's time for an operation; a jump of the clock is logged."""
        now = self.clock.now()
        moved = self._jumps.jump(now)
        if moved is not None:
            local = now.astimezone(next(iter(self.sites.values())).tz) if self.sites else now
            log.warning("The clock went %s %d s (now %s). Business days never go back: "
                        "numbering goes on with the newest day; times recorded since the "
                        "jump follow the clock.", "back" if moved < timedelta(0) else "forward",
                        abs(moved.total_seconds()), local.isoformat(timespec="seconds"))
        return now

    def earlier_answer(self, key: str, request_hash: str) -> Response | None:
        """The stored answer to a repeat of an idempotent request, or None: for a command
        that does more than one operation (an appointment's check-in) before it runs."""
        return self._earlier_answer(key, request_hash)

    def _earlier_answer(self, key: str, request_hash: str) -> Response | None:
        inflight = self._inflight.get(key)
        if inflight is not None:
            try:
                inflight.get()
            except Refusal:
                return None  # the first attempt failed: this one runs afresh
        # Only keys are kept in memory (answers can be large): a repeat reads its answer back.
        record = None
        if self._known(key):
            record = repository.find_command(self.reader, key)
        if record is None:
            return None
        if record.request_hash != request_hash:
            raise Invalid(
                "This idempotency key was already used for a different request.",
                "idempotency_key_reused",
            )
        self._remember(key)
        return record.status, record.response

    def _remember(self, key: str) -> None:
        self._answered.add(key, self.clock.now())

    def _known(self, key: str) -> bool:
        """Whether `key` may have been answered (then its answer is in the store)."""
        return key in self._answered

    def _commit(self, queue: SiteQueue, record: CommandRecord | None,
                audit: list[AuditRow] | None = None) -> None:
        """Queue the operation's changes (and their audit rows) for the next group commit and
        wait for it."""
        changes = queue.take_changes()
        if not changes and record is None:
            self.append_audit(audit or [])
            return
        events = []
        for event in changes.events:
            self.last_seq += 1
            events.append(dataclasses.replace(event, seq=self.last_seq))
        now = self.clock.now()
        batch = Batch(
            tickets=[snapshot_ticket(t) for t in changes.tickets.values()],
            counters=[(queue.site.id, dataclasses.replace(c)) for c in changes.counters.values()],
            cursors=[(queue.site.id, dataclasses.replace(c)) for c in changes.cursors.values()],
            events=events,
            commands=[(record, now)] if record is not None else [],
            audit=audit or [],
        )
        pending = _Pending(batch, AsyncResult(), self._tenure(queue))
        self._pending.append(pending)
        self._wake.set()
        pending.done.get()

    def _tenure(self, queue: SiteQueue) -> dict[str, int]:
        """In a cluster: the epoch of the lease `queue` is served under ({} for one server);
        -1 for a queue no longer served."""
        if self.owned is None:
            return {}
        site_id = queue.site.id
        current = self.queues.get(site_id) is queue
        return {site_id: self.owned.get(site_id, -1) if current else -1}

    def append_audit(self, rows: list[AuditRow]) -> None:
        """Store audit rows with the next group commit, or within AUDIT_DELAY if none comes:
        a request that changed nothing costs no commit of its own."""
        if not rows:
            return
        self._audit.extend(rows)
        if self._audit_timer is None:
            self._audit_timer = gevent.spawn_later(AUDIT_DELAY, self._audit_due)

    def flush_audit(self) -> None:
        """Store the audit rows still waiting for a commit, and wait for it: whoever reads the
        log then finds every request answered before (a refusal's row, otherwise, would come
        up to AUDIT_DELAY later)."""
        if not self._audit and not self._writing:
            return
        pending = _Pending(Batch([], [], [], [], [], []), AsyncResult())
        self._pending.append(pending)
        self._wake.set()
        pending.done.get()

    def _audit_due(self) -> None:
        self._audit_timer = None
        self._wake.set()

    def _write_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if not self._pending and not self._audit:
                continue
            taken, self._pending = self._pending, []
            taken = self._refuse_stale(taken)
            deferred, self._audit = self._audit, []
            merged = Batch([], [], [], [], [], list(deferred))
            for p in taken:
                merged.tickets.extend(p.batch.tickets)
                merged.counters.extend(p.batch.counters)
                merged.cursors.extend(p.batch.cursors)
                merged.events.extend(p.batch.events)
                merged.commands.extend(p.batch.commands)
                merged.audit.extend(p.batch.audit)
            merged.tickets = list({t.id: t for t in merged.tickets}.values())
            merged.counters = list({(s, c.counter_id): (s, c) for s, c in merged.counters}.values())
            merged.cursors = list({(s, c.key): (s, c) for s, c in merged.cursors}.values())
            self._writing = True
            # The leases as the changes were taken: the write may wait (a connection to
            # open) while a site is lost and taken again.
            fence = self._fence_for(merged)
            try:
                self._offload(lambda b=merged, f=fence: self._write(b, f))  # type: ignore[misc]
            except Fenced as exc:  # a failed write publishes nothing
                self._audit[:0] = deferred  # their requests are answered: keep their rows
                self._fenced(taken, exc, fence.epochs if fence is not None else {})
                continue
            except Exception as exc:  # a failed write publishes nothing
                log.exception("group commit failed; reloading state from the store")
                self._audit[:0] = deferred  # their requests are answered: keep their rows
                self._fail(taken, exc)
                continue
            finally:
                self._writing = False
            if merged.events:
                self.committed_seq = max(self.committed_seq, merged.events[-1].seq)
            # The callers are woken before the pushes are queued, so their answers go out
            # first (the hub runs wake-ups in order) rather than after one send per display;
            # nothing yields in between, so no one sees committed_seq before the push.
            for p in taken:
                p.done.set(None)
            self._publish(merged.events)
            self._commits += 1
            if self._commits % CHECKPOINT_EVERY == 0:
                self._checkpoint()

    def _write(self, batch: Batch, fence: Fence | None) -> None:
        """One transaction, one fsync: in a worker thread on SQLite; on PostgreSQL on the
        event loop (its waits are cooperative: create_app), within WRITE_SECONDS."""
        try:
            with within(self.db, WRITE_SECONDS, "a group commit"):
                if self._conn is None:
                    self._conn = self.db.connect()
                    self._session = store_db.session_of(self._conn)
                repository.write_batch(self._conn, batch, fence)
        except Exception:
            if self._conn is not None:
                self._given_up = self._session  # ended before the queues are reloaded
                self._conn.invalidate()  # closed, not rolled back: it may be waiting still
                self._conn.close()
                self._conn = None
            raise

    def _fence_for(self, batch: Batch) -> Fence | None:
        """In a cluster: the check, in the batch's transaction, that this process still
        holds the lease of every site the batch writes, under the epoch it loaded it with."""
        owner, owned = self.lease_owner, self.owned
        if owner is None or owned is None or not batch.site_ids():
            return None
        return Fence(owner, {site_id: owned.get(site_id, -1) for site_id in batch.site_ids()})

    def _checkpoint(self) -> None:
        """After the callers were answered: fold the WAL back, off the event loop."""
        try:
            self._offload(lambda: store_db.checkpoint(self._conn) if self._conn else None)
        except Exception:  # a missed checkpoint only lets the WAL grow until the next one
            log.exception("WAL checkpoint failed")

    def _refuse_stale(self, taken: list[_Pending]) -> list[_Pending]:
        """In a cluster: changes made on a queue no longer served (its lease lost, even if the
        site was taken again and loaded anew since) are refused with Elsewhere, never stored:
        the queue served was loaded without them. The others, to be written."""
        if self.owned is None:
            return taken
        kept = []
        for p in taken:
            stale = sorted(s for s, epoch in p.epochs.items() if self.owned.get(s, -1) != epoch)
            if stale:
                p.done.set_exception(Elsewhere(stale[0]))
            else:
                kept.append(p)
        return kept

    def _fenced(self, taken: list[_Pending], exc: Fenced, tenure: dict[str, int]) -> None:
        """Sites whose leases were lost: their changes are refused (Elsewhere: the request goes
        to the new owner) and the sites dropped, unless taken again since (`tenure`: the
        write's epochs); the others' changes are written again, on their own."""
        log.warning("%s; leaving them to their new owner", exc)
        for site_id in exc.sites:
            if self.owned is None or self.owned.get(site_id) == tenure.get(site_id):
                self.drop(site_id)
        kept = []
        for p in taken:
            lost = p.batch.site_ids() & exc.sites
            if lost:
                p.done.set_exception(Elsewhere(sorted(lost)[0]))
            else:
                kept.append(p)
        self._pending[:0] = kept
        self._wake.set()
        self._publish_resync()

    def _fail(self, taken: list[_Pending], exc: Exception) -> None:
        failed = taken + self._pending
        self._pending = []
        error = Unavailable(f"The database could not store the change ({exc}).",
                            "store_unavailable")  # (a Fenced write goes to _fenced)
        self.reloading = True  # memory had run ahead of the store: go back to what is stored
        for p in failed:
            p.done.set_exception(error)
        self._publish_resync()
        self._reload()

    def _reload(self) -> None:
        """Load the queues again; while it runs (reading PostgreSQL yields) and until it
        succeeds (the database may be gone), operations are refused with 503."""
        self.reloading = True
        while True:
            try:
                if self._given_up is not None:  # a commit still on its way must not land later
                    with within(self.db, WRITE_SECONDS + 2, "ending a commit given up"):
                        store_db.end_session(self.db, self._given_up)
                    self._given_up = None
                with within(self.reader, LOAD_SECONDS, "loading the queues again"):
                    self.load()
            except Exception:
                log.exception("the queues cannot be loaded from the store; trying again")
                gevent.sleep(RELOAD_EVERY)
                continue
            self.reloading = False
            return

    def _publish(self, events: list[Event]) -> None:
        if not events:
            return
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:  # one broken listener must not stop the queue
                log.exception("event listener failed")

    def _publish_resync(self) -> None:
        for listener in self._listeners:
            reset = getattr(listener, "reset", None)
            if reset is not None:
                reset()

    # ---- housekeeping --------------------------------------------------------------------

    def purge_commands(self) -> int:
        """Forget idempotency keys older than the TTL (the delete runs off the event loop)."""
        cutoff = self.clock.now() - self.idempotency_ttl
        # An hour's keys go once all of it is past the TTL (a key remembered longer than its
        # row only costs a look that finds nothing).
        self._answered.forget_before(cutoff)
        purged: list[int] = []
        self._offload(lambda: purged.append(repository.purge_commands(self.db, cutoff)))
        return purged[0] if purged else 0
