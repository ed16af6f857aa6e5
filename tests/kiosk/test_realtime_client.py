"""The shared browser client (server/static/js/realtime.js) against the real server."""

from __future__ import annotations

from typing import Any

from tests.harness import token
from tests.kiosk.kiosk_page import KioskPage

START = """token => {
  window.seen = {snapshots: [], events: [], refused: []};
  window.live = MadoguchiRealtime.connect({
    token,
    onSnapshot: s => seen.snapshots.push(s.seq),
    onEvents: (events, message) => events.forEach(
      e => seen.events.push({seq: e.seq, kind: e.kind, replay: Boolean(message.replay)})),
    onRefused: reason => seen.refused.push(reason),
  });
}"""


def seen(kiosk: KioskPage) -> dict[str, Any]:
    result: dict[str, Any] = kiosk.page.evaluate("window.seen")
    return result


def test_the_client_keeps_last_seq_and_gets_what_it_missed_after_reconnecting(
    kiosk: KioskPage,
) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.page.evaluate(START, token(kiosk.site, "display"))
    kiosk.page.wait_for_function("() => seen.snapshots.length === 1 && live.connected")

    assert kiosk.server.issue(kiosk.site, ["job"]).status == 201
    kiosk.page.wait_for_function("() => seen.events.some(e => e.kind === 'issued')")
    live_seq = kiosk.page.evaluate("live.lastSeq")
    assert live_seq == max(e["seq"] for e in seen(kiosk)["events"])

    kiosk.page.evaluate("live.socket.disconnect()")
    assert kiosk.server.issue(kiosk.site, ["career"]).status == 201  # while it is away
    kiosk.page.evaluate("live.socket.connect()")
    kiosk.page.wait_for_function("() => seen.snapshots.length === 2")

    events = seen(kiosk)["events"]
    missed = [e for e in events if e["seq"] > live_seq]
    assert [e["kind"] for e in missed if e["kind"] == "issued"] == ["issued"]
    assert all(e["replay"] for e in missed)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs))  # in order, nothing twice

    assert kiosk.page.evaluate("() => live.resync()") == 0  # nothing new, nothing twice
    assert kiosk.server.issue(kiosk.site, ["search"]).status == 201
    kiosk.page.wait_for_function("n => seen.events.length > n", arg=len(seqs))
    assert kiosk.page.evaluate("() => live.resync()") == 0  # the push already brought it
    seqs = [e["seq"] for e in seen(kiosk)["events"]]
    assert seqs == sorted(set(seqs))
    kiosk.page.evaluate("live.close()")


def test_the_client_reports_a_refused_token(kiosk: KioskPage) -> None:
    kiosk.open()
    kiosk.wait_for("start")
    kiosk.page.evaluate(START, "no-such-token")
    kiosk.page.wait_for_function("() => seen.refused.length === 1")
    assert seen(kiosk)["refused"] == ["unknown_device"]
    assert seen(kiosk)["snapshots"] == []
