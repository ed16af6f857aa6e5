"""One process cut off from PostgreSQL by a network that drops everything (nothing refused,
nothing answered), while the others still reach it: the others take its sites, it stops
serving them when its leases run out by its own clock, its clients' tickets are passed on to
the new owner within seconds, it stores nothing after losing its leases, and it comes back
by itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import socketio

from tests import pg
from tests.cluster.harness import LEASE_SECONDS, Cluster
from tests.harness import eventually, token
from tests.realtime.clients import RecordingClient

SITES = ["a", "b"]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    made = Cluster(tmp_path, SITES, own_links=True).start()
    yield made
    made.stop()


def test_a_process_cut_off_from_the_database_passes_its_tickets_on_and_comes_back(
        cluster: Cluster) -> None:
    cut, other = cluster.processes
    site = next(s for s, url in cluster.owners().items() if url == cut.url)
    before = cut.issue(site, ["job"])
    assert before.status == 201, before.body
    cluster.links[0].hold()
    try:
        # Its readiness says so within seconds: a load balancer can send it nothing.
        asked = time.monotonic()
        ready = cut.request("GET", "/api/ready")
        assert ready.status == 503, ready.body
        assert time.monotonic() - asked < 5
        # A token it has not seen (made on another process, say) cannot be looked up: an
        # outage (503) within seconds, not a refusal, which would tell a kiosk to pair again.
        asked = time.monotonic()
        unseen = cut.request("GET", "/api/me", "an-unseen-token-" + "x" * 16)
        assert unseen.status == 503, unseen.body
        assert time.monotonic() - asked < 6
        assert cluster.wait_for_owner(site, not_=cut, via=other, timeout=30) is other
        # Once its leases have run out by its own clock (a lease after their last renewal),
        # the cut-off process no longer serves the site: what its clients ask is passed on
        # to the new owner, whom it knows from the last processes its lease round saw.
        answers = []
        answer = before
        deadline = time.monotonic() + 3 * LEASE_SECONDS + 10
        while time.monotonic() < deadline:
            asked = time.monotonic()
            answer = cut.issue(site, ["job"], key=f"cut-{len(answers)}")
            answers.append((answer.status, answer.body.get("error"),
                            round(time.monotonic() - asked, 1)))
            if answer.status == 201:
                break
            time.sleep(0.2)
        assert answers[-1][0] == 201, (answers, cluster.logs())
        assert all(status in (201, 503) and took < 12 for status, _, took in answers), answers
        for n in range(5):  # and it stays so, each within seconds
            asked = time.monotonic()
            assert cut.issue(site, ["job"], key=f"cut-after-{n}").status == 201
            assert time.monotonic() - asked < 5
        # A display connecting to it is refused (it cannot read what it would be sent), and
        # tries again by itself; one connecting to the new owner is served.
        refused = RecordingClient(cut.url, token(site, "display"))
        try:
            with pytest.raises(socketio.exceptions.ConnectionError):
                refused.connect()
            assert refused.errors == [{"message": "site_moving"}], refused.errors
        finally:
            refused.close()
        with RecordingClient(other.url, token(site, "display")) as served:
            served.connect().wait_for_snapshots()
        # A retry of the one passed on gets its first answer.
        again = cut.issue(site, ["job"], key=f"cut-{len(answers) - 1}")
        assert again.status == 201
        assert again.body["label"] == answer.body["label"]
    finally:
        cluster.links[0].release()
    assert eventually(lambda: cut.request("GET", "/api/ready").status == 200, timeout=60)
    cluster.settle()
    with RecordingClient(cut.url, token(site, "display")) as back:
        back.connect().wait_for_snapshots()
    assert cut.issue(site, ["job"]).status == 201
    assert other.issue(site, ["job"]).status == 201
    # Nothing stored twice: every label given once, whatever the cut-off process held
    # when it was cut off (its commit lands, or is refused by the lease's fence).
    with psycopg.connect(pg.url(cluster.name).replace("+psycopg", "")) as conn:
        labels = [r[0] for r in conn.execute(
            "SELECT label FROM tickets WHERE site_id = %s", (site,))]
    assert len(labels) == len(set(labels)), labels
