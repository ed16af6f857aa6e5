"""Web Push (RFC 8030) to the browsers' push services: VAPID (RFC 8292) and aes128gcm (RFC 8291).

A subscription is an endpoint at the browser maker's push service plus the browser's public
key (`p256dh`, 65 octets) and auth secret (16 octets). The server encrypts each notice for
that key (http_ece), signs a short-lived VAPID token for the endpoint's origin (py_vapid) and
POSTs it there. Endpoints are accepted only on the hosts of an allow-list (the browsers' push
services, plus what `push_hosts` adds), over https: a visitor's page cannot make the server
send requests anywhere else, into the local network least of all.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from ..domain.errors import Invalid
from .channel import DeliveryFailed, Gone, Notice
from .https import HttpsPoster

# The push services of the browsers people carry (2026): Chrome, Edge, Firefox, Safari.
BROWSER_PUSH_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Chromium-based browsers on Android
    "updates.push.services.mozilla.com",  # Firefox
    "*.notify.windows.com",  # Edge (WNS)
    "web.push.apple.com",  # Safari
    "*.push.apple.com",
)
MAX_ENDPOINT = 1024
TOKEN_SECONDS = 12 * 3600  # RFC 8292 allows at most 24 h; renewed well before
TTL_SECONDS = 15 * 60  # a notice older than this says nothing true any more


def _unb64(text: object, field: str, size: int) -> bytes:
    if not isinstance(text, str) or len(text) > 200:
        raise Invalid(
            f"keys.{field} must be base64url text.",
            "push_subscription_invalid",
            field=f"keys.{field}",
        )
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise Invalid(
            f"keys.{field} must be {size} octets, not {len(raw)}.",
            "push_subscription_invalid",
            field=f"keys.{field}",
        )
    return raw


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in allowed:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def _is_private(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host == "localhost" or host.endswith(
            (".local", ".localhost", ".internal", ".lan", ".home.arpa")
        )
    return not address.is_global


@dataclass(frozen=True)
class PushSubscription:
    endpoint: str
    p256dh: bytes
    auth: bytes

    def stored(self) -> dict[str, str]:
        def b64(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        return {"endpoint": self.endpoint, "p256dh": b64(self.p256dh), "auth": b64(self.auth)}


class PushChannel:
    """Web Push to the allow-listed push services."""

    name = "push"

    def __init__(
        self,
        key_file: Path,
        subject: str,
        extra_hosts: tuple[str, ...] = (),
        ca_file: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.vapid = _load_or_create(key_file)
        self.subject = subject
        self.hosts = BROWSER_PUSH_HOSTS + extra_hosts
        self.extra_hosts = extra_hosts
        self.timeout = timeout
        self.poster = HttpsPoster(ca_file, timeout)  # no proxy: the allow-list holds
        self._tokens: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    @property
    def public_key(self) -> str:
        """The applicationServerKey a page subscribes with (base64url, uncompressed point)."""
        raw = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def check_target(self, body: Any) -> dict[str, str]:
        """A browser's PushSubscription JSON, checked, as it is stored; or a refusal."""
        if not isinstance(body, dict) or not isinstance(body.get("keys"), dict):
            raise Invalid(
                "Send the subscription: {endpoint, keys: {p256dh, auth}}.",
                "push_subscription_invalid",
                field="keys",
            )
        endpoint = body.get("endpoint")
        if not isinstance(endpoint, str) or len(endpoint) > MAX_ENDPOINT:
            raise Invalid(
                "endpoint must be an address of at most 1024 characters.",
                "push_subscription_invalid",
                field="endpoint",
            )
        try:
            parts = urlsplit(endpoint)
            host, port = parts.hostname or "", parts.port
        except ValueError:
            raise Invalid(
                "endpoint is not an address.", "push_subscription_invalid", field="endpoint"
            ) from None
        if parts.scheme != "https":
            raise Invalid("A push endpoint must be https.", "push_endpoint_not_https")
        if parts.username or parts.password or not host or any(c.isspace() for c in endpoint):
            raise Invalid(
                "endpoint is not an address.", "push_subscription_invalid", field="endpoint"
            )
        if not host_allowed(host, self.hosts) or (
            _is_private(host) and not host_allowed(host, self.extra_hosts)
        ):
            raise Invalid(
                f"{host} is not a push service this server sends to.",
                "push_service_not_allowed",
                host=host,
            )
        del port
        subscription = PushSubscription(
            endpoint,
            _unb64(body["keys"].get("p256dh"), "p256dh", 65),
            _unb64(body["keys"].get("auth"), "auth", 16),
        )
        if subscription.p256dh[0] != 4:
            raise Invalid(
                "keys.p256dh must be an uncompressed P-256 point.",
                "push_subscription_invalid",
                field="keys.p256dh",
            )
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), subscription.p256dh)
        except ValueError:
            raise Invalid(
                "keys.p256dh is not a point of P-256.",
                "push_subscription_invalid",
                field="keys.p256dh",
            ) from None
        return subscription.stored()

    def encrypt(self, target: dict[str, str], payload: bytes) -> bytes:
        """The aes128gcm body for one subscription (RFC 8291): a new key and salt each time."""
        p256dh = _unb64(target["p256dh"], "p256dh", 65)
        auth = _unb64(target["auth"], "auth", 16)
        return bytes(
            http_ece.encrypt(
                payload,
                salt=os.urandom(16),
                private_key=ec.generate_private_key(ec.SECP256R1()),
                dh=p256dh,
                auth_secret=auth,
                version="aes128gcm",
            )
        )

    def authorization(self, endpoint: str) -> str:
        """The VAPID header for the endpoint's origin, signed once and reused for hours."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        with self._lock:
            cached = self._tokens.get(audience)
            if cached and cached[0] - now > 3600:
                return cached[1]
            expires = int(now) + TOKEN_SECONDS
            header = self.vapid.sign({"aud": audience, "exp": expires, "sub": self.subject})[
                "Authorization"
            ]
            self._tokens[audience] = (expires, header)
            return str(header)

    def deliver(self, target: dict[str, str], notice: Notice) -> None:
        """POST the notice; raises Gone when the subscription is over, DeliveryFailed else."""
        endpoint = target["endpoint"]
        host = urlsplit(endpoint).hostname or ""
        if not host_allowed(host, self.hosts):  # the allow-list may have shrunk since
            raise Gone(f"{host} is no longer an allowed push service")
        body = self.encrypt(target, json.dumps(notice.payload(), ensure_ascii=False).encode())
        headers = {
            "Authorization": self.authorization(endpoint),
            "TTL": str(TTL_SECONDS),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Urgency": "high" if notice.kind == "called" else "normal",
            "Topic": notice.kind,
        }
        try:
            answer = self.poster.post(endpoint, body, headers)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise DeliveryFailed(f"{host}: {type(exc).__name__}: {exc}") from exc
        if answer.status in (404, 410):
            raise Gone(f"{host} answered {answer.status}: the subscription has ended")
        if not 200 <= answer.status < 300:  # redirects are not followed: they could lead anywhere
            raise DeliveryFailed(f"{host} answered {answer.status}: {answer.body[:200]!r}")


def _load_or_create(path: Path) -> Vapid02:
    """The server's VAPID key: kept in a file readable by its owner only, made once."""
    if not path.exists():
        key = Vapid02()
        key.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key.private_pem())
    return Vapid02.from_pem(path.read_bytes())
