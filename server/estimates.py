"""How a wait estimate is shown in JSON, for the kiosk, the phone page and the displays."""

from __future__ import annotations

from typing import Any

from .domain.estimate import Estimate


def estimate_view(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {"ahead": estimate.ahead, "low_min": estimate.low_min, "high_min": estimate.high_min,
            "text": estimate.text}
