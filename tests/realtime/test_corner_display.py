"""A display in the welfare corner shows its own sensitive desks' waiting figures, live; the
main hall's display, the counter screen and the kiosk are never sent a figure of them.

Through the real server and the real python-socketio client: an administrator names the
desk on the corner display (the admin API), and every message each device receives is kept.
"""

from __future__ import annotations

from typing import Any

from tests.harness import ADMIN, ServerProcess, token
from tests.realtime.clients import RecordingClient
from tests.realtime.conftest import Connect
from tests.realtime.test_public_devices import walk

SENSITIVE = ("welfare", "housing")
SENSITIVE_NAMES = ("生活・福祉の相談", "住居確保給付金", "暮らし・お金の相談", "家賃の支援")


def corner_rows(client: RecordingClient) -> list[dict[str, Any]]:
    """Every sensitive desk's row the client was sent, in order (snapshots and pushes)."""
    rows: list[dict[str, Any]] = []
    for name, data in client.messages:
        if name in ("snapshot", "events"):
            rows.extend(data.get("corner_desks") or [])
    return rows


def last_waiting(client: RecordingClient, desk: str) -> int | None:
    found = [r["waiting"] for r in corner_rows(client) if r["id"] == desk]
    return found[-1] if found else None


def public_waiting(client: RecordingClient, desk: str) -> int | None:
    found = [m["waiting"][desk] for m in client.batches() if desk in (m.get("waiting") or {})]
    return found[-1] if found else None


def assert_nothing_sensitive(device: str, client: RecordingClient) -> None:
    for name, data in client.messages:
        assert not data.get("corner_desks"), (device, name, data)
        for entry in walk(data):
            for key in ("waiting", "estimates"):
                if isinstance(entry.get(key), dict):
                    assert not set(SENSITIVE) & set(entry[key]), (device, name, entry)
            assert entry.get("id") not in SENSITIVE, (device, name, entry)
        for words in SENSITIVE_NAMES:
            assert words not in repr(data), (device, name, words)


def test_the_corner_display_gets_its_desks_figures_live_and_no_other_display_any(
    server: ServerProcess, site: str, connect: Connect
) -> None:
    corner_id = f"{site}-display-welfare"
    shown = server.request("PATCH", f"/api/sites/{site}/configuration/devices/{corner_id}",
                           ADMIN, {"show_sensitive": ["welfare"]})
    assert shown.status == 200, shown.body
    corner = connect(token(site, "display-welfare"))
    others = {device: connect(token(site, device))
              for device in ("display", "display-c1", "kiosk")}
    corner.wait_for_snapshots()
    snapshot = corner.snapshots()[0]
    assert snapshot["corner_desks"] == [{"id": "welfare", "label": "暮らし・お金の相談",
                                         "waiting": 0, "estimate": None}]
    assert [s["id"] for s in snapshot["services"]] == ["job", "search", "career"]

    for services in (["welfare"], ["welfare"], ["housing"], ["welfare", "job"]):
        assert server.issue(site, services).status == 201
    corner.wait_for(lambda c: last_waiting(c, "welfare") == 3)
    called = server.call_next(site, "c3", "staff3")
    assert called.status == 200, called.body
    left = 2 if called.body["ticket"]["service"] == "welfare" else 3
    corner.wait_for(lambda c: last_waiting(c, "welfare") == left and any(
        r["estimate"] is not None for r in corner_rows(c) if r["waiting"] == left))
    assert {r["id"] for r in corner_rows(corner)} == {"welfare"}  # never housing
    assert all(r["label"] == "暮らし・お金の相談" for r in corner_rows(corner))

    # The last change everyone is told of: once it has arrived, so has all that came before.
    assert server.issue(site, ["job"]).status == 201
    for client in (others["display"], corner):
        client.wait_for(lambda c: public_waiting(c, "job") == 1)
    others["kiosk"].wait_for_snapshots()
    others["display-c1"].wait_for_snapshots()
    for device, client in others.items():
        assert_nothing_sensitive(device, client)


def test_a_display_shows_no_sensitive_figures_once_its_setting_is_taken_off(
    server: ServerProcess, site: str, connect: Connect
) -> None:
    path = f"/api/sites/{site}/configuration/devices/{site}-display-welfare"
    assert server.request("PATCH", path, ADMIN, {"show_sensitive": ["housing"]}).status == 200
    corner = connect(token(site, "display-welfare"))
    corner.wait_for_snapshots()
    assert [r["id"] for r in corner.snapshots()[0]["corner_desks"]] == ["housing"]
    corner.wait_for(lambda c: c.sio.connected)

    assert server.request("PATCH", path, ADMIN, {"show_sensitive": []}).status == 200
    corner.wait_for(lambda c: not c.sio.connected)  # told to reconnect to its new rooms
    again = connect(token(site, "display-welfare"))
    again.wait_for_snapshots()
    assert again.snapshots()[0]["corner_desks"] == []
    assert server.issue(site, ["housing"]).status == 201
    assert server.issue(site, ["job"]).status == 201
    again.wait_for(lambda c: public_waiting(c, "job") == 1)
    assert_nothing_sensitive("display-welfare", again)
