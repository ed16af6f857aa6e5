"""What a manager may change at their site, checked, and laid over the site as the site file
and the administrators' changes make it.

Overrides are plain JSON: `notice` (the displays' one line), `hours` (opening hours by
weekday, "08:30-17:15", or null for closed) and `target_waits` (minutes, by desk). The site
file stays as it was; the overrides are stored apart and laid over it at every start.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from typing import Any

from ..domain.errors import Invalid, unknown_service
from ..domain.model import OpeningHours, Site
from ..siteconfig import NOTICE_LENGTH, WEEKDAYS

LONGEST_TARGET = 240  # minutes
_SPAN = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")


def _bad(field: str, message: str) -> Invalid:
    return Invalid(message, "invalid_field", field=field)


def checked(site: Site, body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The site's overrides once `body` is applied to `current`; refuses a bad value with
    `invalid_field` (naming it) or an unknown desk with `unknown_service`."""
    found = dict(current)
    if "notice" in body:
        notice = body["notice"]
        if (
            not isinstance(notice, str)
            or "\n" in notice
            or "\r" in notice
            or len(notice.strip()) > NOTICE_LENGTH
        ):
            raise _bad(
                "body.notice", f"A notice is one line of at most {NOTICE_LENGTH} characters."
            )
        found["notice"] = notice.strip()
    if "hours" in body:
        found["hours"] = _hours(body["hours"])
    if "target_waits" in body:
        waits = body["target_waits"]
        if not isinstance(waits, dict):
            raise _bad("body.target_waits", "Give target waits as {desk: minutes}.")
        merged = dict(found.get("target_waits", {}))
        for service_id, minutes in waits.items():
            if site.service(service_id) is None:
                raise unknown_service(site.id, service_id)
            if type(minutes) is not int or not 1 <= minutes <= LONGEST_TARGET:
                raise _bad(
                    f"body.target_waits.{service_id}",
                    f"A target wait is whole minutes from 1 to {LONGEST_TARGET}.",
                )
            merged[service_id] = minutes
        found["target_waits"] = merged
    return found


def _hours(hours: Any) -> dict[str, str | None]:
    if not isinstance(hours, dict):
        raise _bad("body.hours", 'Give opening hours as {"mon": "08:30-17:15", …}.')
    found: dict[str, str | None] = {}
    for day in WEEKDAYS:
        span = hours.get(day)
        if span is None or span == "":
            found[day] = None
            continue
        match = _SPAN.fullmatch(span) if isinstance(span, str) else None
        if match is None or (match[1], match[2]) >= (match[3], match[4]):
            raise _bad(
                f"body.hours.{day}",
                'Opening hours look like "08:30-17:15" and close after they open.',
            )
        found[day] = span
    extra = sorted(set(hours) - set(WEEKDAYS))
    if extra:
        raise Invalid(
            f"'{extra[0]}' is not a weekday (mon … sun).",
            "unknown_field",
            field=f"body.hours.{extra[0]}",
        )
    return found


def applied(base: Site, overrides: dict[str, Any]) -> Site:
    """The site as the site file has it, with the overrides laid over it."""
    site = base
    if "notice" in overrides:
        site = replace(site, notice=overrides["notice"])
    if "hours" in overrides:
        weekly = []
        for index, day in enumerate(WEEKDAYS):
            span = overrides["hours"].get(day)
            if span:
                opens, closes = span.split("-")
                weekly.append((index, _time(opens), _time(closes)))
        site = replace(site, hours=OpeningHours(tuple(weekly), site.hours.closed_dates))
    waits = overrides.get("target_waits", {})
    if waits:
        site = replace(
            site,
            services=tuple(
                replace(s, target_wait_min=waits[s.id]) if s.id in waits else s
                for s in site.services
            ),
        )
    return site


def _time(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def settings_view(site: Site) -> dict[str, Any]:
    """What the managers' edit form and GET show: the settings in effect."""
    hours: dict[str, str | None] = dict.fromkeys(WEEKDAYS)
    for weekday, opens, closes in site.hours.by_weekday:
        hours[WEEKDAYS[weekday]] = f"{opens:%H:%M}-{closes:%H:%M}"
    return {
        "site": site.id,
        "name": site.name,
        "notice": site.notice,
        "hours": hours,
        "target_waits": {s.id: s.target_wait_min for s in site.services},
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "organisation": s.organisation.value,
                "target_wait_min": s.target_wait_min,
            }
            for s in site.services
        ],
    }
