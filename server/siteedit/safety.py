"""What a ward office must never see happen to a running site, checked before a change.

Each refusal is a 409 with a stable code: a desk removed while tickets still need it or a
counter still serves it; a counter removed or changed while it has someone in hand, or
removed while a console or display is bound to it; a number band or prefix changed so that
it could hand out a number another desk's live ticket still carries; a desk removed or made
public while a welfare corner's display shows its figures. (A printer a kiosk prints on is
kept by the editor's first look at the change.)
"""

from __future__ import annotations

from collections.abc import Iterable

from ..domain.errors import Conflict
from ..domain.model import Service
from ..domain.site_queue import SiteQueue
from ..store.devices import Device
from .layer import SiteParts


def check_desks_removable(queue: SiteQueue, removed: Iterable[str],
                          counters: Iterable[tuple[str, str, Iterable[str]]]) -> None:
    """Before the change is read: a removed desk no counter (id, name, desks) still serves
    and no ticket still needs (now or at a later stage of its visit)."""
    counters = list(counters)
    for service_id in removed:
        name = queue.services[service_id].name if service_id in queue.services else service_id
        for counter_id, counter_name, serves in counters:
            if service_id in serves:
                raise Conflict(
                    f"Counter {counter_name} ({counter_id}) still serves {name}: take the desk "
                    "off the counter first.",
                    "service_served_by_counter",
                    service=service_id,
                    counter=counter_id,
                )
        live = [t for t in queue.tickets.values()
                if t.live and service_id in (t.service_id, *t.purposes[t.purpose_index:])]
        if live:
            raise Conflict(
                f"{len(live)} ticket(s) still wait for or are served at {name} (for example "
                f"{live[0].label}): remove the desk when they are done.",
                "service_has_live_tickets",
                service=service_id,
                tickets=len(live),
            )


def check_change(queue: SiteQueue, old: SiteParts, new: SiteParts,
                 devices: Iterable[Device]) -> None:
    """The whole new site against what is live now; refuses with a Conflict."""
    removed = [s.id for s in old.site.services if new.site.service(s.id) is None]
    check_desks_removable(queue, removed,
                          ((c.id, c.name, c.services) for c in new.site.counters))
    for service in new.site.services:
        before = old.site.service(service.id)
        if before is None or _band(before) != _band(service):
            _check_band_free(queue, service)
    here = [d for d in devices if d.site_id == old.site.id]
    _check_counters(queue, old, new, here)
    _check_shown_desks(new, here)


def _band(s: Service) -> tuple[str, int, int]:
    return s.prefix, s.first_number, s.last_number


def _check_band_free(queue: SiteQueue, service: Service) -> None:
    """A desk's new band must not cover a number another desk's live ticket carries: two
    visitors could then hold tickets that read alike."""
    for ticket in queue.tickets.values():
        if not ticket.live or ticket.purposes[0] == service.id:
            continue
        first = queue.services.get(ticket.purposes[0])
        if first is not None and _band(first) == _band(service):
            continue  # one shared band: its next number skips the live ones
        prefix, digits = ticket.label[: len(ticket.label) - len(str(ticket.number))], ticket.number
        if prefix == service.prefix and service.first_number <= digits <= service.last_number:
            raise Conflict(
                f"Number {ticket.label} is still live at another desk; the band "
                f"{service.prefix}{service.first_number}–{service.prefix}{service.last_number} "
                f"for {service.name} would cover it. Choose other numbers, or change them when "
                "it is done.",
                "numbers_in_use",
                service=service.id,
                label=ticket.label,
            )


def _check_counters(queue: SiteQueue, old: SiteParts, new: SiteParts,
                    devices: list[Device]) -> None:
    for counter in old.site.counters:
        after = new.site.counter(counter.id)
        if after == counter:
            continue
        state = queue.counters.get(counter.id)
        if state is not None and state.ticket_id is not None:
            held = queue.tickets.get(state.ticket_id)
            label = held.label if held else state.ticket_id
            raise Conflict(
                f"Counter {counter.name} has ticket {label} in hand: change it when the "
                "visitor has been served.",
                "counter_in_use",
                counter=counter.id,
            )
        if after is None and state is not None and state.status != "closed":
            raise Conflict(
                f"Counter {counter.name} is {state.status}: close it at the console first, so "
                "that its day's figures end where it stopped.",
                "counter_in_use",
                counter=counter.id,
            )
        bound = [d for d in devices if d.counter_id == counter.id
                 and (after is None or (d.role == "display" and d.area != after.area))]
        if bound:
            raise Conflict(
                f"{bound[0].name} ({bound[0].id}) is bound to counter {counter.name}: move "
                "it to another counter or area first.",
                "counter_has_devices",
                counter=counter.id,
                device=bound[0].id,
            )


def _check_shown_desks(new: SiteParts, devices: list[Device]) -> None:
    """A display that shows a sensitive desk's figures keeps a sensitive desk to show: the
    desk is not removed or made public under it (its list is changed first)."""
    for device in devices:
        for desk_id in device.show_sensitive:
            service = new.site.service(desk_id)
            if service is None or not service.sensitive:
                raise Conflict(
                    f"{device.name} ({device.id}) shows the waiting figures of desk "
                    f"'{desk_id}': take the desk off that display first.",
                    "desk_shown_on_display",
                    service=desk_id,
                    device=device.id,
                )
