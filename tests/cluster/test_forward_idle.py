"""A connection the forwarding process keeps to a site's owner, closed by the owner while idle
(it closes kept-alive connections idle past `request_header_seconds`), is not used again: the
next request passed on, even one without an Idempotency-Key that could not be sent twice
(an administrator's form, another program's call), is answered by the owner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.harness import Cluster
from tests.harness import eventually, token

CLOSE_WAIT = "08"  # /proc/net/tcp's state: the other end closed, this end not yet


def closed_by_the_other_end(port: int) -> bool:
    """Whether some connection to 127.0.0.1:`port` was closed by that end (CLOSE_WAIT)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state = fields[2], fields[3]
        if remote == f"0100007F:{port:04X}" and state == CLOSE_WAIT:
            return True
    return False


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    made = Cluster(tmp_path, ["a", "b"], env={"MADOGUCHI_REQUEST_HEADER_SECONDS": "1"}).start()
    yield made
    made.stop()


def test_a_kept_connection_the_owner_closed_while_idle_is_not_used_again(
        cluster: Cluster) -> None:
    owner = cluster.owner_of("a")
    other = cluster.others(owner)[0]
    kiosk = token("a", "kiosk")
    first = other.request("POST", "/api/sites/a/tickets", kiosk, {"services": ["job"]})
    assert first.status == 201, first.body
    # The owner closes the kept connection once it has been idle a second.
    assert eventually(lambda: closed_by_the_other_end(owner.port), timeout=30)
    for _ in range(3):
        again = other.request("POST", "/api/sites/a/tickets", kiosk, {"services": ["job"]})
        assert again.status == 201, again.body
