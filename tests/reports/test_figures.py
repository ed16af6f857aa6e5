"""Report figures against values worked out by hand from the known log (see log.py).

Report days are business days: a day starts at 04:00 Japan time, and a ticket counts on
the business day it was issued, so D (23:50), E (00:10 the next calendar day) and F (03:59)
all belong to 2026-04-06, and the close at 04:00:30 ends them there.
"""

from __future__ import annotations

from typing import Any

from tests.harness import ServerProcess, token
from tests.reports.log import KnownLog

DAY = "2026-04-06"


def report(server: ServerProcess, name: str, query: str, who: str = "manager") -> Any:
    reply = server.request("GET", f"/api/reports/{name}?{query}", token("r", who))
    assert reply.status == 200, reply.body
    return reply.body


def test_counts_of_the_first_day_match_the_log(server: ServerProcess, known_log: KnownLog) -> None:
    total = report(server, "figures", f"from={DAY}&to={DAY}")["total"]
    assert {
        k: total[k]
        for k in (
            "visits",
            "arrivals",
            "served",
            "placements",
            "no_shows",
            "cancelled",
            "closed",
            "transfers",
        )
    } == {
        "visits": 6,  # A B C D E F
        "arrivals": 8,  # A job, A career, B, C welfare, C housing (transfer), D, E, F
        "served": 3,  # A job, A career, C housing
        "placements": 1,  # A's first stage
        "no_shows": 2,  # B twice: requeued once, then ended
        "cancelled": 0,
        "closed": 3,  # D, E, F at the day's close
        "transfers": 1,  # C, welfare -> housing
    }


def test_waits_are_mean_median_and_nearest_rank_90th_percentile(
    server: ServerProcess, known_log: KnownLog
) -> None:
    total = report(server, "figures", f"from={DAY}&to={DAY}")["total"]
    # A job 600, B 1380, C welfare 1200, B again 840, A career 1500, C housing 840 seconds
    assert total["wait"] == {"count": 6, "mean": 1060.0, "median": 1020.0, "p90": 1500.0}
    # B's first wait (23 min) is over job's 20-minute target; C's 20 minutes is within
    assert total["within_target"] == 5
    assert total["service_level"] == round(5 / 6, 4)


def test_percentiles_of_a_period_are_those_of_all_its_waits(
    server: ServerProcess, known_log: KnownLog
) -> None:
    # 04-06 is summed up at its close, 04-07 from the log: the period's median and 90th
    # percentile come from every wait of both days, not from the days' own percentiles.
    # Waits 300 (G), 600, 840, 840, 1200, 1380, 1500: median the 4th, p90 rank ceil(6.3) = 7
    total = report(server, "figures", f"from={DAY}&to=2026-04-07")["total"]
    assert total["wait"] == {"count": 7, "mean": round(6660 / 7, 1), "median": 840.0, "p90": 1500.0}
    assert total["within_target"] == 6
    # service times 480, 600, 60, 780 and G's 60 (from the call): median of five is 480
    assert total["service_time"] == {"count": 5, "mean": 396.0, "median": 480.0}


def test_service_time_runs_from_the_start_or_else_the_call(
    server: ServerProcess, known_log: KnownLog
) -> None:
    total = report(server, "figures", f"from={DAY}&to={DAY}")["total"]
    # A job 09:12-09:20, C welfare until the transfer 09:26-09:36, A career from the call
    # 09:45-09:46 (nobody pressed start), C housing 09:52-10:05
    assert total["service_time"] == {"count": 4, "mean": 480.0, "median": 540.0}


def test_utilisation_is_serving_time_over_open_time(
    server: ServerProcess, known_log: KnownLog
) -> None:
    total = report(server, "figures", f"from={DAY}&to={DAY}")["total"]
    # counter 1 open 09:10-10:10 and 10:30-17:00 (paused 20 min), counter 2 09:45-17:00,
    # counter 3 09:25-17:00; serving 480 + 60 + 600 + 780 seconds
    assert total["open_seconds"] == 27000 + 26100 + 27300
    assert total["serving_seconds"] == 1920
    assert total["utilisation"] == round(1920 / 80400, 4)
    counters = {c["counter"]: c for c in report(server, "counters", f"from={DAY}")["counters"]}
    c1 = counters["r-c1"]
    assert (c1["open_seconds"], c1["paused_seconds"], c1["serving_seconds"], c1["served"]) == (
        27000,
        1200,
        480,
        1,
    )
    assert counters["r-c3"]["served"] == 2
    assert counters["r-c4"]["open_seconds"] == 0 and counters["r-c4"]["utilisation"] is None


def test_figures_split_by_organisation(server: ServerProcess, known_log: KnownLog) -> None:
    found = report(server, "figures", f"from={DAY}&to={DAY}")["by_organisation"]
    hellowork, city = found["hellowork"], found["city"]
    assert (hellowork["visits"], hellowork["arrivals"], hellowork["served"]) == (5, 5, 1)
    assert (hellowork["no_shows"], hellowork["closed"], hellowork["wait"]["count"]) == (2, 3, 3)
    assert (city["visits"], city["arrivals"], city["served"], city["transfers"]) == (2, 3, 2, 1)
    # counter 2 serves both organisations' desks, so its time counts for both
    assert (hellowork["open_seconds"], hellowork["serving_seconds"]) == (53100, 540)
    assert (city["open_seconds"], city["serving_seconds"]) == (53400, 1440)


def test_late_night_tickets_count_on_the_business_day_by_clock_hour(
    server: ServerProcess, known_log: KnownLog
) -> None:
    by_hour = {
        g["key"]: g for g in report(server, "figures", f"from={DAY}&to={DAY}&group=hour")["groups"]
    }
    assert len(by_hour) == 24
    assert {h: by_hour[h]["visits"] for h in ("09", "23", "00", "03")} == {
        "09": 3,
        "23": 1,
        "00": 1,
        "03": 1,
    }
    assert by_hour["09"]["arrivals"] == 5  # A twice, B, C twice; B's requeue is no arrival
    by_day = {
        g["key"]: g
        for g in report(server, "figures", f"from={DAY}&to=2026-04-07&group=day")["groups"]
    }
    assert (by_day[DAY]["visits"], by_day["2026-04-07"]["visits"]) == (6, 1)
    assert by_day["2026-04-07"]["wait"]["mean"] == 300.0  # G: 09:00 -> 09:05
    by_month = report(server, "figures", f"from={DAY}&to=2026-04-07&group=month")["groups"]
    assert [(g["key"], g["visits"]) for g in by_month] == [("2026-04", 7)]


def test_one_desk_only(server: ServerProcess, known_log: KnownLog) -> None:
    found = report(server, "figures", f"from={DAY}&to={DAY}&service=housing")
    assert [row["service"] for row in found["by_service"]] == ["housing"]
    total = found["total"]
    assert (total["visits"], total["arrivals"], total["served"]) == (1, 1, 1)
    assert total["wait"]["mean"] == 840.0


def test_journeys_show_each_step_and_who_left_unserved(
    server: ServerProcess, known_log: KnownLog
) -> None:
    found = report(server, "journeys", f"from={DAY}&to={DAY}")
    assert (found["visits"], found["multi_desk_visits"], found["left_before_service"]) == (6, 2, 4)
    assert found["left_before_service_share"] == round(4 / 6, 4)
    paths = {">".join(p["path"]): p for p in found["paths"]}
    assert set(paths) == {"job>career", "welfare>housing", "job", "search"}
    steps = paths["job>career"]["steps"]
    assert [(s["mean_wait"], s["mean_service"]) for s in steps] == [(600.0, 480.0), (1500.0, 60.0)]
    # B's requeue stays one step at the job desk: two waits, no service; F never called
    assert (paths["job"]["visits"], paths["job"]["left_before_service"]) == (2, 2)
    assert paths["job"]["steps"][0]["mean_wait"] == (1380 + 840) / 2
    assert (paths["search"]["visits"], paths["search"]["left_before_service"]) == (2, 2)


def test_staffing_per_hour_against_waiting(server: ServerProcess, known_log: KnownLog) -> None:
    found = report(server, "staffing", f"from={DAY}&to={DAY}")
    hours = {h["hour"]: h for h in found["hours"]}
    assert found["days"] == 1
    # 09-10: counter 1 from 09:10, counter 3 from 09:25, counter 2 from 09:45: 6000 s
    assert hours[9]["open_counters"] == round(6000 / 3600, 2)
    # waiting person-seconds in 09-10: 600 + 1380 + 1200 + 840 + 1500 + 840
    assert hours[9]["waiting"] == round(6360 / 3600, 2)
    assert hours[9]["arrivals"] == 5
    assert hours[0]["waiting"] == round((3600 + 3000) / 3600, 2)  # D all hour, E from 00:10


def test_heatmap_and_wait_distribution(server: ServerProcess, known_log: KnownLog) -> None:
    heat = report(server, "heatmap", f"from={DAY}&to=2026-04-07")["weekdays"]
    assert heat[0]["name"] == "月" and heat[0]["visits"][9] == 3 and heat[0]["days"] == 1
    assert heat[1]["visits"][9] == 1  # G, Tuesday
    waits = report(server, "waits", f"from={DAY}&to={DAY}")
    assert waits["bins"][0] == "0〜5分" and waits["bins"][-1] == "60分以上"
    # 600 -> 10-15; 840, 840 -> 10-15; 1200 -> 20-30; 1380 -> 20-30; 1500 -> 20-30
    assert waits["total"] == [0, 0, 3, 0, 3, 0, 0, 0]


def test_the_raw_wait_log_has_one_row_per_stage(server: ServerProcess, known_log: KnownLog) -> None:
    rows = report(server, "wait-log", f"from={DAY}&to={DAY}")["rows"]
    assert len(rows) == 9  # A 2, B 2, C 2, D, E, F
    b = [r for r in rows if r["ticket"] == known_log.tickets["B"]]
    assert [(r["entry"], r["end"], r["wait_seconds"]) for r in b] == [
        ("issued", "requeued", 1380),
        ("requeued", "no_show", 840),
    ]
    e = next(r for r in rows if r["ticket"] == known_log.tickets["E"])
    assert (e["business_day"], e["queued_at"], e["end"]) == (
        DAY,
        "2026-04-07T00:10:00+09:00",
        "day_closed",
    )
    assert not any("staff" in r for r in rows)


def test_targets_count_the_fiscal_year_from_april(
    server: ServerProcess, known_log: KnownLog
) -> None:
    found = report(server, "targets", "year=2026")
    assert (found["from"], found["to"]) == ("2026-04-01", "2027-03-31")
    row = found["by_site"][0]
    assert (row["site"], row["visitors"], row["placements"]) == ("r", 7, 1)
    assert report(server, "targets", "year=2025")["by_site"][0]["visitors"] == 0


def test_one_day_is_grouped_by_hour_unless_asked_and_longer_periods_by_day(
        server: ServerProcess, known_log: KnownLog) -> None:
    one_day = report(server, "figures", f"from={DAY}&to={DAY}")
    assert one_day["group"] == "hour" and len(one_day["groups"]) == 24
    assert report(server, "figures", f"from={DAY}&to=2026-04-07")["group"] == "day"
    assert report(server, "figures", f"from={DAY}&to={DAY}&group=day")["group"] == "day"
