"""The site file's staff-alert keys: which counters' consoles show alerts
(`reception_counters`) and after how long an alert nobody took escalates
(`alert_escalate_seconds`), read as siteconfig.py reads the rest."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from server.domain.model import Counter
from server.tomlread import Table


def read_escalation(t: Table, rules: Any) -> Any:
    """`alert_escalate_seconds`, at least 1, into the rules' policy."""
    seconds = t.integer("alert_escalate_seconds", minimum=1)
    return replace(rules, policy=replace(rules.policy, alert_escalate_s=seconds))


def read_reception(t: Table, counters: tuple[Counter, ...]) -> tuple[str, ...]:
    """`reception_counters`: counters of this site."""
    ids = t.strings("reception_counters", ())
    known = {c.id for c in counters}
    for counter_id in [c for c in ids if c not in known]:
        t.fail(f"no counter '{counter_id}' at this site", "reception_counters")
    return ids
