"""The phone page's notifications: turning them on (Web Push, e-mail) and their wording.

One tap on the page subscribes the browser's push service (the service worker `/t/sw.js`)
and sends the subscription here; where the city has a mail server, an address does the
same. Both belong to the ticket and end with its visit. Refusals carry stable codes
(push_subscription_invalid, push_endpoint_not_https, push_service_not_allowed,
email_invalid, email_too_long, ticket_ended, notify_channel_unavailable) and store nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, jsonify

from ..domain.errors import NotFound
from ..domain.model import Ticket
from ..notify.channel import Notice
from ..services import services
from ..web.endpoints import read_body
from ..web.validation import obj, string
from .views import bp, find, status_url, strings

SERVICE_WORKER = Path(__file__).parent / "static" / "sw.js"
KEYS = obj({"p256dh": string(200), "auth": string(200)}, required=("p256dh", "auth"))
PUSH_BODY = obj(
    {
        "endpoint": string(1024),
        "keys": KEYS,
        "expirationTime": {"type": "number", "nullable": True},
    },
    required=("endpoint", "keys"),
)
EMAIL_BODY = obj({"address": string(1000)}, required=("address",))


def _ticket(token: str) -> tuple[str, Ticket]:
    found = find(token)
    if found is None:
        raise NotFound("This ticket was not found.", "unknown_ticket")
    return found


def _answer(site_id: str, ticket: Ticket, status: int = 200) -> Response:
    notifier = services().notifier
    response = jsonify({"channels": notifier.channels_of(site_id, ticket.id)})
    response.status_code = status
    return response


@bp.get("/t/sw.js")
def service_worker() -> Response:
    """The service worker that shows pushed notices; its scope is /t/, the phone pages."""
    return Response(
        SERVICE_WORKER.read_bytes(),
        mimetype="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@bp.post("/t/<token>/notify/push")
def subscribe_push(token: str) -> Response:
    body = read_body(PUSH_BODY)
    site_id, ticket = _ticket(token)
    services().notifier.subscribe(site_id, ticket, "push", body, services().clock.now())
    return _answer(site_id, ticket, 201)


@bp.post("/t/<token>/notify/email")
def subscribe_email(token: str) -> Response:
    body = read_body(EMAIL_BODY)
    site_id, ticket = _ticket(token)
    services().notifier.subscribe(site_id, ticket, "email", body, services().clock.now())
    return _answer(site_id, ticket, 201)


@bp.delete("/t/<token>/notify")
def unsubscribe(token: str) -> Response:
    site_id, ticket = _ticket(token)
    services().notifier.unsubscribe(site_id, ticket.id)
    return _answer(site_id, ticket)


def notice_for(kind: str, site_id: str, ticket: Ticket, extra: dict[str, Any]) -> Notice:
    """A notice in the visitor's language: "N ahead" or "called to counter n"."""
    server = services()
    site = server.sites[site_id]
    text = strings(ticket.language)
    if kind == "called":
        counter = site.counter(extra.get("counter") or "")
        where = text["counter"].format(n=counter.number) if counter else ""
        title = text["notify_called_title"]
        body = text["notify_called_body"].format(label=ticket.label, counter=where)
    else:
        ahead = int(extra.get("ahead", 0))
        title = text["notify_near_title"]
        body = text["notify_near_body"].format(label=ticket.label, n=ahead)
    return Notice(
        kind,
        ticket.label,
        title,
        f"{body}\n{site.name}",
        status_url(ticket.public_token),
        text.get("lang", ticket.language),
    )
