"""What a public device's token can read: only what its screen shows.

A kiosk's or a display's token sits in a browser on a public touch screen or a TV. Whoever
takes it must not learn the sensitive desks' real names, nor which counter serves which
desk (enough to map 「3番窓口」 to welfare), through any read or push it is allowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.harness import ServerProcess, token
from tests.realtime.clients import RecordingClient, newest_seq
from tests.realtime.conftest import Connect
from tests.realtime.test_push import serve_one

# The harness's site: desks welfare and housing are sensitive; counter c3 ("生活・福祉相談")
# in area "welfare" serves them.
SENSITIVE_NAMES = ("生活・福祉の相談", "住居確保給付金")
COUNTER_NAMES = ("職業相談・キャリア", "生活・福祉相談")  # the staff-facing names of c2, c3
STAFF_ONLY_KEYS = {
    "sensitive",
    "organisation",
    "outcomes",
    "services_served",
    "weights",
    "mode",
    "target_wait_min",
    "staff",
    "priority",
    "note",
}
PUBLIC = ("kiosk", "display", "display-welfare", "display-c1")


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every dictionary inside `value`."""
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk(inner)


def assert_screen_only(device: str, where: str, value: Any) -> None:
    text = repr(value)
    for name in (*SENSITIVE_NAMES, *COUNTER_NAMES):
        assert name not in text, (device, where, name, value)
    for entry in walk(value):
        leaked = STAFF_ONLY_KEYS & set(entry)
        assert not leaked, (device, where, leaked, entry)
        if "counter_number" in entry or "counter_name" in entry or where.endswith("counters"):
            # A counter as the public sees it: its number, never the desks it serves.
            assert "services" not in entry, (device, where, entry)
        if device == "kiosk":
            # A kiosk shows no counters: it has no reason to know which area one is in.
            assert entry.get("area") is None, (device, where, entry)
        elif device == "display-welfare":
            assert entry.get("area") in (None, "welfare"), (device, where, entry)
        else:
            assert entry.get("area") in (None, "main"), (device, where, entry)


def test_public_tokens_read_only_what_their_screens_show(
    server: ServerProcess, site: str, connect: Connect
) -> None:
    clients = {device: connect(token(site, device)) for device in PUBLIC}
    for _ in range(2):
        server.issue(site, ["welfare"])
    server.issue(site, ["housing", "job"])
    server.issue(site, ["job"])
    for _ in range(2):
        serve_one(server, site, "c3", "staff3")
    serve_one(server, site, "c1", "staff1")
    server.call_next(site, "c3", "staff3")  # one still being called at the welfare counter
    final = newest_seq(server, site)

    for device, client in clients.items():
        device_token = token(site, device)
        reads = {
            path: server.request("GET", path, device_token)
            for path in (
                "/api/me",
                "/api/sites",
                f"/api/sites/{site}",
                f"/api/sites/{site}/snapshot",
            )
        }
        for path, reply in reads.items():
            assert reply.status == 200, (device, path, reply.body)
            assert_screen_only(device, path, reply.body)
        assert reads[f"/api/sites/{site}"].body["services"], "the kiosk needs its desks"
        for path in (
            f"/api/sites/{site}/queues",
            f"/api/sites/{site}/counters",
            f"/api/sites/{site}/events",
            f"/api/sites/{site}/configuration",
            f"/api/sites/{site}/settings",
            "/api/tickets/1",
        ):
            reply = server.request("GET", path, device_token)
            assert reply.status == 403, (device, path, reply.body)
        client.wait_for_snapshots()
        reconnected = RecordingClient(server.url, device_token)
        try:  # a client that missed everything is sent it again: the same rules apply
            reconnected.connect(since=0)
            reconnected.wait_for_snapshots()
            received = [*client.messages, *reconnected.messages]
        finally:
            reconnected.close()
        for name, payload in received:
            assert_screen_only(device, f"socket {name}", payload)
    # Not vacuous: each display did hear the calls its screen shows.
    welfare = clients["display-welfare"]
    welfare.wait_for(lambda c: c.last_seq == final)
    assert [c["counter_name"] for c in welfare.events("called")] == ["3番窓口"] * 3
    clients["display"].wait_for_calls(1)
    kiosk_site = server.request("GET", f"/api/sites/{site}", token(site, "kiosk")).body
    desks = {s["id"]: s for s in kiosk_site["services"]}
    assert desks["welfare"]["name"] == desks["welfare"]["public_label"] == "相談窓口"
    assert desks["job"]["name"] == "職業相談・職業紹介"
    assert "counters" not in kiosk_site
