"""What the printing tests read back: the ticket's log, and the slip the server must have drawn."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from printers.model import TicketSlip
from tests.harness import ADMIN, ServerProcess
from tests.printers.test_decode import npos_decode


def journey(server: ServerProcess, ticket_id: int, kind: str | None = None) -> list[dict[str, Any]]:
    """The ticket's stored events, as the administrator reads them."""
    reply = server.request("GET", f"/api/tickets/{ticket_id}", ADMIN)
    assert reply.status == 200, reply.body
    return [e for e in reply.body["journey"] if kind is None or e["kind"] == kind]


def recorded(
    server: ServerProcess, ticket_id: int, kind: str, count: int = 1
) -> list[dict[str, Any]]:
    """The ticket's events of this kind once there are `count` of them (at most 5 s): the
    server pushes a print outcome before it has written it to the log."""
    deadline = time.monotonic() + 5
    while len(found := journey(server, ticket_id, kind)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def site_events(server: ServerProcess, site: str, kind: str) -> list[dict[str, Any]]:
    reply = server.request("GET", f"/api/sites/{site}/events?limit=5000", ADMIN)
    assert reply.status == 200, reply.body
    return [e for e in reply.body["events"] if e["kind"] == kind]


def slip_of(ticket: dict[str, Any], reissue: bool = False) -> TicketSlip:
    """The slip of a Japanese, one-desk ticket, from what the kiosk was told when it issued it
    (nothing in the queue moved in between, so the place and estimate are still the same)."""
    estimate = ticket["estimate"] or {}
    return TicketSlip(
        site_name=ticket["site_name"],
        label=ticket["label"],
        desk_label=ticket["desk"],
        issued_at=datetime.fromisoformat(ticket["issued_at"]),
        people_ahead=ticket["people_ahead"],
        status_url=ticket["status_url"],
        estimate_low_min=estimate.get("low_min"),
        estimate_high_min=estimate.get("high_min"),
        reissue=reissue,
    )


def decoded(job: bytes, folder: Path) -> Image.Image:
    """The printed job, decoded by npos (a decoder we did not write)."""
    folder.mkdir(parents=True, exist_ok=True)
    image, summary = npos_decode(job, folder)
    assert summary["commands"][-1] == "GS V", summary  # one ticket, cut once
    return image
