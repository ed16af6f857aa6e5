"""Live pushes: a kiosk, two counters and displays, through the real server and client."""

from __future__ import annotations

import json
from typing import Any

import pytest
import websocket

from tests.harness import ServerProcess, token
from tests.realtime.clients import WAIT, RecordingClient, newest_seq
from tests.realtime.conftest import Connect

pytestmark = pytest.mark.both_stores

# What a waiting room must never read: who is priority, who serves, notes, sensitive desks.
PRIVATE_KEYS = {"priority", "staff", "note", "reason", "reason_code", "service",
                "service_name", "purposes", "data", "public_token"}
SENSITIVE_NAMES = ("生活・福祉の相談", "住居確保給付金", "生活・福祉相談")
NOTE = "生活保護の申請について相談希望"


def serve_one(server: ServerProcess, site: str, counter: str, staff: str) -> dict[str, Any]:
    """Call the next visitor at `counter`, then start and finish; return the call's answer."""
    called = server.call_next(site, counter, staff)
    assert called.status == 200, called.body
    ticket_id = called.body["ticket"]["id"]
    assert server.act(site, ticket_id, "start", staff=staff).status == 200
    finished = server.act(site, ticket_id, "finish", {"outcome": "consult_only"}, staff)
    assert finished.status == 200, finished.body
    return called.body  # type: ignore[no-any-return]


def keys_in(value: Any) -> set[str]:
    """Every dictionary key anywhere inside `value`."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def assert_public(client: RecordingClient, *secrets: str) -> None:
    """Nothing `client` received carries a private field, a sensitive name or a secret."""
    assert client.messages
    for name, payload in client.messages:
        leaked = keys_in(payload) & PRIVATE_KEYS
        assert not leaked, (client.token, name, leaked, payload)
        text = json.dumps(payload, ensure_ascii=False)
        for word in (*SENSITIVE_NAMES, *secrets):
            assert word not in text, (client.token, name, word, payload)


def test_display_gets_a_public_snapshot_of_its_area_on_connect(
        server: ServerProcess, site: str, connect: Connect) -> None:
    display = connect(token(site, "display"))
    display.wait_for_snapshots()
    snapshot = display.snapshots()[0]
    assert snapshot["site"] == site
    assert snapshot["area"] == "main"
    assert [c["counter"] for c in snapshot["counters"]] == [f"{site}-c1", f"{site}-c2",
                                                            f"{site}-c4"]
    assert [c["counter_name"] for c in snapshot["counters"]] == ["1番窓口", "2番窓口", "4番窓口"]
    assert [s["id"] for s in snapshot["services"]] == ["job", "search", "career"]
    assert snapshot["seq"] == server.request("GET", "/api/health").body["seq"]
    assert snapshot["seq"] >= newest_seq(server, site)
    assert_public(display)


def test_display_sees_every_call_of_both_counters_in_seq_order(
        server: ServerProcess, site: str, connect: Connect) -> None:
    display = connect(token(site, "display"))
    labels = [server.issue(site, ["job"]).body["label"] for _ in range(6)]
    expected = []
    for i in range(6):
        counter, staff, number = ("c1", "staff1", 1) if i % 2 == 0 else ("c2", "staff2", 2)
        called = serve_one(server, site, counter, staff)
        expected.append((called["ticket"]["label"], number))

    calls = display.wait_for_calls(6)
    assert [(c["label"], c["counter_number"]) for c in calls] == expected
    assert sorted(label for label, _ in expected) == sorted(labels)
    assert [c["counter_name"] for c in calls] == [f"{n}番窓口" for _, n in expected]
    assert [c["counter"] for c in calls] == [f"{site}-c{n}" for _, n in expected]
    seqs = [c["seq"] for c in calls]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6


def test_display_hears_a_recall_with_its_call_count(
        server: ServerProcess, site: str, connect: Connect) -> None:
    display = connect(token(site, "display"))
    server.issue(site, ["job"])
    called = server.call_next(site, "c2", "staff2").body["ticket"]
    recalled = server.act(site, called["id"], "recall", staff="staff2")
    assert recalled.status == 200, recalled.body

    again = display.wait_for_event(lambda e: e["kind"] == "recalled")
    first = display.events("called")[0]
    assert (first["label"], first["calls"]) == (called["label"], 1)
    assert (again["label"], again["counter_number"], again["calls"]) == (called["label"], 2, 2)
    assert again["counter_name"] == "2番窓口"
    assert again["seq"] > first["seq"]


def test_displays_and_kiosks_never_receive_priority_staff_notes_or_sensitive_desks(
        server: ServerProcess, site: str, connect: Connect) -> None:
    public = [connect(token(site, d)) for d in ("display", "display-welfare", "display-c1",
                                                  "kiosk")]
    server.issue(site, ["job"], priority=True)
    server.issue(site, ["welfare"], priority=True)
    server.issue(site, ["housing"])
    server.issue(site, ["career", "job"])
    to_move = server.call_next(site, "c1", "staff1").body["ticket"]
    assert to_move["priority"] is True
    moved = server.act(site, to_move["id"], "transfer", {"service": "welfare", "note": NOTE})
    assert moved.status == 200, moved.body
    for _ in range(3):  # the transferred visitor, the welfare and the housing ticket
        serve_one(server, site, "c3", "staff3")
    serve_one(server, site, "c2", "staff2")
    marker = server.call_next(site, "c1", "staff1").body["ticket"]  # the multi-purpose visit
    server.issue(site, ["search"])
    final = newest_seq(server, site)

    # Pushes come in seq order: the last event a client may see tells that all have come.
    for client in public:
        if client.token.endswith("display-c1"):
            client.wait_for_event(lambda e: e.get("label") == marker["label"])
        elif not client.token.endswith("kiosk"):  # a kiosk hears only the day's close
            client.wait_for(lambda c: c.last_seq == final)
    main, welfare, above_c1, kiosk = public
    assert [c["counter_number"] for c in main.events("called")] == [1, 2, 1]
    assert [c["counter_number"] for c in welfare.events("called")] == [3, 3, 3]
    assert [c["counter_number"] for c in above_c1.events("called")] == [1, 1]
    assert kiosk.events() == []  # a kiosk's screen shows no calls: it hears none
    for client in public:
        assert_public(client, NOTE, f"{site}-staff1", f"{site}-staff3")
    counts = [b["waiting"] for c in public for b in c.batches() if "waiting" in b]
    assert counts and all(set(w) == {"job", "search", "career"} for w in counts)


def test_welfare_display_sees_only_calls_in_its_area(
        server: ServerProcess, site: str, connect: Connect) -> None:
    main = connect(token(site, "display"))
    welfare = connect(token(site, "display-welfare"))
    welfare_label = server.issue(site, ["welfare"]).body["label"]
    job_label = server.issue(site, ["job"]).body["label"]
    serve_one(server, site, "c3", "staff3")
    serve_one(server, site, "c1", "staff1")
    housing_label = server.issue(site, ["housing"]).body["label"]
    serve_one(server, site, "c3", "staff3")

    server.issue(site, ["search"])  # every area's display hears of an issue: a marker
    final = newest_seq(server, site)
    for display in (main, welfare):
        display.wait_for(lambda c: c.last_seq == final)

    welfare_calls = welfare.events("called")
    assert [(c["label"], c["counter_name"]) for c in welfare_calls] == [
        (welfare_label, "3番窓口"), (housing_label, "3番窓口")]
    assert [c["label"] for c in main.events("called")] == [job_label]
    assert {e["area"] for e in welfare.events()} <= {"welfare", None}
    assert {e["area"] for e in main.events()} <= {"main", None}
    snapshot = welfare.snapshots()[0]
    assert [c["counter"] for c in snapshot["counters"]] == [f"{site}-c3"]


def test_counter_top_display_sees_only_its_own_counter(
        server: ServerProcess, site: str, connect: Connect) -> None:
    above_c1 = connect(token(site, "display-c1"))
    main = connect(token(site, "display"))
    for _ in range(4):
        server.issue(site, ["job"])
    serve_one(server, site, "c2", "staff2")
    at_c1 = [serve_one(server, site, "c1", "staff1")["ticket"]["label"]]
    serve_one(server, site, "c2", "staff2")
    at_c1.append(serve_one(server, site, "c1", "staff1")["ticket"]["label"])

    main.wait_for_calls(4)
    above_c1.wait_for_calls(2)  # its last call came after every call at c2
    assert [c["label"] for c in above_c1.events("called")] == at_c1
    assert {e["counter"] for e in above_c1.events()} == {f"{site}-c1"}
    assert [c["counter"] for c in above_c1.snapshots()[0]["counters"]] == [f"{site}-c1"]


def test_staff_consoles_receive_full_events_with_priority_and_reason(
        server: ServerProcess, site: str, connect: Connect) -> None:
    console1 = connect(token(site, "staff1"))
    console2 = connect(token(site, "staff2"))
    urgent = server.issue(site, ["job"], priority=True).body
    first = server.call_next(site, "c2", "staff2").body
    plain = server.issue(site, ["job"]).body

    for console in (console1, console2):
        console.wait_for_event(lambda e: e.get("ticket") == plain["id"])
        called = console.events("called")[0]
        assert called["ticket"] == first["ticket"]["id"] == urgent["id"]
        assert called["data"]["priority"] is True
        assert called["data"]["reason"] == first["reason"]
        assert called["data"]["label"] == urgent["label"]
        assert called["staff"] == f"{site}-staff2"
        assert called["service"] == "job"
        issued = console.events("issued")
        assert [e["ticket"] for e in issued] == [urgent["id"], plain["id"]]
        assert [e["data"]["priority"] for e in issued] == [True, False]
        assert "welfare" in console.batches()[-1]["waiting"]
    snapshot = console1.snapshots()[0]
    assert {s["id"] for s in snapshot["services"]} >= {"welfare", "housing"}


def test_a_connection_with_an_unknown_token_is_refused(server: ServerProcess) -> None:
    client = RecordingClient(server.url, "token-nobody-999")
    try:
        try:
            client.connect()
        except Exception as exc:  # socketio.exceptions.ConnectionError
            assert type(exc).__name__ == "ConnectionError"
        else:
            raise AssertionError("the server accepted an unknown token")
        assert client.errors == [{"message": "unknown_device"}]
        assert not client.sio.connected
        assert client.messages == []
    finally:
        client.close()


def test_server_ends_the_tcp_connection_when_a_websocket_session_ends(
        server: ServerProcess, site: str) -> None:
    """What follows a WebSocket session on its socket is frames, not another HTTP request:
    the server must neither keep the socket open as if kept alive nor parse the client's
    close frame as a request line."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?transport=websocket&EIO=4", timeout=WAIT)
    try:
        assert str(ws.recv()).startswith("0")  # Engine.IO open
        ws.send("40" + json.dumps({"token": token(site, "display")}))
        while not str(ws.recv()).startswith("40"):  # the snapshot comes before the ack
            pass
        ws.send("41")  # Socket.IO disconnect
        ws.send("1")  # Engine.IO close
        assert ws.recv_frame().opcode == websocket.ABNF.OPCODE_CLOSE
        ws.send_close()
        assert ws.sock is not None
        try:
            after = ws.sock.recv(4096)
        except ConnectionResetError:
            after = b""
        assert after == b""
    finally:
        ws.shutdown()


def test_display_estimates_follow_the_events_in_a_message_of_their_own(
        server: ServerProcess, site: str, connect: Connect) -> None:
    """The events go out as soon as they are stored; the forecast for the displays is made
    off the event loop and follows as {"events": [], "waiting", "estimates"}."""
    display = connect(token(site, "display"))
    display.wait_for_snapshots()
    issued = [server.issue(site, ["job"]) for _ in range(3)]
    assert all(reply.status == 201 for reply in issued)

    def refreshes(client: RecordingClient) -> list[dict[str, Any]]:
        return [b for b in client.batches() if b["events"] == []
                and ((b.get("estimates") or {}).get("job") or {}).get("ahead") == 3]

    display.wait_for(lambda client: bool(refreshes(client)))
    refresh = refreshes(display)[0]
    assert refresh["waiting"]["job"] == 3
    assert set(refresh["estimates"]) == {"job", "search", "career"}  # public desks only
    assert_public(display)
