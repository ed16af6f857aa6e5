"""The targets the issues name, set against a run's figures."""

from __future__ import annotations

from typing import Any

from tests.bench.machine import STALLS


def target_summary(result: dict[str, Any]) -> dict[str, Any]:
    """Each named target: the figure, whether it is met, and the disk stalls the probe saw in
    that phase (a stall there holds every durable commit)."""
    disk = result["disk_fdatasync_ms"]
    targets = [
        ("issue_p99_ms", 50, "<=", "issue"),
        ("issue_per_s", 500, ">=", "issue"),
        ("call_to_display_p99_ms", 50, "<=", "calls"),
        ("duplicates", 0, "<=", None),
        ("rss_mb", 150, "<=", None),
        ("kiosk_to_ticket_p99_ms", 50, "<=", "kiosk"),
        ("print_confirmed_p99_ms", 300, "<=", "print"),
    ]
    summary: dict[str, Any] = {}
    for key, target, sense, phase in targets:
        value = result.get(key)
        if value is None:
            continue
        met = value <= target if sense == "<=" else value >= target
        entry: dict[str, Any] = {"value": value, "target": f"{sense} {target}", "met": met}
        if phase is not None and isinstance(disk.get(phase), dict):
            entry["disk_stalls_in_phase"] = disk[phase].get(STALLS)
        summary[key] = entry
    return summary
