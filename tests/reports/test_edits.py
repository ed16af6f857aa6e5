"""Managers change their site's notice line, business hours and target waits: checked,
stored with an audit row, in effect at once on every screen, and kept over a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.harness import ADMIN, ServerProcess, token


def change(server: ServerProcess, site: str, body: dict[str, Any], who: str = "manager") -> Any:
    return server.request("POST", f"/api/sites/{site}/settings", token(site, who), body)


@pytest.fixture
def display(server: ServerProcess) -> Iterator[list[dict[str, Any]]]:
    """A waiting-room display of site b, keeping every snapshot it is sent."""
    snapshots: list[dict[str, Any]] = []
    client = socketio.Client(reconnection=False)
    client.on("snapshot", snapshots.append)
    client.connect(
        server.url, auth={"token": token("b", "display")}, transports=["websocket"], wait_timeout=10
    )
    try:
        yield snapshots
    finally:
        client.disconnect()


def test_a_new_notice_reaches_the_displays_at_once(
    server: ServerProcess, display: list[dict[str, Any]]
) -> None:
    reply = change(server, "b", {"notice": "本日は16時で受付を終了します"})
    assert reply.status == 200, reply.body
    assert reply.body["notice"] == "本日は16時で受付を終了します"
    kiosk = server.request("GET", "/api/sites/b/snapshot", token("b", "kiosk")).body
    assert kiosk["notice"] == "本日は16時で受付を終了します"
    for _ in range(100):  # the push comes right after the answer
        if any(s.get("notice") == "本日は16時で受付を終了します" for s in display):
            break
        server.request("GET", "/api/health")
    assert display[-1]["notice"] == "本日は16時で受付を終了します"
    assert change(server, "b", {"notice": ""}).body["notice"] == ""


def test_hours_and_target_waits_take_effect(server: ServerProcess) -> None:
    reply = change(
        server,
        "b",
        {"hours": {"mon": "09:00-16:00", "tue": "09:00-12:00"}, "target_waits": {"job": 25}},
    )
    assert reply.status == 200, reply.body
    assert reply.body["hours"] == {
        "mon": "09:00-16:00",
        "tue": "09:00-12:00",
        "wed": None,
        "thu": None,
        "fri": None,
        "sat": None,
        "sun": None,
    }
    desks = {s["id"]: s for s in server.request("GET", "/api/sites/b", ADMIN).body["services"]}
    assert desks["job"]["target_wait_min"] == 25 and desks["career"]["target_wait_min"] == 30
    read = server.request("GET", "/api/sites/b/settings", token("b", "manager")).body
    assert read["target_waits"]["job"] == 25


@pytest.mark.parametrize(
    "body,field",
    [
        ({"notice": "二行の\nお知らせ"}, "body.notice"),
        ({"notice": "あ" * 81}, "body.notice"),
        ({"hours": {"mon": "17:00-08:30"}}, "body.hours.mon"),
        ({"hours": {"mon": "8:30-17:15"}}, "body.hours.mon"),
        ({"target_waits": {"job": 0}}, "body.target_waits.job"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    server: ServerProcess, body: dict[str, Any], field: str
) -> None:
    before = server.request("GET", "/api/sites/b/settings", token("b", "manager")).body
    reply = change(server, "b", body)
    assert (reply.status, reply.error, reply.body["field"]) == (422, "invalid_field", field)
    assert server.request("GET", "/api/sites/b/settings", token("b", "manager")).body == before


def test_who_may_change_a_site(server: ServerProcess) -> None:
    assert change(server, "b", {"target_waits": {"bakery": 5}}).error == "unknown_service"
    assert change(server, "b", {"notice": "x"}, who="staff1").error == "forbidden_role"
    reply = server.request("POST", "/api/sites/b/settings", token("r", "manager"), {"notice": "x"})
    assert (reply.status, reply.error) == (403, "forbidden_site")
    assert server.request("POST", "/api/sites/b/settings", ADMIN, {"notice": ""}).status == 200


def test_a_change_is_in_the_audit_log(server: ServerProcess) -> None:
    assert change(server, "b", {"target_waits": {"search": 12}}).status == 200
    entries = server.request("GET", "/api/audit?site=b&limit=1000", ADMIN).body["entries"]
    mine = [e for e in entries if e["action"] == "site_settings_changed" and e["outcome"] == 200]
    assert mine and mine[-1]["target"] == "site:b"
    assert mine[-1]["detail"]["body"] == {"target_waits": {"search": 12}}
    assert mine[-1]["actor"] == "b-manager"


def test_settings_are_kept_over_a_restart(tmp_path: Path) -> None:
    own = ServerProcess(tmp_path, ["b"])
    own.init()
    own.start()
    try:
        assert (
            change(
                own, "b", {"notice": "臨時休業のお知らせ", "target_waits": {"career": 45}}
            ).status
            == 200
        )
        own.stop()
        own.init()  # loading the site file again keeps the overrides laid over it
        own.start()
        kiosk = own.request("GET", "/api/sites/b/snapshot", token("b", "kiosk")).body
        assert kiosk["notice"] == "臨時休業のお知らせ"
        read = own.request("GET", "/api/sites/b/settings", token("b", "manager")).body
        assert read["target_waits"]["career"] == 45
    finally:
        own.stop()
