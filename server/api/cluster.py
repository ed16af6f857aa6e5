"""Readiness for a load balancer, and which process owns which site (under /api)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import text

from ..dbwait import within
from ..domain.errors import Unavailable
from ..services import services
from ..store import leases as lease_store
from ..web.endpoints import EndpointSpec, endpoint

bp = Blueprint("cluster", __name__)
READY_SECONDS = 2.0  # a database that does not answer the check in this long is not ready


@endpoint(bp, EndpointSpec(
    "GET", "/ready", "Readiness: 200 when the database answers and, in a cluster, this "
    "process holds its leases; 503 otherwise (a load balancer sends it nothing then)", None,
    errors=("store_unavailable",), tag="system"))
def ready(device: None, body: dict[str, Any]) -> dict[str, Any]:
    server = services()
    engine = server.engine
    try:  # a lost database: OperationalError, answered 503; one that does not answer:
        with within(engine.reader, READY_SECONDS, "the readiness check"):
            with engine.reader.connect() as conn:
                conn.execute(text("SELECT 1"))
    except TimeoutError:
        raise Unavailable("The database does not answer.", "store_unavailable") from None
    if engine.reloading:
        raise Unavailable("The queues are being loaded from the database again.",
                          "store_unavailable")
    cluster = server.cluster
    if cluster is not None and not cluster.member.healthy:
        raise Unavailable("This process cannot renew its sites' leases just now.",
                          "store_unavailable")
    return {"ok": True, "seq": engine.committed_seq, "sites": sorted(engine.queues),
            "process": cluster.member.me if cluster is not None else None}


@endpoint(bp, EndpointSpec(
    "GET", "/cluster", "The processes of a cluster and the sites each owns (an "
    "administrator's)", ("admin",), tag="system"))
def cluster_state(device: Any, body: dict[str, Any]) -> dict[str, Any]:
    server = services()
    if server.cluster is None:
        return {"cluster": False, "process": None,
                "sites": [{"site": s, "owner": "this server", "live": True}
                          for s in sorted(server.sites)]}
    return {"cluster": True, "process": server.cluster.member.me,
            "sites": [{"site": lease.site_id, "owner": lease.owner, "address": lease.address,
                       "epoch": lease.epoch, "live": lease.live,
                       "expires_at": lease.expires_at.isoformat()}
                      for lease in lease_store.leases(server.engine.reader)]}
