"""Turning on notifications refuses what it must not keep, with a stable code, storing nothing:
foreign or malformed push subscriptions, private addresses, non-https endpoints, oversized or
malformed e-mail addresses, tickets whose visit has ended, channels the server lacks."""

from __future__ import annotations

import base64
import os
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.appclient import Initialised, InProcessApp
from tests.harness import Reply

ALLOWED = "https://push.example.jp/sub/abc"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def point() -> bytes:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def subscription(
    endpoint: str = ALLOWED, p256dh: bytes | None = None, auth: bytes | None = None
) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {
            "p256dh": b64(point() if p256dh is None else p256dh),
            "auth": b64(os.urandom(16) if auth is None else auth),
        },
    }


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, initialised: Initialised
) -> Iterator[InProcessApp]:
    made = InProcessApp(
        tmp_path_factory.mktemp("notify"),
        initialised(("s01",)),
        push_hosts="push.example.jp,*.push.example.net",
    )
    yield made
    made.close()


def stored(app: InProcessApp) -> int:
    with sqlite3.connect(app.db) as conn:
        return int(conn.execute("SELECT count(*) FROM notify_targets").fetchone()[0])


def ticket(app: InProcessApp) -> dict[str, Any]:
    issued = app.issue("s01", ["job"])
    assert issued.status == 201, issued.body
    return dict(issued.body)


def push(app: InProcessApp, token: str, body: Any) -> Reply:
    return app.request("POST", f"/t/{token}/notify/push", json=body)


def test_a_browser_subscription_on_an_allowed_service_is_kept(app: InProcessApp) -> None:
    mine = ticket(app)
    before = stored(app)
    answer = push(app, mine["public_token"], subscription())
    assert (answer.status, answer.body) == (201, {"channels": ["push"]})
    assert stored(app) == before + 1
    page = app.http.get(f"/t/{mine['public_token']}").get_data(as_text=True)
    assert 'data-channels="push"' in page
    off = app.request("DELETE", f"/t/{mine['public_token']}/notify")
    assert (off.status, off.body) == (200, {"channels": []}) and stored(app) == before


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        ("http://push.example.jp/sub/abc", "push_endpoint_not_https"),
        ("https://evil.example.com/sub", "push_service_not_allowed"),
        ("https://192.168.1.10/admin", "push_service_not_allowed"),
        ("https://10.0.0.1:8443/x", "push_service_not_allowed"),
        ("https://[::1]/x", "push_service_not_allowed"),
        ("https://localhost/x", "push_service_not_allowed"),
        ("https://push.example.jp.evil.example.com/x", "push_service_not_allowed"),
        ("https://fcm.googleapis.com@10.0.0.1/x", "push_subscription_invalid"),
        ("ftp://push.example.jp/x", "push_endpoint_not_https"),
        ("https://a.push.example.net/ok-but-bad-keys", None),
    ],
)
def test_endpoints_go_only_to_allowed_push_services(
    app: InProcessApp, endpoint: str, code: str | None
) -> None:
    mine = ticket(app)
    before = stored(app)
    body = subscription(endpoint)
    if code is None:  # an allowed host, but keys of the wrong length
        body["keys"]["auth"] = b64(os.urandom(12))
        code = "push_subscription_invalid"
    answer = push(app, mine["public_token"], body)
    assert (answer.status, answer.error) == (422, code), answer.body
    assert stored(app) == before


BAD_KEYS = {  # what is wrong -> (p256dh, auth, the field named)
    "p256dh not on the curve": (lambda: b"\x04" + bytes(range(64)), None, "keys.p256dh"),
    "p256dh compressed (33 octets)": (lambda: point()[:33], None, "keys.p256dh"),
    "auth of 32 octets": (None, lambda: os.urandom(32), "keys.auth"),
    "auth empty": (None, lambda: b"", "keys.auth"),
}


@pytest.mark.parametrize("wrong", sorted(BAD_KEYS))
def test_wrong_key_lengths_and_bad_points_are_refused(app: InProcessApp, wrong: str) -> None:
    make_p256dh, make_auth, field = BAD_KEYS[wrong]
    mine = ticket(app)
    before = stored(app)
    answer = push(
        app,
        mine["public_token"],
        subscription(
            p256dh=make_p256dh() if make_p256dh else None, auth=make_auth() if make_auth else None
        ),
    )
    assert answer.status == 422 and answer.error in (
        "push_subscription_invalid",
        "invalid_field",
    ), answer.body
    assert answer.body.get("field", "").endswith(field)
    assert stored(app) == before


def test_malformed_bodies_are_refused(app: InProcessApp) -> None:
    mine = ticket(app)
    before = stored(app)
    for body, code in (
        ({"endpoint": ALLOWED}, "invalid_field"),
        ({"endpoint": ALLOWED, "keys": {"p256dh": "x", "auth": "y"}, "extra": 1}, "unknown_field"),
        (
            {
                "endpoint": "https://push.example.jp/" + "a" * 2000,
                "keys": {"p256dh": "x", "auth": "y"},
            },
            "invalid_field",
        ),
    ):
        answer = push(app, mine["public_token"], body)
        assert (answer.status, answer.error) == (422, code), answer.body
    raw = app.request(
        "POST",
        f"/t/{mine['public_token']}/notify/push",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert (raw.status, raw.error) == (400, "invalid_json")
    assert stored(app) == before


def test_an_ended_ticket_and_an_unknown_token_are_refused(app: InProcessApp) -> None:
    mine = ticket(app)
    assert app.act("s01", mine["id"], "cancel").status == 200
    before = stored(app)
    answer = push(app, mine["public_token"], subscription())
    assert (answer.status, answer.error) == (409, "ticket_ended")
    unknown = push(app, "no-such-token", subscription())
    assert (unknown.status, unknown.error) == (404, "unknown_ticket")
    assert stored(app) == before
    page = app.http.get(f"/t/{mine['public_token']}").get_data(as_text=True)
    assert 'id="notify"' not in page  # nothing to turn on for an ended visit


def test_email_without_a_mail_server_is_not_offered(app: InProcessApp) -> None:
    mine = ticket(app)
    answer = app.request(
        "POST", f"/t/{mine['public_token']}/notify/email", json={"address": "visitor@example.jp"}
    )
    assert (answer.status, answer.error) == (404, "notify_channel_unavailable")
    page = app.http.get(f"/t/{mine['public_token']}").get_data(as_text=True)
    assert 'id="notify-email"' not in page and 'id="notify-on"' in page
