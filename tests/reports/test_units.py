"""The pure parts of the reports on their own: stages from events, hours, days, percentiles.

(Importing server.reports also declares its endpoints, from which the docs' endpoint tables
are generated.)
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from server.reports.days import build_day, current
from server.reports.periods import day_window, fiscal_year, fiscal_year_of, group_key
from server.reports.queries import percentile
from server.reports.stages import LogRow, visits_from

JST = timedelta(hours=9)


def jst(hhmm: str, day: int = 6) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 4, day, hour, minute, tzinfo=UTC) - JST


def row(
    seq: int,
    at: datetime,
    kind: str,
    ticket: int | None = 1,
    stage: int = 0,
    service: str | None = "job",
    counter: str | None = None,
    **data: Any,
) -> LogRow:
    return LogRow(seq, at, kind, ticket, stage, service, counter, data)


def test_nearest_rank_percentile() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0  # rank ceil(9.0) = 9
    assert percentile([float(n) for n in range(1, 12)], 0.9) == 10.0  # rank ceil(9.9) = 10


def test_a_business_day_runs_from_four_in_the_morning() -> None:
    start, end = day_window(date(2026, 4, 6), "Asia/Tokyo", time(4, 0))
    assert start == jst("04:00") and end == jst("04:00", day=7)
    assert group_key("hour", date(2026, 4, 6), 3) == "03"
    assert group_key("month", date(2026, 4, 30), 0) == "2026-04"


def test_the_fiscal_year_runs_april_to_march() -> None:
    assert fiscal_year_of(date(2027, 3, 31)) == 2026
    assert fiscal_year_of(date(2027, 4, 1)) == 2027
    year = fiscal_year(2026)
    assert (year.first, year.last) == (date(2026, 4, 1), date(2027, 3, 31))


def test_stages_follow_a_requeue_a_transfer_and_an_implied_start() -> None:
    rows = [
        row(1, jst("09:00"), "issued", label="5"),
        row(2, jst("09:10"), "called", counter="c1"),
        row(3, jst("09:11"), "requeued", stage=1),
        row(4, jst("09:20"), "called", stage=1, counter="c1"),
        row(5, jst("09:21"), "started", stage=1, counter="c1"),
        row(6, jst("09:30"), "transferred", stage=2, service="housing", from_service="job"),
        row(7, jst("09:40"), "called", stage=2, service="housing", counter="c3"),
        row(8, jst("09:45"), "started", stage=2, service="housing", counter="c3"),
        row(
            9,
            jst("09:45"),
            "finished",
            stage=2,
            service="housing",
            counter="c3",
            outcome="placement",
            placement=True,
        ),
        row(10, jst("09:45"), "done", stage=2, service="housing"),
    ]
    [visit] = visits_from(rows)
    first, second, third = visit.stages
    assert (first.entry, first.end, first.wait_seconds()) == ("issued", "requeued", 600)
    assert (second.entry, second.end, second.service_seconds()) == ("requeued", "transferred", 540)
    # finishing a called ticket records a start at the same moment: service runs from the call
    assert (third.started_at, third.service_seconds(), third.placement) == (None, 300, True)
    assert [step[0].service_id for step in visit.path()] == ["job", "housing"]
    assert visit.served and not visit.left_unserved


def test_waiting_and_counter_time_are_split_over_clock_hours() -> None:
    visits = visits_from(
        [
            row(1, jst("23:50"), "issued", label="1"),
            row(2, jst("00:20", day=7), "called", counter="c1"),
        ]
    )
    counters = [
        row(3, jst("23:30"), "counter_opened", ticket=None, service=None, counter="c1"),
        row(4, jst("00:30", day=7), "counter_closed", ticket=None, service=None, counter="c1"),
    ]
    window = day_window(date(2026, 4, 6), "Asia/Tokyo", time(4, 0))
    day = build_day(visits, counters, window, JST)
    job = day["services"]["job"]
    assert (job["waiting"][23], job["waiting"][0]) == (600, 1200)
    assert job["waits"] == {"23": [1800]}
    opened = day["counters"]["c1"]["open"]
    assert (opened[23], opened[0], sum(opened)) == (1800, 1800, 3600)
    assert day["paths"]["job"]["visits"][23] == 1


def test_a_day_stored_by_version_1_reads_as_the_current_form() -> None:
    visits = visits_from(
        [
            row(1, jst("09:00"), "issued", label="1"),
            row(2, jst("09:10"), "called", counter="c1"),
            row(3, jst("10:20"), "issued", ticket=2, label="2"),
            row(4, jst("10:30"), "called", ticket=2, counter="c1"),
            row(5, jst("10:31"), "finished", ticket=2, counter="c1", outcome="consult_only"),
        ]
    )
    window = day_window(date(2026, 4, 6), "Asia/Tokyo", time(4, 0))
    day = build_day(visits, [], window, JST)
    assert day["services"]["job"]["waits"] == {"9": [600], "10": [600]}
    old = copy.deepcopy(day)
    old["v"] = 1
    old["services"]["job"]["waits"] = [[9, 600], [10, 600]]
    old["services"]["job"]["times"] = [[10, 60]]
    assert current(old) == day
    assert current(day) is day
