"""The protective headers every answer carries: one content security policy (and the few
changes a page needs), no MIME sniffing, no Referer.

Every page loads its scripts, styles and data from this server alone and runs no inline
code, so one policy fits them all. No Referer is sent anywhere: the phone page's address is
its ticket's key, and the kiosk's first address may carry a device token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self'",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'none'",
}
COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))


def content_security_policy(**changes: str | None) -> str:
    """The base policy with some directives changed (`form_action="'self'"`) or left out
    (None)."""
    directives = {**BASE_POLICY, **{k.replace("_", "-"): v for k, v in changes.items()}}
    return "; ".join(f"{name} {value}" for name, value in directives.items() if value)


DEFAULT_POLICY = content_security_policy()

StartResponse = Callable[..., Any]


class ProtectiveHeaders:
    """WSGI middleware around the whole application (Flask and Socket.IO's engine alike):
    each answer gets the common headers, and the default policy unless it set its own."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            present = {name.lower() for name, _ in headers}
            added = [(n, v) for n, v in COMMON_HEADERS if n.lower() not in present]
            if "content-security-policy" not in present:
                added.append(("Content-Security-Policy", DEFAULT_POLICY))
            return start_response(status, [*headers, *added], *exc_info)

        return self.app(environ, start)
