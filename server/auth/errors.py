"""Coded refusals of logins, sessions, cross-site requests and pairing."""

from __future__ import annotations

from ..domain.errors import QueueError


class InvalidCredentials(QueueError):
    code = "invalid_credentials"
    kind = "unauthorized"


class SessionEnded(QueueError):
    code = "session_expired"
    kind = "unauthorized"


class CsrfFailed(QueueError):
    code = "csrf_failed"
    kind = "forbidden"


class TooManyAttempts(QueueError):
    """Carries `retry_after` (whole seconds), sent as the Retry-After header too."""

    code = "too_many_attempts"
    kind = "too_many"


class PairingExpired(QueueError):
    code = "pairing_expired"
    kind = "gone"
