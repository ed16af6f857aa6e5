"""Coded refusals of logins and pairing."""

from __future__ import annotations

from ..domain.errors import Refusal


class InvalidCredentials(Refusal):
    code = "invalid_credentials"


class TooManyAttempts(Refusal):
    """Carries `retry_after` (whole seconds), sent as the Retry-After header too."""

    code = "too_many_attempts"


class PairingExpired(Refusal):
    code = "pairing_expired"
