"""Who is calling an HTTP request: a device's bearer token or a person's login cookie.

A request with an Authorization header is judged by that header alone. Without one, the
signed session cookie is looked at. A request authenticated by the cookie that changes
anything must also carry the session's CSRF token (header X-CSRF-Token, or the form field
csrf_token on the admin page): a cookie is sent by the browser on its own, a header is not.
"""

from __future__ import annotations

import hmac
import secrets

from flask import g, request, session

from ..auth.registry import Credentials
from ..domain.errors import Refusal
from ..services import services
from ..store.accounts import session_hash
from ..store.devices import Device

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SessionEnded(Refusal):
    code = "session_expired"


class CsrfFailed(Refusal):
    code = "csrf_failed"


def _credentials() -> Credentials:
    return services().auth.credentials


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_credential() -> Device | None:
    """The caller, or None. A cookie whose login has ended is refused with session_expired,
    so a console can tell the person to log in again."""
    if "Authorization" in request.headers:
        token = bearer_token()
        return _credentials().device(token) if token else None
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    found = _credentials().session(session_hash(session_id))
    if found is None:
        raise SessionEnded("Your login has ended: log in again.")
    g.madoguchi_session = found[1]
    return found[0]


def by_session() -> bool:
    """True if this request's credential is the login cookie (not a bearer token)."""
    return g.get("madoguchi_session") is not None


def csrf_token() -> str:
    """This browser's CSRF token, made on first use (also before logging in)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(form: bool = False) -> None:
    """Refuse a state-changing request made with the cookie but without the session's token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.form.get(CSRF_FIELD) if form else request.headers.get(CSRF_HEADER)
    expected = session.get("csrf")
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise CsrfFailed(
            "This request lacks the page's CSRF token (header X-CSRF-Token): "
            "reload the page and try again."
        )
