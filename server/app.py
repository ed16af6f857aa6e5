"""The composition root: `create_app` builds the store, the services and every handler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import gevent
from flask import Flask, Request, jsonify
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_socketio import SocketIO
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from counter import bp as counter_bp
from display import bp as display_bp
from kiosk import bp as kiosk_bp

from .admin import bp as admin_bp
from .alerts import AlertChannel
from .api.alerts import bp as alerts_api_bp
from .api.auth import bp as auth_bp
from .api.bookings import bp as bookings_api_bp
from .api.cluster import bp as cluster_api_bp
from .api.configuration import bp as configuration_bp
from .api.reference import bp as api_reference_bp
from .api.reports import bp as reports_api_bp
from .api.routes import bp as api_bp
from .api.site_settings import bp as site_settings_bp
from .api.voice import bp as voice_bp
from .auth.secret import load_or_create, secret_key_path
from .auth.service import AuthService
from .auth.shared_throttle import login_throttles
from .booking import bp as booking_bp
from .bookings import BookingService
from .calendars import bp as calendar_bp
from .cluster import setup as cluster_setup
from .cluster.member import member_id
from .device_health import DeviceHealth
from .domain.clock import Clock, SimulatedClock, SystemClock
from .domain.errors import Refusal
from .engine import Engine
from .forecasting import Forecasting
from .headers import ProtectiveHeaders
from .holds import HoldingManager
from .mailer import Mailer, MailServer
from .manager import bp as manager_bp
from .notify import build_notifier
from .phone import bp as phone_bp
from .phone import register_phone_socket
from .phone.notify import notice_for
from .phone.views import PhonePusher, paper_words, visitor_line
from .printing import PrintService
from .public_view import PublicStatus
from .ratelimit import RateLimit
from .realtime import Publisher
from .reports import start_reports
from .services import KEY, Services
from .settings import Settings
from .siteconfig import SiteConfig, parse_sites
from .siteedit.editor import LiveSite, SiteEditor, in_effect, load_edits
from .snapshots import RecentCalls, Snapshots
from .sockets import register_socket_handlers
from .status.views import bp as status_bp
from .store import db as store_db
from .store import devices as device_store
from .store.devices import Device
from .store.lock import hold_database_lock, hold_server_lock
from .voice.cache import VoiceCache
from .voice.speech import Prewarmer, Voice, languages_setting
from .web import audit as auditing
from .web.endpoints import error_response, http_error_response, store_lost_response
from .web.openapi import openapi_document

log = logging.getLogger(__name__)


class NotInitialised(RuntimeError):
    pass


class PublicUrlMissing(RuntimeError):
    """A site prints or shows tickets, whose QR code needs `public_url`."""


def check_public_url(settings: Settings, config: SiteConfig, devices: list[Device]) -> None:
    """Outside the demo, a server whose sites hand out tickets from a kiosk or print them
    must be told the address visitors' phones use: it is what every ticket's QR code holds,
    and guessing it from what a client sent would let any client choose it."""
    if settings.public_url:
        return
    kiosks = sorted({d.site_id or "" for d in devices if d.role == "kiosk"}
                    | {d.site_id or "" for d in config.devices if d.role == "kiosk"})
    printing = sorted({site for _, site in config.printer_sites})
    where = [*kiosks, *printing]
    if where:
        raise PublicUrlMissing(
            "public_url is not set, but site(s) " + ", ".join(sorted(set(where)))
            + " have a kiosk or a printer: the QR code on every ticket needs the address "
            "visitors' phones use to reach this server. Set it in the settings file's [server] "
            'table, e.g. public_url = "http://192.0.2.5:8000", or in the environment variable '
            "MADOGUCHI_PUBLIC_URL.")


class LoginCookies(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, without building the cookie's signer for a request
    that carries no cookie (a kiosk's, a display's, a request passed on by another process):
    that was 2 % of the event loop's time under a kiosk load."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def configure_sessions(app: Flask, settings: Settings) -> None:
    """Login cookies: signed with the key file, unreadable by scripts, never sent along with a
    request from another site, and over HTTPS only when the server is reached that way."""
    app.secret_key = load_or_create(secret_key_path(settings))
    app.session_interface = LoginCookies()
    app.config.update(
        SESSION_COOKIE_NAME="madoguchi_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.secure_cookies
        or settings.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SESSION_REFRESH_EACH_REQUEST=False,  # a login lasts session_hours from logging in
    )


def hold_database(settings: Settings, writer: Any) -> Any:
    """The one server's hold on its database (a lock file beside SQLite's, PostgreSQL's
    advisory lock); none for a cluster's processes, which share it site by site. A
    PostgreSQL that cannot be reached is said so (DatabaseUnreachable)."""
    path = store_db.sqlite_path(settings.database)
    if path:
        return hold_server_lock(path)
    if store_db.is_postgresql(settings.database):
        store_db.check_reachable(writer)
        if not settings.cluster:
            return hold_database_lock(writer, writer.url.render_as_string(hide_password=True))
    return None


def make_clock(settings: Settings) -> Clock:
    if settings.clock == "simulated":
        return SimulatedClock(SystemClock().now())
    return SystemClock()


def create_app(settings: Settings, clock: Clock | None = None,
               require_public_url: bool = True) -> tuple[Flask, SocketIO]:
    """Build the whole server for `settings`; the database must have been initialised.
    Without `require_public_url` (the demo, the command line) a site with kiosks or printers
    may do without `public_url`."""
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cluster_setup.check(settings)
    me = member_id()  # this process, as a cluster and PostgreSQL's sessions name it
    writer = store_db.open_engine(settings.database, writer=True, name=me)
    reader = store_db.open_engine(settings.database, writer=False, name=me)
    lock = hold_database(settings, writer)
    store_db.migrate(writer)
    stored = store_db.latest_config(reader)
    if stored is None:
        raise NotInitialised(
            f"The database {settings.database} has no site configuration yet: "
            "run 'madoguchi init' first."
        )
    source, text = stored
    site_file = parse_sites(text, source)
    for notice in site_file.notices:
        log.warning("%s", notice)
    # The administrators' and managers' changes are laid over the site file before anything
    # reads it: the queues are loaded with the sites as they are in effect.
    edits = load_edits(site_file, reader)
    config = in_effect(site_file, edits)
    sites = {s.id: s for s in config.sites}
    if require_public_url:
        check_public_url(settings, config, list(device_store.active_devices(reader).values()))
    clock = clock or make_clock(settings)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    manager = cluster_setup.message_queue(settings)
    socketio = SocketIO(app, async_mode="gevent", client_manager=manager or HoldingManager())
    app.wsgi_app = ProtectiveHeaders(app.wsgi_app)  # type: ignore[method-assign]

    def offload(fn: Callable[[], Any]) -> Any:
        return gevent.get_hub().threadpool.apply(fn)

    # The group commit: SQLite's calls block, so they run in a worker thread. psycopg waits
    # for PostgreSQL cooperatively on the event loop's thread (serving.py,
    # blocking_waits_off_the_loop), so its commits run there, a greenlet among the others:
    # in a thread, each of a commit's waits for the database had to win the interpreter
    # lock back from the busy event loop (docs/development/benchmarks.md).
    writes = None if store_db.is_postgresql(settings.database) else offload
    engine = Engine(writer, reader, sites, clock, offload=writes,
                    idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours))
    cluster = (cluster_setup.prepare(settings, engine, writer, reader, manager, me)
               if settings.cluster else None)
    engine.start()
    if cluster is not None:
        cluster.member.start()
    auth = AuthService(settings, writer, reader, clock, offload, sites, engine.append_audit)
    auth.credentials.load()
    estimator = Forecasting(engine)
    estimator.warm_up()
    printing = PrintService(config, engine, estimator, socketio, offload, visitor_line,
                            paper_words)
    printing.start()
    for site_id in edits.layers:  # kiosks paired on the admin page may print too
        parts = edits.parts[site_id]
        printing.set_site_printers(site_id, parts.printers, parts.kiosk_printers)
    recent = RecentCalls()
    recent.load(engine, sites)
    snapshots = Snapshots(engine, clock, settings.enforce_hours, printing, recent, estimator)
    publisher = Publisher(socketio, sites, engine, estimator, snapshots, recent, offload, manager)
    engine.subscribe(publisher)  # listeners hear each commit in this order
    engine.subscribe(estimator)
    reports = start_reports(settings, config, sites, engine, clock, offload)
    voice = Voice(VoiceCache(Path(settings.voice_cache_dir)),
                  languages_setting(settings.voice_languages))
    engine.subscribe(Prewarmer(voice, sites))
    bookings = BookingService(writer, reader, sites, clock, offload, login_throttles(settings))
    estimator.upcoming = bookings.upcoming
    mailer = Mailer(MailServer.from_settings(settings))

    def words(*args: Any) -> Any:
        with app.app_context():
            return notice_for(*args)

    notifier = build_notifier(settings, engine, mailer, words, offload)
    alerts = AlertChannel(engine, sites, socketio)
    engine.subscribe(alerts)
    printing.events.subscribe(alerts.printer_changed)
    alerts.start()
    siteedit = SiteEditor(site_file, edits,
                          LiveSite(sites, engine, auth.credentials, printing, publisher, clock),
                          writer, offload)
    if cluster is not None:  # a site taken over: as it was changed while served elsewhere,
        cluster.member.taking = siteedit.refresh  # and the last calls its displays showed
        cluster.member.adopted = lambda site_id: recent.load(engine, {site_id: sites[site_id]})
    services = Services(
        settings=settings,
        clock=clock,
        sites=sites,
        socketio=socketio,
        engine=engine,
        auth=auth,
        estimator=estimator,
        printing=printing,
        snapshots=snapshots,
        publisher=publisher,
        reports=reports,
        siteedit=siteedit,
        voice=voice,
        bookings=bookings,
        mailer=mailer,
        notifier=notifier,
        public_status=PublicStatus(engine, clock, estimator, publisher, recent, offload),
        public_limit=RateLimit(settings.public_requests_per_minute,
                               settings.public_requests_per_minute),
        alerts=alerts,
        health=DeviceHealth(clock),
        lock=lock,
        cluster=cluster,
    )
    app.extensions[KEY] = services
    phones = PhonePusher(socketio, app)
    engine.subscribe(phones)
    engine.subscribe(notifier)
    snapshots.notified = notifier.notified_ids
    notifier.on_change = lambda site_id: socketio.emit(
        "notified", {"site": site_id, "tickets": notifier.notified_ids(site_id)},
        to=f"staff:{site_id}")
    notifier.start()
    engine.audit_hook = auditing.engine_hook
    auth.credentials.disconnect = lambda sid: socketio.server.disconnect(sid, namespace="/")
    auth.credentials.watch()
    configure_sessions(app, settings)

    for blueprint, prefix in (
        (api_bp, "/api"), (alerts_api_bp, "/api"), (auth_bp, "/api"), (cluster_api_bp, "/api"),
        (reports_api_bp, "/api"),
        (site_settings_bp, "/api"), (configuration_bp, "/api"), (api_reference_bp, "/api"),
        (bookings_api_bp, "/api"),
        (admin_bp, "/admin"), (manager_bp, "/reports"), (kiosk_bp, "/kiosk"),
        (display_bp, "/display"), (counter_bp, "/counter"), (phone_bp, None), (voice_bp, None),
        (status_bp, None),
        (booking_bp, None), (calendar_bp, None),
    ):
        app.register_blueprint(blueprint, url_prefix=prefix)
    app.add_url_rule("/api/openapi.json", "openapi", lambda: jsonify(openapi_document()))
    app.register_error_handler(Refusal, error_response)
    app.register_error_handler(OperationalError, store_lost_response)
    if cluster is not None:
        cluster_setup.serve_elsewhere(app, cluster, error_response)
    app.register_error_handler(HTTPException, http_error_response)
    register_socket_handlers(socketio, services)
    register_phone_socket(socketio, phones)

    @app.get("/")
    def index() -> Any:
        return jsonify({"name": "madoguchi", "api": "/api/openapi.json",
                        "sites": [{"id": s.id, "name": s.name} for s in sites.values()]})

    return app, socketio
