"""A stand-in for a browser maker's push service, and the browser's side of a subscription.

It speaks what a real push service speaks (RFC 8030 over TLS): it takes a POST at a
subscription's endpoint, checks the VAPID authorization (RFC 8292: the JWT's ES256 signature
against the `k` key, its `aud` against its own origin, `exp` within 24 hours) and, holding the
subscription's private key and auth secret as the browser would, decrypts the aes128gcm body
(RFC 8291) with http_ece. Subscriptions it is told are gone answer 410, as real ones do.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.fakes.tls import Certificates
from tests.harness import free_port


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserSubscription:
    """What a browser keeps for one subscription: its key pair and auth secret."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    def json(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64(public), "auth": b64(self.auth)},
        }


@dataclass
class Received:
    subscription_id: str
    payload: dict[str, Any]
    headers: dict[str, str]
    vapid_key: str  # the `k` the server signed with
    claims: dict[str, Any]
    at: float  # time.monotonic() when the request arrived


@dataclass
class PushService:
    origin: str
    subscriptions: dict[str, BrowserSubscription] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    # A slow push service: while `release` is set to an unset Event, requests are held
    # (after `holding` is set) until it is set.
    release: threading.Event | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def subscribe(self) -> BrowserSubscription:
        """A new subscription, as PushManager.subscribe() makes one in a browser."""
        sub_id = b64(os.urandom(12))
        subscription = BrowserSubscription(
            f"{self.origin}/push/{sub_id}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
        )
        self.subscriptions[sub_id] = subscription
        return subscription

    def wait_for(
        self, count: int, endpoint: str | None = None, timeout: float = 30.0
    ) -> list[Received]:
        def mine() -> list[Received]:
            return [
                r
                for r in self.received
                if endpoint is None or endpoint.endswith("/" + r.subscription_id)
            ]

        with self.changed:
            assert self.changed.wait_for(lambda: len(mine()) >= count, timeout), (
                f"{len(mine())} of {count} pushes arrived; refused: {self.refused}"
            )
            return mine()

    def check_vapid(self, authorization: str) -> tuple[str, dict[str, Any]]:
        """The `k` and the claims of a valid VAPID authorization; AssertionError if invalid."""
        scheme, _, rest = authorization.partition(" ")
        assert scheme.lower() == "vapid", f"scheme {scheme!r}"
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        token, k = parts["t"], parts["k"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64(header_b64))
        assert header == {"typ": "JWT", "alg": "ES256"} or header.get("alg") == "ES256", header
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(k))
        signature = unb64(signature_b64)
        assert len(signature) == 64, "ES256 signatures are r||s, 64 octets"
        der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise AssertionError("the VAPID signature does not verify") from None
        claims = json.loads(unb64(claims_b64))
        assert claims["aud"] == self.origin, f"aud {claims['aud']} is not {self.origin}"
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "exp out of range"
        assert claims["sub"].startswith(("mailto:", "https://")), claims["sub"]
        return k, claims


def _handler(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            arrived = time.monotonic()
            release = service.release
            if release is not None:
                service.holding.set()
                release.wait(60)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            sub_id = self.path.rsplit("/", 1)[-1]
            subscription = service.subscriptions.get(sub_id)
            if subscription is None or sub_id in service.gone:
                self.answer(410)
                return
            try:
                assert self.headers["Content-Encoding"] == "aes128gcm"
                assert int(self.headers["TTL"]) >= 0
                k, claims = service.check_vapid(self.headers["Authorization"])
                plain = http_ece.decrypt(
                    body,
                    private_key=subscription.key,
                    auth_secret=subscription.auth,
                    version="aes128gcm",
                )
                payload = json.loads(plain)
            except (AssertionError, KeyError, ValueError, TypeError) as exc:
                with service.changed:
                    service.refused.append((sub_id, f"{type(exc).__name__}: {exc}"))
                    service.changed.notify_all()
                self.answer(400)
                return
            with service.changed:
                service.received.append(
                    Received(sub_id, payload, dict(self.headers), k, claims, arrived)
                )
                service.changed.notify_all()
            self.answer(201)

    return Handler


@contextmanager
def push_service(certificates: Certificates) -> Iterator[PushService]:
    """The stand-in on a free port of localhost, over TLS with the test CA's certificate."""
    port = free_port()
    service = PushService(f"https://localhost:{port}")
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(service))
    server.daemon_threads = True
    context = certificates.server_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
