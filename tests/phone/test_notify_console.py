"""Staff see which visitors are notified on their phone (and may be away), and a 不在 for
such a visitor waits the site's grace time after the call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.services import services_of
from tests.appclient import Initialised, InProcessApp
from tests.harness import ADMIN, token
from tests.phone.test_notify_refusals import push, subscription


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, initialised: Initialised
) -> Iterator[InProcessApp]:
    made = InProcessApp(
        tmp_path_factory.mktemp("away"),
        initialised(("s01",)),
        push_hosts="push.example.jp",
        clock="simulated",
    )
    yield made
    made.close()


def test_a_notified_visitor_is_marked_and_their_no_show_waits_the_grace_time(
    app: InProcessApp,
) -> None:
    notified, plain = app.issue("s01", ["job"]).body, app.issue("s01", ["job"]).body
    assert push(app, notified["public_token"], subscription()).status == 201
    staff = app.request("GET", "/api/sites/s01/snapshot", token("s01", "staff1")).body
    assert staff["notified"] == [notified["id"]]
    display = app.request("GET", "/api/sites/s01/snapshot", token("s01", "display")).body
    assert "notified" not in display  # who uses notifications is the staff's to know
    assert app.call_next("s01", "c1").body["ticket"]["id"] == notified["id"]
    early = app.act("s01", notified["id"], "no-show")
    grace = services_of(app.app).sites["s01"].policy.away_grace_min
    assert (early.status, early.error) == (409, "no_show_too_soon")
    assert early.body["minutes"] == grace and 0 < early.body["retry_after"] <= grace * 60
    moved = app.request("POST", "/api/clock", ADMIN, {"advance_seconds": grace * 60})
    assert moved.status == 200, moved.body
    assert app.act("s01", notified["id"], "no-show").status == 200
    # A visitor who is not notified is marked at once, as before.
    assert app.call_next("s01", "c2").body["ticket"]["id"] == plain["id"]
    assert app.act("s01", plain["id"], "no-show", staff="staff2").status == 200
