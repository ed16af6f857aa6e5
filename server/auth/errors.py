"""Coded refusals of logins, sessions, cross-site requests and pairing."""

from __future__ import annotations

from ..domain.errors import Refusal


class InvalidCredentials(Refusal):
    code = "invalid_credentials"


class SessionEnded(Refusal):
    code = "session_expired"


class CsrfFailed(Refusal):
    code = "csrf_failed"


class TooManyAttempts(Refusal):
    """Carries `retry_after` (whole seconds), sent as the Retry-After header too."""

    code = "too_many_attempts"


class PairingExpired(Refusal):
    code = "pairing_expired"
