"""The phone page `/t/<token>`: one ticket's number, place, estimate and call, live.

It needs no login: the token in the QR code is the key, unguessable (128 bits), and the page
shows nothing about the visit beyond its number, the desks as the visitor chose them at the
kiosk (in their words and language) and its place, and nothing about anyone else.
"""

from __future__ import annotations

import io
import json
import time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import gevent
import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_socketio import SocketIO

from ..desk_words import RUBY, plain, ruby_words
from ..domain.errors import Elsewhere
from ..domain.estimate import Estimate
from ..domain.events import Event
from ..domain.model import Site, Ticket, TicketStatus
from ..estimates import estimate_view
from ..services import services
from ..settings import Settings
from ..store import repository

bp = Blueprint("phone", __name__, template_folder="templates", static_folder="static",
               static_url_path="/phone-static")
I18N = Path(__file__).parent / "i18n"
DEFAULT_LANGUAGE = "ja"


# A ticket's language is what its kiosk sent (any short text): the caches are bounded.
@lru_cache(maxsize=64)
def strings(language: str) -> dict[str, str]:
    path = I18N / f"{language}.json"
    if not path.is_file():
        path = I18N / f"{DEFAULT_LANGUAGE}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=64)
def page_language(language: str) -> str:
    """The language the page is in: the ticket's if the page has its words (asked for every
    phone at every place refresh: a file system look-up once per language, not per phone)."""
    return language if (I18N / f"{language}.json").is_file() else DEFAULT_LANGUAGE


def visitor_line(language: str) -> str | None:
    """The one line a printed ticket carries in the visitor's language (none for Japanese)."""
    if language == DEFAULT_LANGUAGE:
        return None
    return strings(language).get("ticket_line")


def paper_words(language: str) -> tuple[tuple[str, str], ...]:
    """The printed ticket's facts in the visitor's language (目安, 前にお待ちの方, 発券 and
    their values' forms); none for Japanese, which the ticket's layout has itself."""
    if language == DEFAULT_LANGUAGE:
        return ()
    prefix = "paper_"
    return tuple(sorted((k[len(prefix):], v) for k, v in strings(language).items()
                        if k.startswith(prefix)))


def languages() -> list[str]:
    return sorted(p.stem for p in I18N.glob("*.json"))


def find(token: str) -> tuple[str, Ticket] | None:
    """The ticket behind a public token: live ones from memory, older ones from the store."""
    server = services()
    for site_id, queue in server.engine.queues.items():
        ticket_id = queue.by_token.get(token)
        if ticket_id is not None:
            return site_id, queue.tickets[ticket_id]
    stored = repository.find_ticket_by_token(server.engine.reader, token)
    return (stored.site_id, stored) if stored is not None else None


def status_view(site_id: str, ticket: Ticket) -> dict[str, Any]:
    """What the phone may know: its own number, its desks, its place and its call."""
    server = services()
    site = server.sites[site_id]
    text = strings(ticket.language)
    live = site_id in server.engine.queues and ticket.id in server.engine.queue(
        site_id).tickets
    estimate = server.estimator.estimate(site_id, ticket) if live else None
    counter = site.counter(ticket.counter_id) if ticket.counter_id else None
    state = ticket.status.value
    if ticket.status is TicketStatus.WAITING and ticket.stage > 0 and ticket.purpose_index > 0:
        state = "next_desk"
    message = text.get(state, text["waiting"])
    if ticket.status is TicketStatus.CALLED and counter is not None:
        message = text["called"].format(counter=text["counter"].format(n=counter.number))
    return {
        "label": ticket.label, "site_name": site.name, "status": ticket.status.value,
        "message": message,
        "ahead": estimate.ahead if estimate else None,
        "ahead_text": text["ahead"].format(n=estimate.ahead) if estimate else None,
        "estimate": localised_estimate(estimate, text),
        "counter_number": counter.number if counter and ticket.status is TicketStatus.CALLED
        else None,
        "language": page_language(ticket.language),
        "desks": desks_view(site, ticket),
    }


def desks_view(site: Site, ticket: Ticket) -> list[dict[str, Any]]:
    """The desks the visitor chose, as the kiosk's buttons said them in their language
    (desk_words.py): plain text, and for text with ruby its words, each a list of
    (text, reading) pieces, so the page keeps a word whole on one line. A sensitive desk is
    left out: whoever holds the page's address (a ticket found, a screen seen over a
    shoulder) learns nothing of it."""
    desks = []
    for service_id in ticket.purposes:
        service = site.service(service_id)
        if service is not None and service.sensitive:
            continue
        label = service.visitor(ticket.language)[0] if service else service_id
        desks.append({"text": plain(label),
                      "words": ruby_words(label) if RUBY.search(label) else None})
    return desks


def localised_estimate(estimate: Estimate | None, text: dict[str, str]) -> dict[str, Any] | None:
    view = estimate_view(estimate)
    if view is None or estimate is None:
        return None
    if estimate.high_min <= 5:
        view["text"] = text["estimate_soon"]
    elif estimate.low_min == 0:
        view["text"] = text["estimate_within"].format(high=estimate.high_min)
    else:
        view["text"] = text["estimate_range"].format(low=estimate.low_min, high=estimate.high_min)
    return view


def status_url(token: str) -> str:
    return f"{public_base(services().settings)}/t/{token}"


@cache
def public_base(settings: Settings) -> str:
    """The address printed in QR codes: `public_url`, else the address this server listens
    on. Never the Host a client sent: that is the client's to choose (an evil.example, or a
    malformed name that would print a broken link)."""
    if settings.public_url:
        return settings.public_url
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"


@bp.get("/t/<token>")
def page(token: str) -> Any:
    found = find(token)
    if found is None:
        return render_template("phone/ticket.html", view=None, text=strings(DEFAULT_LANGUAGE),
                               token=token), 404
    owner_answers(*found)
    view = status_view(*found)
    return render_template("phone/ticket.html", view=view, text=strings(view["language"]),
                           token=token, notify=notify_view(*found))


def notify_view(site_id: str, ticket: Ticket) -> dict[str, Any] | None:
    """What the page offers for notifications: none once the visit is over."""
    server = services()
    if not ticket.live:
        return None
    return {"ahead": server.sites[site_id].policy.notify_ahead,
            "push_key": server.notifier.push_key, "email": "email" in server.notifier.channels,
            "channels": server.notifier.channels_of(site_id, ticket.id)}


@bp.get("/t/<token>/status")
def status(token: str) -> Any:
    found = find(token)
    if found is None:
        response = jsonify({"error": "unknown_ticket", "message": "This ticket was not found."})
        response.status_code = 404
        return response
    owner_answers(*found)
    return jsonify(status_view(*found))


def owner_answers(site_id: str, ticket: Ticket) -> None:
    """In a cluster: a live ticket of a site another process owns is shown by its owner, which
    holds the queue its place and estimate come from (Elsewhere: the request is passed on).
    If no owner is known just now, or the request was passed on already, it is shown from
    the store here, without them."""
    server = services()
    if server.cluster is None or not ticket.live or server.engine.owns(site_id) or (
            request.headers.get("X-Madoguchi-Forwarded")):
        return
    try:
        owner = server.cluster.forwarder.owner_of(site_id)
    except Exception:  # noqa: BLE001 - the database is lost: shown without the estimate
        return
    if owner is not None and owner != server.cluster.forwarder.address:
        raise Elsewhere(site_id)


@bp.get("/t/<token>/qr.svg")
def qr_svg(token: str) -> Response:
    if find(token) is None:
        abort(404)
    image = qrcode.make(status_url(token), image_factory=qrcode.image.svg.SvgPathImage,
                        error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    out = io.BytesIO()
    image.save(out)
    return Response(out.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})


# Others' place ("n ahead", the estimate) is pushed at most this often: with thousands of
# phones open, every call would otherwise send a message to each one behind it in line.
PLACE_REFRESH_SECONDS = 2.0
FLUSH_SLICE = 50  # phones brought up to date before the flush lets calls and displays run
# A refresh's slices are spread over this part of the period rather than sent in one burst:
# 2,000 messages at once held the calls' display messages behind them in the send queues
# and woke every phone at the same moment (2,000 phones, 20 calls a second in the bench).
PLACE_SPREAD_SECONDS = 1.0


class PhonePusher:
    """After each stored batch: at once, the phones of the tickets the batch changed (called,
    served, sent on); within PLACE_REFRESH_SECONDS (plus PLACE_SPREAD_SECONDS for the last of
    many phones), every other phone of the site whose place or estimate changed."""

    def __init__(self, socketio: SocketIO, app: Any) -> None:
        self.socketio = socketio
        self.app = app
        self.watchers: dict[str, tuple[str, int]] = {}  # sid -> (site, ticket id)
        self.by_ticket: dict[tuple[str, int], set[str]] = {}
        self.last: dict[str, dict[str, Any]] = {}
        self.due: set[str] = set()  # sites whose other phones are to be brought up to date
        self.flushing = False

    def watch(self, sid: str, site_id: str, ticket_id: int) -> None:
        self.watchers[sid] = (site_id, ticket_id)
        self.by_ticket.setdefault((site_id, ticket_id), set()).add(sid)

    def forget(self, sid: str) -> None:
        key = self.watchers.pop(sid, None)
        self.last.pop(sid, None)
        if key is not None:
            sids = self.by_ticket.get(key, set())
            sids.discard(sid)
            if not sids:
                self.by_ticket.pop(key, None)

    def __call__(self, events: list[Event]) -> None:
        if not self.watchers or not events:
            return
        changed: set[tuple[str, int]] = set()
        for event in events:
            if event.ticket_id is not None:
                changed.add((event.site_id, event.ticket_id))
        with self.app.app_context():
            for site_id, ticket_id in changed:
                for sid in list(self.by_ticket.get((site_id, ticket_id), ())):
                    self.push(sid, site_id, ticket_id)
        self.due.update(e.site_id for e in events)
        if not self.flushing:
            self.flushing = True
            gevent.spawn_later(PLACE_REFRESH_SECONDS, self._flush)

    def _flush(self) -> None:
        started = time.monotonic()
        sites, self.due = self.due, set()
        try:
            watching = [(sid, key) for sid, key in self.watchers.items() if key[0] in sites]
            slices = range(0, len(watching), FLUSH_SLICE)
            pause = PLACE_SPREAD_SECONDS / len(slices) if len(slices) > 1 else 0.0
            for start in slices:
                if start:
                    gevent.sleep(pause)  # calls and displays go first; the sends spread out
                with self.app.app_context():
                    for sid, (site_id, ticket_id) in watching[start:start + FLUSH_SLICE]:
                        if sid in self.watchers:
                            self.push(sid, site_id, ticket_id)
        finally:
            self.flushing = False
            if self.due:
                self.flushing = True
                gevent.spawn_later(max(0.0, started + PLACE_REFRESH_SECONDS - time.monotonic()),
                                   self._flush)

    def push(self, sid: str, site_id: str, ticket_id: int) -> None:
        queue = services().engine.queue(site_id)
        ticket = queue.tickets.get(ticket_id)
        if ticket is None:
            return
        view = status_view(site_id, ticket)
        if self.last.get(sid) != view:
            self.last[sid] = view
            self.socketio.emit("status", view, to=sid, namespace="/phone")


def register_phone_socket(socketio: SocketIO, pusher: PhonePusher) -> None:
    @socketio.on("connect", namespace="/phone")
    def connect(auth: Any) -> None:
        from flask_socketio import ConnectionRefusedError

        token = auth.get("ticket") if isinstance(auth, dict) else None
        found = find(token) if isinstance(token, str) else None
        if found is None:
            raise ConnectionRefusedError("unknown_ticket")
        site_id, ticket = found
        sid = request.sid  # type: ignore[attr-defined]
        pusher.watch(sid, site_id, ticket.id)
        view = status_view(site_id, ticket)
        pusher.last[sid] = view
        socketio.emit("status", view, to=sid, namespace="/phone")

    @socketio.on("disconnect", namespace="/phone")
    def disconnect(*_: Any) -> None:
        pusher.forget(request.sid)  # type: ignore[attr-defined]
