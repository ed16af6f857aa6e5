"""Benchmark of the wait estimate against classical predictors and the oracle.

Run from the repository root:

    .venv/bin/python tests/bench/estimate.py [--days small_ward=120,large_peak=40,...]
        [--train-days 30] [--paths 48] [--oracle-paths 128] [--workers 2] [--quick]

For each scenario (tests/bench/sim/scenarios.py: a small quiet ward, a large site with a
strong morning peak, a mid-size site with multi-desk counters and transfers) it simulates
training days and learns our WaitModel from their event logs alone (server/domain/learn.py),
then simulates test days (other seeds) on the real SiteQueue and, at every queue entry
(issue, next desk, transfer), asks every predictor for its estimate from the same
observable state: ours (server/domain/forecast.py with the learned model), the baselines
(naive, M/M/s queue length, head-of-line, last-to-enter-service), the server's present
estimator (server_v1, for reference), and the oracle (the same path simulation with the
true model and more paths). See sim/scoring.py for the metrics.

Prints ONE JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.machine import REFERENCE_PROBE_MS, cpu_probe_ms  # noqa: E402
from tests.bench.sim.evaluate import DayResult, Setup, make_setup, run_day  # noqa: E402
from tests.bench.sim.scenarios import SCENARIOS  # noqa: E402
from tests.bench.sim.scoring import score  # noqa: E402

DEFAULT_DAYS = {"small_ward": 120, "large_peak": 30, "mid_multiskill": 60,
                "mid_appointments": 60}
QUICK_DAYS = {"small_ward": 12, "large_peak": 4, "mid_multiskill": 6, "mid_appointments": 6}
TARGETS = {"mse_ratio_to_oracle": 1.30, "mse_ratio_to_best_baseline": 0.8,
           "range_coverage_within": 0.05, "range_width_ratio_to_oracle": 1.25,
           "under_quoted_over_5min": 0.10}


def _run(args: tuple[Setup, int]) -> DayResult:
    return run_day(*args)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(int(q * len(ordered)), len(ordered) - 1)], 3)


def targets_met(ours: dict[str, Any]) -> dict[str, bool]:
    level = ours["range_level"]
    return {
        "mse_ratio_to_oracle": ours["mse_ratio_to_oracle"] <= TARGETS["mse_ratio_to_oracle"],
        "mse_ratio_to_best_baseline":
            ours["mse_ratio_to_best_baseline"] <= TARGETS["mse_ratio_to_best_baseline"],
        "range_coverage": abs(ours["range_coverage"] - level)
        <= TARGETS["range_coverage_within"] + 1e-9,
        "range_width_ratio_to_oracle":
            ours["range_width_ratio_to_oracle"] <= TARGETS["range_width_ratio_to_oracle"],
        "under_quoted_over_5min":
            ours["under_quoted_over_5min"] <= TARGETS["under_quoted_over_5min"],
    }


def run_scenario(name: str, days: int, args: argparse.Namespace,
                 pool: ProcessPoolExecutor | None) -> dict[str, Any]:
    started = time.perf_counter()
    setup, train_events = make_setup(name, args.train_days, args.paths, args.oracle_paths,
                                     args.level)
    trained = time.perf_counter()
    jobs = [(setup, i) for i in range(days)]
    results = list(pool.map(_run, jobs)) if pool else [_run(j) for j in jobs]
    done = time.perf_counter()
    table = score(results, args.level, args.oracle_paths)
    records = [r for d in results for r in d.records]
    waits = [r.wait for r in records]
    ours_ms = [x for d in results for x in d.ours_ms]
    site_ms = [ms for d in results for _, ms in d.site_ms]
    entries = sum(d.entries for d in results)
    model = setup.ours
    out: dict[str, Any] = {
        "summary": SCENARIOS[name].summary,
        "days": {"train": args.train_days, "test": days},
        "seeds": {"train": f"stable_seed('{name}', 'train', 0..{args.train_days - 1})",
                  "test": f"stable_seed('{name}', 'test', 0..{days - 1})"},
        "visitors_per_day": round(sum(d.visitors for d in results) / days, 1),
        "entries_per_day": round(entries / days, 1),
        "absent_at_first_call": round(sum(d.absent_at_call for d in results) / entries, 4),
        "scored_entries": len(records),
        "delayed_share": round(sum(r.delayed for r in records) / len(records), 4),
        "wait_mean_min": round(statistics.mean(waits), 2),
        "wait_p90_min": percentile(waits, 0.9),
        "learned": {"days": model.days, "log_events": train_events,
                    "service_mean_min": {s: round(t.mean, 2) for s, t in model.services.items()},
                    "leave_at_once": round(model.leave_at_once, 4),
                    "mean_patience_min": round(1 / model.leave_rate, 1)
                    if model.leave_rate > 0 else None,
                    "transfers": {s: [[to, round(p, 3)] for to, p in rows]
                                  for s, rows in model.transfers.items()}},
        "ours": table["ours"],
        "oracle": table["oracle"],
        "baselines": {n: table[n] for n in ("naive", "ql", "hol", "les")},
        "best_baseline": table["best_baseline"],
        "server_v1": table.get("server_v1"),
        "timing": {
            "train_s": round(trained - started, 2), "test_s": round(done - trained, 2),
            "ours_single_ms_p50": percentile(ours_ms, 0.5),
            "ours_single_ms_p99": percentile(ours_ms, 0.99),
            "ours_site_wide_ms_p50": percentile(site_ms, 0.5),
            "ours_site_wide_ms_p99": percentile(site_ms, 0.99),
            "ours_site_wide_ms_max": percentile(site_ms, 1.0),
        },
    }
    out["targets_met"] = targets_met(out["ours"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", default="", help="test days per scenario, name=N,...")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--train-days", type=int, default=30)
    parser.add_argument("--paths", type=int, default=48, help="our Monte-Carlo paths")
    parser.add_argument("--oracle-paths", type=int, default=128)
    parser.add_argument("--level", type=float, default=0.8)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--quick", action="store_true", help="a few days each (smoke run)")
    args = parser.parse_args(argv)
    days = dict(QUICK_DAYS if args.quick else DEFAULT_DAYS)
    for part in filter(None, args.days.split(",")):
        key, _, value = part.partition("=")
        days[key] = int(value)
    probe_before = cpu_probe_ms()
    started = time.perf_counter()
    scenarios: dict[str, Any] = {}
    pool = ProcessPoolExecutor(args.workers) if args.workers > 1 else None
    try:
        for name in filter(None, args.scenarios.split(",")):
            print(f"{name}: {days[name]} test days ...", file=sys.stderr, flush=True)
            scenarios[name] = run_scenario(name, days[name], args, pool)
            met = scenarios[name]["targets_met"]
            print(f"{name}: done, targets met: {met}", file=sys.stderr, flush=True)
    finally:
        if pool is not None:
            pool.shutdown()
    report = {
        "bench": "wait estimate",
        "level": args.level,
        "paths": {"ours": args.paths, "oracle": args.oracle_paths},
        "targets": TARGETS,
        "told": "upper end of the stated range for predictors that state one (ours, oracle, "
                "ql, server_v1), else the point estimate; *_vs_point uses the point for all",
        "scenarios": scenarios,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "workers": args.workers, "load_average": list(os.getloadavg()),
                    "cpu_probe_ms": {"before": probe_before, "after": cpu_probe_ms(),
                                     "reference": REFERENCE_PROBE_MS}},
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
