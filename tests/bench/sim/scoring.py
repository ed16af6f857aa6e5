"""Scoring predictors on the same entries: squared error against the oracle and the best
baseline, calibration and width of the stated range, under-quoting.

- mse: mean squared error of the point estimate (minutes²) over every entry whose number
  was called: the estimate predicts when the number is called, and that is known for
  no-shows too (mse_present: over visitors who answered the call only).
- The oracle's MSE is corrected for its own Monte-Carlo noise (its sample variance / paths
  is subtracted per entry), so it estimates the error of the exact conditional mean: the
  floor no estimator with the same information can beat in expectation.
- range_coverage / width: over visitors who had to wait (not called at once, and there
  when called), how often the stated range held the actual wait, and its mean width; the
  oracle's range is put on the same 5-minute grid by the same rule, so widths compare
  like with like (range_coverage_incl_no_shows counts no-shows' call times too).
- under_quoted_over_5min: share of visitors (there when called) who waited more than 5
  minutes longer than they were told. "Told" is the upper end of the stated range when
  the predictor states one (what the kiosk shows: 「約10〜15分」), else its point
  estimate; the share against the point estimate is reported too
  (`under_quoted_over_5min_vs_point`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from .baselines import NAMES as BASELINES
from .evaluate import DayResult, Prediction, Record

BOOTSTRAP = 400


def _mse(records: Sequence[Record], name: str) -> float:
    return sum((r.predictions[name][0] - r.wait) ** 2 for r in records) / len(records)


def oracle_mse(records: Sequence[Record], paths: int) -> float:
    raw = _mse(records, "oracle")
    noise = sum(r.oracle_var for r in records) / len(records) / paths
    return raw - noise


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _told(p: Prediction) -> float:
    return p[2] if p[2] is not None else p[0]


def metrics(records: Sequence[Record], name: str, level: float) -> dict[str, Any]:
    called = [r for r in records if name in r.predictions]
    present = [r for r in called if r.present]
    waited = [r for r in present if r.delayed]
    errors = [r.predictions[name][0] - r.wait for r in called]
    states_range = any(r.predictions[name][1] is not None for r in waited)
    out: dict[str, Any] = {
        "entries": len(called),
        "mse": round(sum(e * e for e in errors) / len(errors), 3),
        "rmse": round(math.sqrt(sum(e * e for e in errors) / len(errors)), 3),
        "bias": round(sum(errors) / len(errors), 3),
        "mae": round(sum(abs(e) for e in errors) / len(errors), 3),
        "within_5min": _share([abs(e) <= 5 for e in errors]),
        "mse_present": round(_mse(present, name), 3),
        "range_level": level if states_range else None,
        "range_coverage": None,
        "range_width_min": None,
        "under_quoted_told": "range_high" if states_range else "point",
        "under_quoted_over_5min": _share([r.wait - _told(r.predictions[name]) > 5
                                          for r in present]),
        "under_quoted_over_5min_vs_point": _share([r.wait - r.predictions[name][0] > 5
                                                   for r in present]),
    }
    if states_range:
        bounds = [(r.predictions[name][1] or 0, r.predictions[name][2] or 0, r.wait)
                  for r in waited]
        out["range_coverage"] = _share([lo <= w <= hi for lo, hi, w in bounds])
        out["range_width_min"] = round(sum(hi - lo for lo, hi, _ in bounds) / len(bounds), 3)
        everyone = [(r.predictions[name][1] or 0, r.predictions[name][2] or 0, r.wait)
                    for r in called if r.delayed]
        out["range_coverage_incl_no_shows"] = _share([lo <= w <= hi for lo, hi, w in everyone])
    return out


def bootstrap_ratio(days: Sequence[DayResult], name: str, against: str | Sequence[str],
                    paths: int, seed: int = 1) -> tuple[float, float]:
    """95% interval of MSE(name) / MSE(against) over resampled days (`against` may be the
    oracle, or several baselines of which the best is taken in each resample)."""
    per_day = []
    others = [against] if isinstance(against, str) else list(against)
    for d in days:
        recs = d.records
        if not recs:
            continue
        mine = sum((r.predictions[name][0] - r.wait) ** 2 for r in recs)
        theirs = []
        for other in others:
            sq = sum((r.predictions[other][0] - r.wait) ** 2 for r in recs)
            if other == "oracle":
                sq -= sum(r.oracle_var for r in recs) / paths
            theirs.append(sq)
        per_day.append((mine, theirs))
    rng = random.Random(seed)
    ratios = []
    for _ in range(BOOTSTRAP):
        pick = [per_day[rng.randrange(len(per_day))] for _ in per_day]
        mine = sum(p[0] for p in pick)
        best = min(sum(p[1][i] for p in pick) for i in range(len(others)))
        ratios.append(mine / best if best > 0 else math.inf)
    ratios.sort()
    return round(ratios[int(0.025 * BOOTSTRAP)], 3), round(ratios[int(0.975 * BOOTSTRAP) - 1], 3)


def score(days: Sequence[DayResult], level: float, oracle_paths: int) -> dict[str, Any]:
    records = [r for d in days for r in d.records]
    names = list(dict.fromkeys(n for r in records for n in r.predictions))
    table: dict[str, Any] = {n: metrics(records, n, level) for n in names}
    floor = oracle_mse(records, oracle_paths)
    floor_present = oracle_mse([r for r in records if r.present], oracle_paths)
    table["oracle"]["mse_raw"] = table["oracle"]["mse"]
    table["oracle"]["mse"] = round(floor, 3)
    table["oracle"]["mse_present"] = round(floor_present, 3)
    best = min(BASELINES, key=lambda n: table[n]["mse"])
    oracle_width = table["oracle"]["range_width_min"]
    for n in names:
        row = table[n]
        row["mse_ratio_to_oracle"] = round(row["mse"] / floor, 3)
        row["mse_present_ratio_to_oracle"] = round(row["mse_present"] / floor_present, 3)
        row["mse_ratio_to_best_baseline"] = round(row["mse"] / table[best]["mse"], 3)
        if row["range_width_min"] is not None and oracle_width:
            row["range_width_ratio_to_oracle"] = round(row["range_width_min"] / oracle_width, 3)
        else:
            row["range_width_ratio_to_oracle"] = None
    table["ours"]["mse_ratio_to_oracle_ci95"] = bootstrap_ratio(days, "ours", "oracle",
                                                                oracle_paths)
    table["ours"]["mse_ratio_to_best_baseline_ci95"] = bootstrap_ratio(days, "ours", BASELINES,
                                                                       oracle_paths)
    table["best_baseline"] = best
    return table
