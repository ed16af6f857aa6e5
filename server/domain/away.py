"""A visitor who is told of their call on their phone may be away from the waiting room.

Such a visitor may be walking back when called, so a 不在 (no-show) waits the site's grace
time (`Policy.away_grace_min`) from the last call before it is taken.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from .errors import Conflict
from .model import Policy, Ticket


def seconds_until_no_show(policy: Policy, ticket: Ticket, now: datetime, notified: bool) -> int:
    """How long staff must still wait before marking this ticket a no-show (0: they may)."""
    if not notified or ticket.called_at is None or policy.away_grace_min <= 0:
        return 0
    left = ticket.called_at + timedelta(minutes=policy.away_grace_min) - now
    return max(0, math.ceil(left.total_seconds()))


def check_no_show(policy: Policy, ticket: Ticket, now: datetime, notified: bool) -> None:
    """Refuse a no-show inside the grace time of a notified visitor (`no_show_too_soon`)."""
    wait = seconds_until_no_show(policy, ticket, now, notified)
    if wait:
        raise Conflict(
            f"The visitor is notified on their phone and may be walking back: a no-show can "
            f"be marked {policy.away_grace_min} min after the call, in {wait} s.",
            "no_show_too_soon",
            retry_after=wait,
            minutes=policy.away_grace_min,
        )
