"""The fence every write of a cluster passes (server/store/leases.py `Fence`, checked by the
batch's own statement: server/store/pgbatch.py), on PostgreSQL:
checked in the batch's transaction, it stores the batch of a process that holds the site's
lease under the epoch it loaded it with, and nothing of a batch of a process that lost the
lease, holds a later epoch, or let the lease expire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from gevent import joinall, sleep, spawn
from gevent.event import Event
from sqlalchemy import Engine, text

from server.domain.clock import SimulatedClock
from server.domain.errors import Elsewhere
from server.domain.model import Ticket, TicketStatus
from server.engine import KEYS_MARGIN
from server.engine import Engine as QueueEngine
from server.siteconfig import parse_sites
from server.store import db as store_db
from server.store import leases, repository
from server.store.repository import Batch
from tests import pg
from tests.harness import site_file

AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.fixture
def engine() -> Iterator[Engine]:
    name = pg.create_database()
    writer = store_db.open_engine(pg.url(name))
    store_db.migrate(writer)
    yield writer
    writer.dispose()
    pg.drop_database(name)


def batch(ticket_id: int) -> Batch:
    ticket = Ticket(id=ticket_id, site_id="a", business_day=date(2026, 12, 7),
                    number=ticket_id, label=f"{ticket_id:03d}", purposes=("job",),
                    service_id="job", status=TicketStatus.WAITING, issued_at=AT, rank_at=AT,
                    public_token=f"t{ticket_id}", updated_at=AT)
    return Batch(tickets=[ticket], counters=[], cursors=[], events=[], commands=[])


def write(engine: Engine, ticket_id: int, owner: str, epoch: int) -> None:
    with engine.connect() as conn:
        repository.write_batch(conn, batch(ticket_id), leases.Fence(owner, {"a": epoch}))


def stored(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM tickets ORDER BY id"))]


def test_the_holder_writes_and_a_process_that_lost_the_lease_stores_nothing(
        engine: Engine) -> None:
    first = leases.acquire(engine, "p1", "http://p1", "a", 30)
    assert first is not None
    write(engine, 1, "p1", first)
    assert stored(engine) == [1]

    leases.release(engine, "p1", ["a"])
    second = leases.acquire(engine, "p2", "http://p2", "a", 30)
    assert second == first + 1
    with pytest.raises(leases.Fenced) as lost:
        write(engine, 2, "p1", first)  # p1 paused through the hand-over, then wrote
    assert lost.value.sites == {"a"}
    write(engine, 3, "p2", second)
    assert stored(engine) == [1, 3]

    leases.release(engine, "p2", ["a"])
    third = leases.acquire(engine, "p1", "http://p1", "a", 30)
    assert third == second + 1
    with pytest.raises(leases.Fenced):
        write(engine, 4, "p1", first)  # the site again, but not the queue loaded at `first`
    assert stored(engine) == [1, 3]


def test_an_expired_lease_fences_its_owner_even_before_anyone_takes_it(engine: Engine) -> None:
    epoch = leases.acquire(engine, "p1", "http://p1", "a", 30)
    assert epoch is not None
    with engine.begin() as conn:
        conn.execute(text("UPDATE site_leases SET expires_at = clock_timestamp() "
                          "- interval '1 second' WHERE site_id = 'a'"))
    fenced: Any = None
    try:
        write(engine, 1, "p1", epoch)
    except leases.Fenced as exc:
        fenced = exc
    assert fenced is not None and fenced.sites == {"a"}
    assert stored(engine) == []


def test_a_commit_fenced_for_one_site_refuses_its_change_and_stores_the_others(
        engine: Engine) -> None:
    """In a cluster, a group commit that meets a lost lease (server/store/leases.py Fence)
    refuses only the changes of the lost site (Elsewhere: its new owner serves them) and
    stores the others' in a commit of their own, without reloading every queue."""
    writer = engine
    sites = {s.id: s for s in parse_sites(site_file(["a", "b"])).sites}
    queues = QueueEngine(writer, writer, sites,
                         SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    epochs = {site: leases.acquire(writer, "p1", "http://p1", site, 60) for site in sites}
    queues.owned = {site: epoch for site, epoch in epochs.items() if epoch is not None}
    queues.lease_owner = "p1"
    leases.release(writer, "p1", ["b"])  # another process took site b's lease
    assert leases.acquire(writer, "p2", "http://p2", "b", 60) is not None
    queues.start()
    try:
        def issue(queue: Any, now: datetime) -> Any:
            return queue.issue(queues.new_ticket_id(), ["job"], now, queues.new_public_token())

        def render(ticket: Any) -> tuple[int, dict[str, Any]]:
            return 201, {"id": ticket.id}

        runs = [spawn(queues.run, site, issue, render) for site in ("a", "b", "a")]
        joinall(runs)
        assert isinstance(runs[1].exception, Elsewhere) and runs[1].exception.site_id == "b"
        stored = [repository.find_ticket(writer, run.value[1]["id"]) for run in (runs[0], runs[2])]
        assert [t.site_id for t in stored if t is not None] == ["a", "a"]
        assert not queues.owns("b") and queues.owns("a") and not queues.reloading
        assert queues.run("a", issue, render)[0] == 201
    finally:
        queues.stop()


def test_changes_made_before_a_site_was_lost_are_not_stored_after_it_is_taken_again(
        engine: Engine) -> None:
    """A process loses a site's lease while changes to it wait for the writer (a commit in
    progress, a disk that stalls), takes the site again and loads it from the store, without
    them. Written now, they would pass the new lease's fence and their ticket numbers would
    be given again by the queue loaded without them: they are refused (Elsewhere: the
    request is run again on the queue served now), and the site stays served."""
    writer = engine
    sites = {s.id: s for s in parse_sites(site_file(["a"])).sites}
    queues = QueueEngine(writer, writer, sites,
                         SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    first = leases.acquire(writer, "p1", "http://p1", "a", 60)
    assert first is not None
    queues.owned = {"a": first}
    queues.lease_owner = "p1"
    gate, entered = Event(), Event()
    real_write = queues._write  # noqa: SLF001 - held back as a stalled disk would hold it

    def stalled_write(*args: Any) -> None:
        entered.set()
        gate.wait()
        real_write(*args)

    queues._write = stalled_write  # type: ignore[method-assign]  # noqa: SLF001
    queues.start()
    try:
        def issue(queue: Any, now: datetime) -> Any:
            return queue.issue(queues.new_ticket_id(), ["job"], now, queues.new_public_token())

        def render(ticket: Any) -> tuple[int, dict[str, Any]]:
            return 201, {"id": ticket.id, "label": ticket.label}

        writing = spawn(queues.run, "a", issue, render)  # taken by the writer, held there
        assert entered.wait(10)
        waiting = spawn(queues.run, "a", issue, render)  # queued behind it
        while not queues._pending:  # noqa: SLF001
            sleep(0)  # lets it run up to its wait for the writer
        assert not writing.ready() and not waiting.ready()
        queues.drop("a")  # the lease ran out; the site is taken again at once
        leases.release(writer, "p1", ["a"])
        again = leases.acquire(writer, "p1", "http://p1", "a", 60)
        assert again is not None and again > first
        queues.adopt("a", again)
        gate.set()
        joinall([writing, waiting])
        assert isinstance(writing.exception, Elsewhere), writing.value
        assert isinstance(waiting.exception, Elsewhere), waiting.value
        assert queues.owns("a") and not queues.reloading
        served = queues.run("a", issue, render)
        assert served[0] == 201
        with writer.connect() as conn:
            labels = [r[0] for r in conn.execute(text("SELECT label FROM tickets"))]
        assert labels == [served[1]["label"]]
    finally:
        gate.set()
        queues.stop()


def test_a_site_taken_over_answers_its_former_owners_keys_reading_only_the_newest(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process taking a site over knows the idempotency keys its former owner answered (a
    retry gets the first answer, not a second ticket), from a read of the keys stored since
    its own last read: not every key of the TTL again, which in a large deployment held the
    event loop for seconds for each site taken."""
    writer = engine
    sites = {s.id: s for s in parse_sites(site_file(["a", "b"])).sites}
    clock = SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    reads: list[datetime] = []
    real_read = repository.command_keys_since

    def read(store: Engine, since: datetime) -> list[tuple[str, datetime]]:
        reads.append(since)
        return real_read(store, since)

    monkeypatch.setattr(repository, "command_keys_since", read)
    first, second = (QueueEngine(writer, writer, sites, clock) for _ in range(2))
    for name, proc, site in (("p1", first, "a"), ("p2", second, "b")):
        epoch = leases.acquire(writer, name, f"http://{name}", site, 600)
        assert epoch is not None
        proc.owned, proc.lease_owner = {site: epoch}, name
        proc.start()
    try:
        def issue(proc: QueueEngine) -> Any:
            return lambda queue, now: queue.issue(proc.new_ticket_id(), ["job"], now,
                                                  proc.new_public_token())

        def render(ticket: Any) -> tuple[int, dict[str, Any]]:
            return 201, {"id": ticket.id, "label": ticket.label}

        started = clock.now()
        assert reads == [started - first.idempotency_ttl] * 2  # each start reads them all
        answered = first.run("a", issue(first), render, key="kiosk:k1", request_hash="h")
        clock.advance(timedelta(hours=3))
        first.drop("a")  # the first process stops serving site a; the second takes it
        leases.release(writer, "p1", ["a"])
        epoch = leases.acquire(writer, "p2", "http://p2", "a", 600)
        assert epoch is not None
        second.adopt("a", epoch)
        assert reads[-1] == started - KEYS_MARGIN
        assert second.run("a", issue(second), render, key="kiosk:k1",
                          request_hash="h") == answered
        assert len(second.queue("a").tickets) == 1
    finally:
        first.stop()
        second.stop()


def test_a_reload_keeps_a_site_dropped_or_taken_anew_while_it_read(engine: Engine) -> None:
    """The queues are loaded again (after a failed commit) while, reading PostgreSQL, the
    loop serves the lease round: a site dropped meanwhile (its lease ran out) is not served
    again by the reload, and one taken anew meanwhile keeps the queue its taking loaded, not
    the older one the reload read before."""
    writer = engine
    sites = {s.id: s for s in parse_sites(site_file(["a", "b"])).sites}
    queues = QueueEngine(writer, writer, sites,
                         SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    epochs = {s: leases.acquire(writer, "p1", "http://p1", s, 60) for s in ("a", "b")}
    queues.owned = {s: e for s, e in epochs.items() if e is not None}
    queues.lease_owner = "p1"
    queues.load()
    gate, entered = Event(), Event()
    real_load = queues._load_site  # noqa: SLF001 - held after its first read, as a slow one

    def slow_load(site_id: str) -> Any:
        queue = real_load(site_id)
        if not entered.is_set():
            entered.set()
            gate.wait()
        return queue

    queues._load_site = slow_load  # type: ignore[method-assign]  # noqa: SLF001
    loading = spawn(queues.load)
    assert entered.wait(10)
    queues.drop("b")
    queues.drop("a")
    leases.release(writer, "p1", ["a"])
    again = leases.acquire(writer, "p1", "http://p1", "a", 60)
    assert again is not None
    queues.adopt("a", again)
    taken = queues.queues["a"]
    gate.set()
    loading.get(timeout=10)
    assert not queues.owns("b")
    assert queues.queues["a"] is taken


def test_a_lease_held_for_a_site_not_served_is_given_up_and_the_site_taken_anew(
        engine: Engine) -> None:
    """A process that left a site when its lease ran out by its own clock (the database out
    of reach), and whose late round then renewed that lease after all, holds a lease for a
    site it does not serve: the next round gives it up, and the site is taken anew (a new
    epoch, its queue loaded) rather than left unserved until the lease runs out."""
    from server.cluster.member import ClusterMember

    writer = engine
    sites = {s.id: s for s in parse_sites(site_file(["a"])).sites}
    queues = QueueEngine(writer, writer, sites,
                         SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    member = ClusterMember(queues, writer, "http://p1", 60, "p1")
    member.start()
    try:
        first = queues.owned and queues.owned["a"]
        assert first
        queues.drop("a")  # left; the lease, renewed late, is still this process's
        member.round()
        lease = {x.site_id: x for x in leases.leases(writer)}["a"]
        assert lease.owner == ""  # given up
        member.round()
        assert queues.owns("a") and queues.owned["a"] > first
    finally:
        member.stop()
