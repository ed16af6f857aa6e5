"""A rate limit for the public pages and their JSON: nobody can load the server through them.

Each client address has a bucket of `burst` requests that refills at `per_minute`; an empty
bucket is answered 429 `rate_limited` with Retry-After. Behind a reverse proxy every request
comes from the proxy's address: let the proxy limit then (`public_requests_per_minute = 0`).
"""

from __future__ import annotations

import math
import time

from .domain.errors import Refusal


class RateLimited(Refusal):
    code = "rate_limited"


class RateLimit:
    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)

    def take(self, address: str) -> None:
        """Count one request from `address`; raises RateLimited when it has none left."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        if len(self.buckets) > 10_000:
            self._forget(now)
        tokens, at = self.buckets.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / self.rate)
            self.buckets[address] = (tokens, now)
            raise RateLimited(
                f"Too many requests from this address: try again in {wait} s.", retry_after=wait
            )
        self.buckets[address] = (tokens - 1.0, now)

    def _forget(self, now: float) -> None:
        """Drop the buckets that have refilled: they say nothing any more."""
        full = self.burst / self.rate
        self.buckets = {a: v for a, v in self.buckets.items() if now - v[1] < full}
