"""What each audience may see: staff views with everything, public views with numbers only.

Public views (displays, kiosks, later the phone page) never carry names, priority marks or
the purpose of a sensitive desk: they use the desk's neutral public label, and counts of
sensitive desks are left out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from .desk_words import visitor_words
from .domain.alerts import Alert
from .domain.events import PUBLIC_CALLS, Event, EventKind
from .domain.model import Counter, Site, Ticket, TicketStatus
from .domain.site_queue import SiteQueue

# Events after which a number leaves the "now calling" part of a display.
_PUBLIC_CLEARS = frozenset({EventKind.NO_SHOW, EventKind.REQUEUED, EventKind.CANCELLED,
                            EventKind.TRANSFERRED, EventKind.PARKED, EventKind.FINISHED})


# Events that only say the queue changed; for a sensitive desk, displays are not told.
_QUEUE_NEWS = frozenset({EventKind.ISSUED, EventKind.QUEUED, EventKind.RETURNED,
                         EventKind.DONE})


def public_counter_name(counter: Counter) -> str:
    """Public screens name a counter by its number: a desk's own name could tell the waiting
    room why someone is there (生活保護, 住居確保給付金)."""
    return f"{counter.number}番窓口"


def local_iso(site: Site, moment: datetime | None) -> str | None:
    return moment.astimezone(site.tz).isoformat(timespec="seconds") if moment else None


def people_ahead(queue: SiteQueue, ticket: Ticket) -> int:
    if ticket.status is not TicketStatus.WAITING:
        return 0
    return queue.lines[ticket.service_id].ahead_of(ticket.rank_at, ticket.id, ticket.slot_at)


# How staff see a stage of the visit at a desk of another organisation: 「他の窓口」. A Hello
# Work counter is not told that its visitor also came for the city's welfare desk. This is the
# one home of that rule: REST answers, snapshots and the live pushes all mask through it.
OTHER_DESK = "other"
OTHER_DESK_NAME = "他の窓口"


def hidden_desks(site: Site, organisations: Collection[str],
                 counter_id: str | None = None) -> frozenset[str]:
    """The desks whose part in a visit staff of `organisations` do not see: the other
    organisation's, but for the desks of the counter they work (`counter_id`): whoever works a
    counter sees what it serves (one serving both organisations' desks, or a colleague of the
    other organisation standing in at it)."""
    hidden = {s.id for s in site.services if s.organisation.value not in organisations}
    counter = site.counter(counter_id) if counter_id else None
    if counter is not None:
        hidden.difference_update(counter.services)
    return frozenset(hidden)


def _desk(service_id: str | None, hidden: frozenset[str]) -> str | None:
    return OTHER_DESK if service_id in hidden else service_id


def ticket_view(queue: SiteQueue, t: Ticket, hidden: frozenset[str] = frozenset()
                ) -> dict[str, Any]:
    """A ticket as staff see it; its stages at `hidden` desks as OTHER_DESK. (Staff are given
    whole tickets at a hidden desk only as a stage of a visit they see part of.)"""
    site = queue.site
    service = queue.services.get(t.service_id)  # a closed day's desk may be gone since
    counter = site.counter(t.counter_id) if t.counter_id else None
    masked = t.service_id in hidden
    return {
        "id": t.id, "site": t.site_id, "label": t.label, "number": t.number,
        "status": t.status.value, "service": OTHER_DESK if masked else t.service_id,
        "service_name": OTHER_DESK_NAME if masked else
        service.name if service else t.service_id,
        "purposes": [_desk(p, hidden) for p in t.purposes],
        "purpose_index": t.purpose_index, "stage": t.stage,
        "priority": t.priority, "language": t.language,
        "issued_at": local_iso(site, t.issued_at), "rank_at": local_iso(site, t.rank_at),
        "business_day": t.business_day.isoformat(),
        "counter": t.counter_id, "counter_number": counter.number if counter else None,
        "staff": t.staff, "called_at": local_iso(site, t.called_at), "calls": t.calls,
        "requeues": t.requeues, "transferred_from": _desk(t.transferred_from, hidden),
        "note": None if masked else t.note,
        "people_ahead": people_ahead(queue, t), "closed_reason": t.closed_reason,
        "slot_at": local_iso(site, t.slot_at),
    }


def visitor_ticket_view(queue: SiteQueue, t: Ticket) -> dict[str, Any]:
    """A ticket as its visitor sees it (kiosk screen, later the printed slip and phone page)."""
    site = queue.site
    return {
        "id": t.id, "site": t.site_id, "site_name": site.name, "label": t.label,
        "number": t.number, "status": t.status.value,
        "desk": queue.services[t.service_id].public_label,
        "desks": [queue.services[s].public_label for s in t.purposes],
        "services": list(t.purposes),  # the kiosk names them in the visitor's words
        "issued_at": local_iso(site, t.issued_at), "people_ahead": people_ahead(queue, t),
        "language": t.language, "public_token": t.public_token,
    }


def counter_view(queue: SiteQueue, counter_id: str, hidden: frozenset[str] = frozenset()
                 ) -> dict[str, Any]:
    """A counter and the ticket it holds; a ticket at a `hidden` desk is not shown (which
    number another organisation's counter serves would tell what the visitor came for)."""
    counter = queue.site.counter(counter_id)
    assert counter is not None
    state = queue.counters[counter_id]
    held = queue.tickets.get(state.ticket_id) if state.ticket_id is not None else None
    return {
        "id": counter.id, "name": counter.name, "number": counter.number, "area": counter.area,
        "services": list(counter.services), "mode": counter.mode.value,
        "status": state.status, "staff": state.staff,
        "ticket": ticket_view(queue, held, hidden)
        if held and held.service_id not in hidden else None,
    }


def waiting_counts(queue: SiteQueue, public: bool) -> dict[str, int]:
    return {s.id: len(queue.lines[s.id]) for s in queue.site.services
            if not (public and s.sensitive)}


def staff_snapshot(queue: SiteQueue, seq: int, now: datetime, is_open: bool,
                   hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Everything live at the site for staff. Of a `hidden` desk only its length: not its
    tickets, nor the parked ones, nor what its counters hold."""
    site = queue.site
    return {
        "site": site.id, "name": site.name, "seq": seq, "now": local_iso(site, now),
        "business_day": site.business_day(now).isoformat(), "open": is_open,
        "services": [
            {"id": s.id, "name": s.name, "public_label": s.public_label,
             "organisation": s.organisation.value, "sensitive": s.sensitive,
             "target_wait_min": s.target_wait_min, "waiting_count": len(queue.lines[s.id]),
             "waiting": [] if s.id in hidden else
             [ticket_view(queue, t, hidden) for t in queue.waiting(s.id)]}
            for s in site.services
        ],
        "counters": [counter_view(queue, c.id, hidden) for c in site.counters],
        "parked": [ticket_view(queue, t, hidden) for t in queue.tickets.values()
                   if t.status is TicketStatus.PARKED and t.service_id not in hidden],
        "alerts": alerts_view(queue),
    }


def alert_view(site: Site, alert: Alert) -> dict[str, Any]:
    """An open staff alert as consoles and the managers' dashboard show it."""
    return {"id": alert.id, "kind": alert.kind, "where": alert.where, "source": alert.source,
            "ticket": alert.ticket_id, "label": alert.label,
            "raised_at": local_iso(site, alert.raised_at), "escalated": alert.escalated}


def alerts_view(queue: SiteQueue) -> dict[str, Any]:
    """The site's open alerts, which consoles show them (reception counters; none listed:
    all) and after how long they escalate."""
    site = queue.site
    return {"open": [alert_view(site, a) for a in queue.alerts.open.values()],
            "reception": list(site.reception),
            "escalate_after_s": site.policy.alert_escalate_s}


def public_site_view(site: Site, is_open: bool) -> dict[str, Any]:
    """A site as a kiosk or display may read it: the desks a visitor chooses from, under
    their public names, with their words for visitors. No counters (which counter serves
    which desk would tell the waiting room who is there for welfare), no staff names, no
    sensitive marks, organisations or outcomes."""
    return {
        "id": site.id, "name": site.name, "ward": site.ward, "timezone": site.timezone,
        "open": is_open,
        "appointments": any(s.booking is not None for s in site.services),
        "services": [{"id": s.id, "name": s.public_label, "public_label": s.public_label,
                      "description": s.description, "visitor": visitor_words(s)}
                     for s in site.services],
    }


def public_snapshot(queue: SiteQueue, seq: int, now: datetime, is_open: bool,
                    recent: list[dict[str, Any]], area: str | None = None) -> dict[str, Any]:
    """What a display or kiosk shows: numbers at counters, waiting counts, recent calls."""
    site = queue.site
    calling = []
    for counter in site.counters:
        if area is not None and counter.area != area:
            continue
        state = queue.counters[counter.id]
        held = queue.tickets.get(state.ticket_id) if state.ticket_id is not None else None
        calling.append({
            "counter": counter.id, "counter_number": counter.number,
            "counter_name": public_counter_name(counter), "area": counter.area,
            "status": state.status,
            "label": held.label if held and held.status is TicketStatus.CALLED else None,
        })
    counts = waiting_counts(queue, public=True)
    return {
        "site": site.id, "name": site.name, "seq": seq, "now": local_iso(site, now),
        "open": is_open, "area": area, "notice": site.notice,
        "services": [{"id": s.id, "label": s.public_label, "waiting": counts[s.id]}
                     for s in site.services if not s.sensitive],
        "counters": calling,
        "recent_calls": [c for c in recent if area is None or c["area"] == area],
    }


def kiosk_event_views(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of the public events, those a kiosk acts on: the close of a day (it reads its desks
    again). Its screen shows no calls, so it is not sent them, nor where counters are."""
    return [v for v in views if v["kind"] == EventKind.DAY_CLOSED.value]


def staff_event_view(site: Site, e: Event, hidden: frozenset[str] = frozenset()
                     ) -> dict[str, Any]:
    """An event as staff see it. Of a stage at a `hidden` desk only that it happened, at
    OTHER_DESK: not its number, counter, staff, reason, outcome or note, any of which could tell
    the desk; but of a transfer out of a desk they see, the number and where it came from (they
    sent it). Elsewhere a hidden desk in the data is OTHER_DESK, and a transfer from one does not
    name its counter."""
    data = e.data
    counter, staff = e.counter_id, e.staff
    if e.service_id in hidden:
        counter = None
        if e.kind is EventKind.TRANSFERRED and data.get("from_service") not in hidden:
            data = {k: data.get(k) for k in ("label", "from_service", "from_counter")}
        else:
            data, staff = {}, None
    elif hidden:
        data = {k: _desk(v, hidden) if k.endswith("service") else v for k, v in data.items()}
        if isinstance(data.get("purposes"), list):
            data["purposes"] = [_desk(p, hidden) for p in data["purposes"]]
        if data.get("from_service") == OTHER_DESK:
            data.pop("from_counter", None)
    return {"seq": e.seq, "kind": e.kind.value, "site": e.site_id,
            "at": local_iso(site, e.at), "ticket": e.ticket_id, "stage": e.stage,
            "service": _desk(e.service_id, hidden), "counter": counter, "staff": staff,
            "data": data}


def public_event_view(site: Site, e: Event) -> dict[str, Any] | None:
    """An event as a display may see it, or None if displays need not know of it."""
    counter = site.counter(e.counter_id) if e.counter_id else None
    base: dict[str, Any] = {"seq": e.seq, "kind": e.kind.value, "site": e.site_id,
                            "at": local_iso(site, e.at)}
    if e.kind in PUBLIC_CALLS and counter is not None:
        return {**base, "label": e.data.get("label"), "counter": counter.id,
                "counter_number": counter.number, "counter_name": public_counter_name(counter),
                "area": counter.area, "calls": e.data.get("calls", 1)}
    service = site.service(e.service_id) if e.service_id else None
    if service is not None and service.sensitive and e.kind in _QUEUE_NEWS:
        return None  # even a bare "someone queued" would hint that a welfare desk was chosen
    if e.kind in _PUBLIC_CLEARS or e.kind is EventKind.STARTED:
        return {**base, "label": e.data.get("label"),
                "counter": counter.id if counter else None,
                "area": counter.area if counter else None}
    if e.kind in (EventKind.ISSUED, EventKind.QUEUED, EventKind.RETURNED, EventKind.DONE,
                  EventKind.DAY_CLOSED) or e.kind.value.startswith("counter_"):
        return {**base, "counter": counter.id if counter else None,
                "area": counter.area if counter else None}
    return None
