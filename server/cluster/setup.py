"""Joining a cluster at start-up, and what the app answers for a site owned elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import Engine as SqlEngine

from ..domain.errors import Elsewhere
from ..engine import Engine
from ..settings import Settings
from ..store import db as store_db
from .fanout import ClusterManager
from .forward import HERE, PASSED_ON, Forwarder, PassOn
from .join import bp as internal_bp
from .join import tell
from .member import ClusterMember
from .parts import Cluster


class ClusterRefused(RuntimeError):
    """The settings ask for a cluster this database cannot hold."""


def message_queue(settings: Settings) -> ClusterManager | None:
    """The Socket.IO client manager through Redis, if a message queue is set. Its channel is
    named after the database: the processes of one cluster share it, and two clusters on one
    Redis keep apart."""
    if not settings.message_queue:
        return None
    return ClusterManager(settings.message_queue, store_db.cluster_channel(settings.database))


def address_of(settings: Settings) -> str:
    return settings.advertise_url or f"http://{settings.host}:{settings.port}"


def check(settings: Settings) -> None:
    """Before anything opens the database: a cluster is only made on PostgreSQL."""
    if settings.cluster and not store_db.is_postgresql(settings.database):
        raise ClusterRefused(
            "cluster = true needs a PostgreSQL database (database = "
            "\"postgresql+psycopg://…\"): the processes share their sites through it.")


def prepare(settings: Settings, engine: Engine, writer: SqlEngine, reader: SqlEngine,
            manager: ClusterManager | None, me: str) -> Cluster:
    """Before the engine starts: it loads only the sites whose leases this process takes."""
    check(settings)
    address = address_of(settings)
    member = ClusterMember(engine, writer, address, settings.lease_seconds, me)
    forwarder = Forwarder(reader, member.me, address, owns=engine.owns)
    member.moved = forwarder.forget
    member.looked = forwarder.learn
    member.lost = forwarder.unreachable
    return Cluster(member, forwarder, manager)


def serve_elsewhere(app: Flask, cluster: Cluster, refused: Any) -> None:
    """A request for a site another process owns is answered by that process."""
    app.register_blueprint(internal_bp)
    key = app.secret_key
    assert isinstance(key, str | bytes)
    cluster.member.tell = lambda addresses: tell(key, cluster.member.me, addresses)
    cluster.forwarder.key = key.encode() if isinstance(key, str) else key

    app.wsgi_app = PassOn(app.wsgi_app, cluster.forwarder,  # type: ignore[method-assign]
                          cluster.member.engine.sites, app.config["MAX_CONTENT_LENGTH"] or 0)

    def elsewhere(exc: Elsewhere) -> Any:
        if request.environ.get(PASSED_ON):
            return refused(exc)  # forwarded already (PassOn): nobody answered in time
        forwarded = cluster.forwarder.forward(request, exc.site_id)
        if forwarded is HERE and not g.get("ran_here"):
            # The site came to this process while its owner was asked: the request runs
            # here, once (its checks before the handler ran already).
            g.ran_here = True
            try:
                return app.ensure_sync(app.view_functions[request.endpoint])(  # type: ignore[index]
                    **(request.view_args or {}))
            except Exception as again:  # noqa: BLE001 - answered as the first time would be
                return app.handle_user_exception(again)
        return forwarded if isinstance(forwarded, Response) else refused(exc)

    app.register_error_handler(Elsewhere, elsewhere)
