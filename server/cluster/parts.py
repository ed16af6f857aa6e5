"""This process's part in a cluster, as the services hold it."""

from __future__ import annotations

from dataclasses import dataclass

from .fanout import ClusterManager
from .forward import Forwarder
from .member import ClusterMember


@dataclass(frozen=True)
class Cluster:
    """This process's part in a cluster."""

    member: ClusterMember  # the leases it holds
    forwarder: Forwarder  # passes requests for other processes' sites to them
    manager: ClusterManager | None  # Socket.IO through Redis (None: no message queue)
