"""An administrator's change reaches connected screens at once, and outlives a restart."""

from __future__ import annotations

import sqlite3
import time

from tests.admin.test_config_api import PENSION, config, ids, patch, put
from tests.harness import ADMIN, ServerProcess, site_file, token
from tests.realtime.clients import WAIT, RecordingClient


def counters_of(snapshot: dict[str, object]) -> list[str]:
    return [c["counter"] if "counter" in c else c["id"]
            for c in snapshot["counters"]]  # type: ignore[attr-defined, index]


def test_displays_consoles_and_kiosks_get_the_new_desk_and_counter_at_once(
    server: ServerProcess, site: str
) -> None:
    with RecordingClient(server.url, token(site, "display")).connect() as display, \
            RecordingClient(server.url, token(site, "staff1")).connect() as console, \
            RecordingClient(server.url, token(site, "kiosk")).connect() as kiosk:
        for client in (display, console, kiosk):
            client.wait_for_snapshots(1)
        assert put(server, site, "services", "pension", PENSION).status == 200
        kiosk.wait_for(lambda c: any(s["id"] == "pension"
                                     for s in c.snapshots()[-1]["services"]))
        ticket = server.issue(site, ["pension"])  # the kiosk may offer it at once
        assert ticket.status == 201 and ticket.body["label"] == "N1"
        counter = {"name": "年金", "number": 9, "services": ["pension"]}
        assert put(server, site, "counters", f"{site}-c9", counter).status == 200
        display.wait_for(lambda c: f"{site}-c9" in counters_of(c.snapshots()[-1]))
        console.wait_for(lambda c: f"{site}-c9" in counters_of(c.snapshots()[-1]))
        staff_view = console.snapshots()[-1]
        pension = next(s for s in staff_view["services"] if s["id"] == "pension")
        assert [t["label"] for t in pension["waiting"]] == ["N1"]


def test_a_switched_off_display_is_disconnected_and_a_moved_one_rejoins_its_new_area(
    server: ServerProcess, site: str
) -> None:
    with RecordingClient(server.url, token(site, "display")).connect() as display:
        display.wait_for_snapshots(1)
        assert display.snapshots()[-1]["area"] == "main"
        assert patch(server, site, "display", {"area": "welfare"}).status == 200
        _wait_disconnected(display)
    with RecordingClient(server.url, token(site, "display")).connect() as moved:
        moved.wait_for_snapshots(1)
        assert moved.snapshots()[-1]["area"] == "welfare"
        assert patch(server, site, "display", {"enabled": False}).status == 200
        _wait_disconnected(moved)
    refused = RecordingClient(server.url, token(site, "display"))
    try:
        refused.connect()
    except Exception:  # the server refuses the handshake: python-socketio raises
        pass
    assert not refused.sio.connected
    refused.close()


def _wait_disconnected(client: RecordingClient) -> None:
    deadline = time.monotonic() + WAIT  # a guard against a hang, not a measurement
    while client.sio.connected:
        assert time.monotonic() < deadline, "the server kept the connection open"
        time.sleep(0.05)


def test_changes_outlive_a_restart_and_tickets_of_a_new_desk_are_loaded_again(
    fresh_server: ServerProcess,
) -> None:
    server = fresh_server.start()
    assert put(server, "a", "services", "pension", PENSION).status == 200
    assert put(server, "a", "counters", "a-c9",
               {"name": "年金", "number": 9, "services": ["pension"]}).status == 200
    assert server.request("DELETE", "/api/sites/a/configuration/counters/a-c4",
                          ADMIN).status == 200
    assert patch(server, "a", "display", {"area": "welfare", "name": "福祉の表示盤"}).status \
        == 200
    ticket = server.issue("a", ["pension"]).body
    before = config(server, "a")
    server.stop()
    server.start()
    after = config(server, "a")
    assert after["services"] == before["services"]
    assert ids(after["counters"]) == ["a-c1", "a-c2", "a-c3", "a-c9"]
    display = next(d for d in after["devices"] if d["id"] == "a-display")
    assert (display["area"], display["name"]) == ("welfare", "福祉の表示盤")
    called = server.request("POST", "/api/sites/a/counters/a-c9/call-next",
                            token("a", "staff1"), key="after-restart")
    assert called.status == 200, called.body
    assert called.body["ticket"]["id"] == ticket["id"]
    # back to the site file, once nothing live depends on the changes
    assert server.act("a", ticket["id"], "cancel").status == 200
    closed = server.request("POST", "/api/sites/a/counters/a-c9/close", token("a", "staff1"),
                            {}, key="close-c9")
    assert closed.status == 200, closed.body
    reset = server.request("DELETE", "/api/sites/a/configuration", ADMIN)
    assert reset.status == 200, reset.body
    assert ids(reset.body["services"]) == ["job", "search", "career", "welfare", "housing"]
    assert reset.body["edited"] == []
    server.stop()
    server.start()
    assert ids(config(server, "a")["counters"]) == ["a-c1", "a-c2", "a-c3", "a-c4"]
    # the finished ticket of the removed desk is still shown, to staff and to its visitor
    shown = server.request("GET", f"/api/tickets/{ticket['id']}", ADMIN)
    assert shown.status == 200 and shown.body["ticket"]["service"] == "pension", shown.body
    phone = server.http.get(ticket["status_url"], timeout=30)
    assert phone.status_code == 200
    assert "年金" not in phone.text  # a desk the site no longer has is named neutrally
    refused = server.issue("a", ["pension"])
    assert (refused.status, refused.error) == (404, "unknown_service")


def test_a_change_the_database_cannot_store_changes_nothing(
    fresh_server: ServerProcess,
) -> None:
    server = fresh_server.start()
    before = config(server, "a")
    blocker = sqlite3.connect(server.db, timeout=1, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        reply = put(server, "a", "services", "pension", PENSION)
        assert (reply.status, reply.error) == (503, "store_unavailable"), reply.body
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert config(server, "a") == before
    refused = server.issue("a", ["pension"])
    assert (refused.status, refused.error) == (404, "unknown_service")
    assert put(server, "a", "services", "pension", PENSION).status == 200  # and now it can
    server.stop()
    server.start()
    assert "pension" in ids(config(server, "a")["services"])


def test_changes_a_new_site_file_no_longer_fits_are_left_out_loudly(
    fresh_server: ServerProcess,
) -> None:
    server = fresh_server.start()
    counter = {"name": "年金", "number": 9, "services": ["job"]}
    assert put(server, "a", "counters", "a-c9", counter).status == 200
    server.stop()
    taken = '[[sites.counters]]\nid = "a-c9"\nname = "b9"\nnumber = 9\nservices = ["job"]\n'
    server.sites_path.write_text(site_file(["a", "b", "c"], extra={"b": taken}),
                                 encoding="utf-8")
    server.init()
    server.start()
    assert config(server, "a")["edited"] == []
    assert "a-c9" not in ids(config(server, "a")["counters"])
    assert "a-c9" in ids(config(server, "b")["counters"])
    assert "no longer fit the site file" in server.log.read_text()
