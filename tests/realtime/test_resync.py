"""Catching up: a client that was away, even across a server restart, gets what it missed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.harness import ServerProcess, token
from tests.realtime.clients import WAIT, RecordingClient, newest_seq
from tests.realtime.conftest import Connect

pytestmark = pytest.mark.both_stores


@pytest.fixture(scope="module")
def restartable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own (sites a, b, c; one per test): the tests kill it."""
    proc = ServerProcess(tmp_path_factory.mktemp("restartable"), ["a", "b", "c"])
    proc.init()
    yield proc
    proc.stop()


@pytest.fixture
def running(restartable: ServerProcess) -> ServerProcess:
    """The module's server, running (a test that failed mid-restart may have left it down)."""
    if restartable.proc is None or restartable.proc.poll() is not None:
        restartable.start()
    return restartable


@pytest.fixture
def opened() -> Iterator[list[RecordingClient]]:
    """Clients a test opens itself; all are closed at the end."""
    clients: list[RecordingClient] = []
    yield clients
    for client in clients:
        client.close()


def call_and_finish(server: ServerProcess, site: str, counter: str, staff: str) -> str:
    """Call the next visitor at `counter`, then serve and finish them; the label called."""
    called = server.call_next(site, counter, staff)
    assert called.status == 200, called.body
    ticket = called.body["ticket"]
    assert server.act(site, ticket["id"], "start", staff=staff).status == 200
    assert server.act(site, ticket["id"], "finish", {"outcome": "consult_only"},
                      staff).status == 200
    return str(ticket["label"])


def settle(client: RecordingClient, server: ServerProcess, site: str) -> int:
    """Wait until `client` has every event of `site` stored so far (it must see them all)."""
    newest = newest_seq(server, site)
    client.wait_for(lambda c: c.last_seq == newest)
    return newest


def calls_in(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["label"], e["counter_name"]) for e in events if e["kind"] == "called"]


def test_display_reconnecting_after_a_restart_gets_the_missed_calls_in_order_then_a_snapshot(
        running: ServerProcess, opened: list[RecordingClient]) -> None:
    server, site = running, "a"
    for _ in range(6):
        assert server.issue(site, ["job"]).status == 201
    display = RecordingClient(server.url, token(site, "display")).connect()
    opened.append(display)
    seen = call_and_finish(server, site, "c1", "staff1")
    display.wait_for_calls(1)
    last = settle(display, server, site)
    display.close()

    missed = [(call_and_finish(server, site, "c2", "staff2"), "2番窓口"),
              (call_and_finish(server, site, "c1", "staff1"), "1番窓口")]
    server.kill()  # kill -9
    server.start()
    missed += [(call_and_finish(server, site, "c1", "staff1"), "1番窓口"),
               (call_and_finish(server, site, "c2", "staff2"), "2番窓口")]

    back = RecordingClient(server.url, token(site, "display")).connect(since=last)
    opened.append(back)
    back.wait_for_snapshots()
    (first_name, replay), (second_name, snapshot) = back.messages[:2]
    assert (first_name, second_name) == ("events", "snapshot")
    assert replay["replay"] is True
    assert calls_in(replay["events"]) == missed
    assert seen not in [label for label, _ in missed]
    seqs = [e["seq"] for e in replay["events"]]
    assert seqs == sorted(set(seqs)) and seqs[0] > last
    assert snapshot["seq"] >= seqs[-1]
    assert [c["label"] for c in snapshot["recent_calls"][:4]] == [
        label for label, _ in reversed(missed)]

    label = call_and_finish(server, site, "c1", "staff1")
    live = back.wait_for_event(lambda e: e["kind"] == "called" and e["label"] == label)
    assert live["seq"] > snapshot["seq"]
    assert [b.get("replay") for b in back.batches()].count(True) == 1


def test_sync_with_ack_returns_the_missed_events_after_a_restart(
        running: ServerProcess, opened: list[RecordingClient]) -> None:
    server, site = running, "b"
    for _ in range(4):
        server.issue(site, ["job"])
    console = RecordingClient(server.url, token(site, "staff1")).connect()
    opened.append(console)
    console.wait_for_snapshots()
    since = console.snapshots()[0]["seq"]
    console.close()
    before = call_and_finish(server, site, "c1", "staff1")
    server.kill()
    server.start()
    after = call_and_finish(server, site, "c2", "staff2")

    console = RecordingClient(server.url, token(site, "staff1")).connect()
    opened.append(console)
    answer = console.sio.call("sync", {"since": since}, timeout=WAIT)
    assert answer["ok"] is True
    assert [e["data"]["label"] for e in answer["events"] if e["kind"] == "called"] == [
        before, after]
    seqs = [e["seq"] for e in answer["events"]]
    assert seqs == sorted(set(seqs)) and seqs[0] == since + 1
    assert answer["seq"] == seqs[-1] == server.request("GET", "/api/health").body["seq"]
    log = server.request("GET", f"/api/sites/{site}/events?since={since}",
                         token(site, "manager")).body["events"]
    assert answer["events"] == log


def test_sync_refuses_a_missing_or_negative_since(server: ServerProcess, site: str,
                                                  connect: Connect) -> None:
    display = connect(token(site, "display"))
    for bad in ({}, {"since": -1}, {"since": "7"}, {"since": True}, None):
        answer = display.sio.call("sync", bad, timeout=WAIT)
        assert answer["ok"] is False and answer["error"] == "invalid_field", bad


def test_display_sync_holds_only_what_the_display_may_see(
        server: ServerProcess, site: str, connect: Connect) -> None:
    above_c1 = connect(token(site, "display-c1"))
    above_c1.wait_for_snapshots()
    since = above_c1.snapshots()[0]["seq"]
    for _ in range(2):
        server.issue(site, ["job"])
    server.issue(site, ["welfare"], priority=True)
    at_c1 = call_and_finish(server, site, "c1", "staff1")
    call_and_finish(server, site, "c2", "staff2")
    call_and_finish(server, site, "c3", "staff3")
    answer = above_c1.sio.call("sync", {"since": since}, timeout=WAIT)
    assert calls_in(answer["events"]) == [(at_c1, "1番窓口")]
    assert {e["counter"] for e in answer["events"]} == {f"{site}-c1"}
    assert all("priority" not in e and "staff" not in e for e in answer["events"])


def test_client_reconnects_by_itself_after_a_restart_and_gets_what_it_missed(
        running: ServerProcess, opened: list[RecordingClient]) -> None:
    """python-socketio's own reconnection, with `auth` as a callable: each attempt sends the
    newest seq the client holds, so the server replays what came while it was away."""
    server, site = running, "c"
    for _ in range(5):
        server.issue(site, ["job"])
    display = RecordingClient(server.url, token(site, "display"), reconnection=True)
    opened.append(display)
    may_connect = threading.Event()
    may_connect.set()
    attempts: list[dict[str, Any]] = []

    def auth() -> dict[str, Any]:
        # Hold the reconnection until the calls below are made, so they are truly missed.
        may_connect.wait(WAIT)
        attempts.append(display.auth())
        return attempts[-1]

    display.sio.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=WAIT)
    first = call_and_finish(server, site, "c1", "staff1")
    display.wait_for_calls(1)
    held = settle(display, server, site)

    may_connect.clear()
    server.kill()
    server.start()
    missed = [call_and_finish(server, site, "c2", "staff2"),
              call_and_finish(server, site, "c1", "staff1")]
    may_connect.set()
    display.wait_for(lambda c: c.connects == 2 and len(c.snapshots()) == 2)

    assert attempts[0] == {"token": token(site, "display")}
    assert attempts[-1] == {"token": token(site, "display"), "since": held}
    assert [e["label"] for e in display.events("called")] == [first, *missed]
    replays = [b for b in display.batches() if b.get("replay")]
    assert len(replays) == 1
    assert [e["label"] for e in replays[0]["events"] if e["kind"] == "called"] == missed
    seqs = [e["seq"] for e in display.events()]
    assert seqs == sorted(set(seqs))

    label = call_and_finish(server, site, "c2", "staff2")
    display.wait_for_event(lambda e: e["kind"] == "called" and e["label"] == label)
