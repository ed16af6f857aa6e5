"""The running server's services, in one typed object that `create_app` builds once, whole.

A handler reaches it with `services()`; code outside a request (the command line, the
housekeeping loop) with `services_of(app)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app
from flask_socketio import SocketIO

from .alerts import AlertChannel
from .auth.service import AuthService
from .bookings import BookingService
from .device_health import DeviceHealth
from .domain.clock import Clock
from .domain.model import Site
from .engine import Engine
from .forecasting import Forecasting
from .mailer import Mailer
from .notify import Notifier
from .printing import PrintService
from .public_view import PublicStatus
from .ratelimit import RateLimit
from .realtime import Publisher
from .reports import ReportService
from .settings import Settings
from .siteedit.editor import SiteEditor
from .snapshots import Snapshots
from .voice.speech import Voice

KEY = "madoguchi"


class Closeable(Protocol):
    """The server's hold on its database (a lock file, or PostgreSQL's advisory lock)."""

    def close(self) -> None: ...
  # the services' place in app.extensions


@dataclass(frozen=True)
class Services:
    """Everything the handlers use, made before the first request and never replaced."""

    settings: Settings
    clock: Clock
    sites: dict[str, Site]  # every site as it is in effect; changed only by `siteedit`
    socketio: SocketIO
    engine: Engine  # the live queues: every change of a ticket or counter goes through it
    auth: AuthService  # accounts, logins, device tokens and pairing
    estimator: Forecasting  # wait estimates
    printing: PrintService  # ticket printers
    snapshots: Snapshots  # what each kind of screen is shown of a site
    publisher: Publisher  # pushes every stored event to the screens that may see it
    reports: ReportService  # managers' figures
    siteedit: SiteEditor  # administrators' and managers' changes to a running site
    voice: Voice  # spoken calls for the displays
    bookings: BookingService  # appointments: booking, changing, checking in
    mailer: Mailer  # e-mail through the city's mail server (disabled without one)
    notifier: Notifier  # visitors' "your turn is near" by Web Push and e-mail
    public_status: PublicStatus  # what the public crowding pages show of a site
    public_limit: RateLimit  # the public pages' and open JSON's rate limit per address
    alerts: AlertChannel  # staff alerts: escalation, printers at fault, the kiosk told
    health: DeviceHealth  # each display's last contact and whether it may play sound
    lock: Closeable | None = field(default=None, repr=False)  # held while the server runs
    # This process's part in a cluster (server.cluster.parts.Cluster), if it is in one; not
    # named by its type here, as the cluster's handlers use these services.
    cluster: Any = None

    def is_open(self, site: Site) -> bool:
        """Whether the site takes visitors now (always, unless opening hours are enforced)."""
        return self.snapshots.is_open(site)


def services() -> Services:
    """The services of the app handling the current request."""
    return services_of(current_app)


def services_of(app: Flask) -> Services:
    found = app.extensions[KEY]
    assert isinstance(found, Services), "create_app did not build this app"
    return found
