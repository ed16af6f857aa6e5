"""The client's address a process passes on with a request (server/cluster/forward.py) is
believed by the owner only for that request, signed just now: a copy of the headers seen on
the network cannot lend an address to another request, nor to the same one later."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from server.auth.secret import load_or_create
from server.cluster import forward
from server.cluster.forward import CLIENT_SLACK, client_headers, take_client_address
from server.cluster.join import SIGNATURE, _signature
from tests.cluster.harness import Cluster

KEY = b"k" * 32
PATH = "/api/public/sites/a/bookings"
BODY = b'{"services": ["job"]}'


def environ(headers: dict[str, str], body: bytes = BODY, path: str = PATH) -> dict[str, Any]:
    found = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    return {**found, "REQUEST_METHOD": "POST", "PATH_INFO": path, "REMOTE_ADDR": "10.0.0.2",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}


def taken(env: dict[str, Any]) -> str:
    """The address the app sees; the headers are gone and the body is still there."""
    take_client_address(env, KEY, 1024)
    assert not [name for name in env if name.startswith("HTTP_X_MADOGUCHI_CLIENT")]
    assert env["wsgi.input"].read() in (BODY, b'{"services": ["career"]}')
    return str(env["REMOTE_ADDR"])


def test_the_signed_address_is_taken_for_the_request_it_was_signed_for() -> None:
    headers = client_headers(KEY, "192.0.2.10", "POST", PATH, BODY)
    assert taken(environ(headers)) == "192.0.2.10"


def test_a_copy_lends_the_address_to_no_other_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    headers = client_headers(KEY, "192.0.2.10", "POST", PATH, BODY)
    assert taken(environ(headers, body=b'{"services": ["career"]}')) == "10.0.0.2"
    assert taken(environ(headers, path="/api/public/sites/b/bookings")) == "10.0.0.2"
    assert taken(environ(client_headers(b"x" * 32, "192.0.2.10", "POST", PATH, BODY))) == (
        "10.0.0.2")  # another cluster's key
    # Nor to the same request later, when the clocks say it was signed too long ago.
    now = forward.time.time()
    monkeypatch.setattr(forward.time, "time", lambda: now + CLIENT_SLACK + 5)
    assert taken(environ(headers)) == "10.0.0.2"
    monkeypatch.setattr(forward.time, "time", lambda: now + CLIENT_SLACK - 5)
    assert taken(environ(headers)) == "192.0.2.10"


def test_the_owner_gives_a_snapshot_only_to_a_join_signed_just_now(tmp_path: Path) -> None:
    """`POST /internal/join` (a display's snapshot, asked by another process for its client):
    signed with the cluster's key and stamped; a copy replayed later is refused."""
    cluster = Cluster(tmp_path, ["a"], size=1).start()
    try:
        owner = cluster.processes[0]
        key = load_or_create(Path(owner.env["MADOGUCHI_SECRET_KEY_FILE"]))
        display = {"id": "a-display", "role": "display", "site_id": "a", "name": "display"}

        def join(at: float) -> int:
            body = json.dumps({"device": display, "site": "a", "since": None,
                               "at": at}).encode()
            answer = requests.post(f"{owner.url}/internal/join", data=body, timeout=30,
                                   headers={"Content-Type": "application/json",
                                            SIGNATURE: _signature(key, body)})
            return answer.status_code

        assert join(time.time()) == 200
        assert join(time.time() - CLIENT_SLACK - 60) == 403
    finally:
        cluster.stop()
