"""The notifier: tells visitors who asked for it that their turn is near, and that they are called.

It listens to the engine like the screens do, after each commit, and only decides: a notice
goes into a queue that a few worker greenlets empty, so a slow push service or mail server
never holds a call back. Nor does the store: the listener runs on the engine's writer
greenlet, so the targets of visits that ended are dropped from memory at once and deleted
from the store by a greenlet of their own, together, within FORGET_EVERY (a deletion waited
for there held the next group commit, and every call in it, for a transaction of its own).
A ticket's targets are personal data: kept while its visit lasts, deleted with it (and at
start-up for any visit that ended while the server was down).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gevent
from gevent.queue import Queue

from ..domain.errors import Conflict, NotFound
from ..domain.events import Event, EventKind
from ..domain.model import Ticket, TicketStatus
from ..engine import Engine
from ..store import notify_targets as store
from ..store.notify_targets import StoredTarget
from .channel import Channel, DeliveryFailed, Gone, Notice

log = logging.getLogger(__name__)
WORKERS = 16  # deliveries at once: each mostly waits for a push service or mail server
CALLS = frozenset({EventKind.CALLED, EventKind.RECALLED})
FORGET_EVERY = 0.5  # seconds: ended visits' targets are deleted from the store together


@dataclass(frozen=True)
class Delivery:
    target: StoredTarget
    notice: Notice
    queued_at: float  # monotonic, for the benchmark's call -> push figure


Words = Callable[[str, str, Ticket, dict[str, Any]], Notice]  # (kind, site, ticket, extra)


class Notifier:
    """Which tickets want notices, and when to send them."""

    def __init__(
        self,
        engine: Engine,
        channels: dict[str, Channel],
        words: Words,
        offload: Callable[[Callable[[], Any]], Any],
        push_key: str = "",
    ) -> None:
        self.engine = engine
        self.push_key = push_key  # the VAPID public key pages subscribe with
        self.channels = channels
        self.words = words
        self.offload = offload
        self.targets: dict[tuple[str, int], dict[str, StoredTarget]] = {}
        self.near_sent: dict[tuple[str, int], str] = {}  # ticket -> the line it was told in
        self.queue: Queue[Delivery] = Queue()
        self.failures = 0
        self.delivered = 0
        self.on_delivered: Callable[[Delivery], None] | None = None  # for the benchmark
        self.on_change: Callable[[str], None] = lambda site_id: None  # tells the consoles
        self._ended_ids: list[int] = []  # stored targets to delete (their visits ended)
        self._deleter: gevent.Greenlet | None = None

    # ---- at start ----------------------------------------------------------------------

    def start(self) -> None:
        """Load the stored targets, forget those of ended visits, start the workers."""
        stale = []
        for target in self.offload(lambda: store.all_targets(self.engine.db)):
            if self._live(target.site_id, target.ticket_id) is None:
                stale.append(target.id)
            else:
                self.targets.setdefault((target.site_id, target.ticket_id), {})[target.channel] = (
                    target
                )
        if stale:
            self.offload(lambda: store.delete_ids(self.engine.db, stale))
            log.info("forgot %d notification targets of visits that have ended", len(stale))
        for _ in range(WORKERS):
            gevent.spawn(self._work)

    # ---- what the phone page asks ------------------------------------------------------

    def subscribe(
        self, site_id: str, ticket: Ticket, channel_name: str, body: Any, now: datetime
    ) -> StoredTarget:
        channel = self.channels.get(channel_name)
        if channel is None:
            raise NotFound(
                f"This server does not send {channel_name} notifications.",
                "notify_channel_unavailable",
                channel=channel_name,
            )
        if not ticket.live:
            raise Conflict("This ticket's visit has ended.", "ticket_ended")
        target = channel.check_target(body)  # refused before anything is stored
        stored = self.offload(
            lambda: store.add(self.engine.db, site_id, ticket.id, channel_name, target, now)
        )
        if self._live(site_id, ticket.id) is None:  # the visit ended while storing
            self.offload(lambda: store.delete_ids(self.engine.db, [stored.id]))
            raise Conflict("This ticket's visit has ended.", "ticket_ended")
        self.targets.setdefault((site_id, ticket.id), {})[channel_name] = stored
        self.on_change(site_id)
        self._check_near(site_id, {ticket.id})
        return stored

    def unsubscribe(self, site_id: str, ticket_id: int) -> None:
        """The visitor turned notices off: forgotten, and deleted before the answer."""
        ids = self._drop(site_id, ticket_id)
        if ids:
            self.offload(lambda: store.delete_ids(self.engine.db, ids))

    def _drop(self, site_id: str, ticket_id: int) -> list[int]:
        """Forget a ticket's targets (no notice goes out from now); their stored ids."""
        found = self.targets.pop((site_id, ticket_id), {})
        self.near_sent.pop((site_id, ticket_id), None)
        if found:
            self.on_change(site_id)
        return [t.id for t in found.values()]

    def _delete_later(self, ids: list[int]) -> None:
        self._ended_ids += ids
        if ids and (self._deleter is None or self._deleter.dead):
            self._deleter = gevent.spawn(self._delete_ended)

    def _delete_ended(self) -> None:
        """Delete what _delete_later gathered, in one transaction per FORGET_EVERY. What a
        failure leaves (the store gone for a while) is tried again; a restart deletes the
        targets of ended visits anyway (start)."""
        while self._ended_ids:
            ids, self._ended_ids = self._ended_ids, []
            try:
                self.offload(lambda ids=ids: store.delete_ids(self.engine.db, ids))
            except Exception:
                log.exception("ended visits' notification targets not deleted; trying again")
                self._ended_ids += ids
            gevent.sleep(FORGET_EVERY)

    def channels_of(self, site_id: str, ticket_id: int) -> list[str]:
        return sorted(self.targets.get((site_id, ticket_id), {}))

    def notified_ids(self, site_id: str) -> list[int]:
        return sorted(ticket for site, ticket in self.targets if site == site_id)

    def is_notified(self, site_id: str, ticket_id: int) -> bool:
        """Whether the visitor will be told of the call, and so may be away from the room."""
        return (site_id, ticket_id) in self.targets

    # ---- after each commit -------------------------------------------------------------

    def __call__(self, events: list[Event]) -> None:
        if not self.targets:
            return
        ended: list[tuple[str, int]] = []
        touched: dict[str, set[int]] = {}
        for event in events:
            if event.kind is EventKind.DAY_CLOSED:  # the day's visits are over, all at once
                ended += [key for key in self.targets
                          if key[0] == event.site_id and self._live(*key) is None]
            key = (event.site_id, event.ticket_id or 0)
            if key not in self.targets:
                touched.setdefault(event.site_id, set())
                continue
            ticket = self._live(*key)
            if ticket is None:
                ended.append(key)
            elif event.kind in CALLS and ticket.status is TicketStatus.CALLED:
                self._send(key, "called", ticket, {"counter": event.counter_id})
            touched.setdefault(event.site_id, set())
        for key in ended:
            self._delete_later(self._drop(*key))
        for site_id in touched:
            self._check_near(site_id, None)

    def _check_near(self, site_id: str, only: set[int] | None) -> None:
        queue = self.engine.queues.get(site_id)
        if queue is None:
            return
        threshold = queue.site.policy.notify_ahead
        for target_site, ticket_id in list(self.targets):
            if target_site != site_id or (only is not None and ticket_id not in only):
                continue
            ticket = queue.tickets.get(ticket_id)
            if ticket is None or ticket.status is not TicketStatus.WAITING:
                continue
            line = queue.lines.get(ticket.service_id)
            if line is None:
                continue
            ahead = line.ahead_of(ticket.rank_at, ticket.id)
            if ahead > threshold:  # most of them, after every commit: nothing more to do
                continue
            place = f"{ticket.service_id}@{ticket.rank_at.isoformat()}"
            if self.near_sent.get((site_id, ticket_id)) != place:
                self.near_sent[(site_id, ticket_id)] = place
                self._send((site_id, ticket_id), "near", ticket, {"ahead": ahead})

    def _send(self, key: tuple[str, int], kind: str, ticket: Ticket, extra: dict[str, Any]) -> None:
        notice = self.words(kind, key[0], ticket, extra)
        now = gevent.get_hub().loop.now()
        for target in self.targets.get(key, {}).values():
            self.queue.put(Delivery(target, notice, now))

    def _live(self, site_id: str, ticket_id: int) -> Ticket | None:
        queue = self.engine.queues.get(site_id)
        ticket = queue.tickets.get(ticket_id) if queue is not None else None
        return ticket if ticket is not None and ticket.live else None

    # ---- the workers -------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            delivery = self.queue.get()
            target = delivery.target
            try:
                self.channels[target.channel].deliver(target.target, delivery.notice)
            except Gone as exc:
                log.warning(
                    "notification to ticket %s of %s (%s) ended: %s",
                    target.ticket_id,
                    target.site_id,
                    target.channel,
                    exc,
                )
                self._forget(target)
            except (DeliveryFailed, KeyError) as exc:
                self.failures += 1
                log.warning(
                    "notification to ticket %s of %s (%s) failed: %s",
                    target.ticket_id,
                    target.site_id,
                    target.channel,
                    exc,
                )
            except Exception:
                self.failures += 1
                log.exception(
                    "notification to ticket %s of %s (%s) failed",
                    target.ticket_id,
                    target.site_id,
                    target.channel,
                )
            else:
                self.delivered += 1
                if self.on_delivered is not None:
                    self.on_delivered(delivery)

    def _forget(self, target: StoredTarget) -> None:
        key = (target.site_id, target.ticket_id)
        mine = self.targets.get(key, {})
        if mine.get(target.channel) == target:
            del mine[target.channel]
            if not mine:
                self.targets.pop(key, None)
                self.on_change(target.site_id)
        self._delete_later([target.id])
