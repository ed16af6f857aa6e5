"""CSV files of the reports, for Japanese Excel: UTF-8 with a BOM, Japanese headers, CRLF.

Times are minutes with one decimal (the JSON has seconds); shares are percentages.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from flask import Response

from ..words import ORGANISATION_NAMES

BOM = "\ufeff"
GROUP_NAMES = {"hour": "時間帯", "day": "日", "month": "月"}
Table = tuple[list[str], list[list[Any]]]


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return BOM + out.getvalue()


def csv_response(name: str, header: list[str], rows: list[list[Any]]) -> Response:
    response = Response(csv_text(header, rows).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{name}.csv\"; filename*=UTF-8''{quote(name)}.csv"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


FIGURE_COLUMNS = [
    "区分",
    "項目",
    "来所者数",
    "受付数",
    "対応完了",
    "就職",
    "不在",
    "取消",
    "閉庁時に未対応",
    "転送",
    "待ち件数",
    "平均待ち時間(分)",
    "待ち時間の中央値(分)",
    "待ち時間の90%値(分)",
    "目標内の割合(%)",
    "平均対応時間(分)",
    "窓口稼働率(%)",
]


def _figure_row(kind: str, key: str, f: dict[str, Any]) -> list[Any]:
    return [
        kind,
        key,
        f["visits"],
        f["arrivals"],
        f["served"],
        f["placements"],
        f["no_shows"],
        f["cancelled"],
        f["closed"],
        f["transfers"],
        f["wait"]["count"],
        minutes(f["wait"]["mean"]),
        minutes(f["wait"]["median"]),
        minutes(f["wait"]["p90"]),
        percent(f["service_level"]),
        minutes(f["service_time"]["mean"]),
        percent(f["utilisation"]),
    ]


def figures_table(found: dict[str, Any], group: str) -> Table:
    rows = [_figure_row("合計", "", found["total"])]
    rows += [
        _figure_row("組織", ORGANISATION_NAMES[o], f) for o, f in found["by_organisation"].items()
    ]
    rows += [_figure_row("窓口", f["name"], f) for f in found["by_service"]]
    rows += [_figure_row(GROUP_NAMES[group], f["key"], f) for f in found["groups"]]
    return FIGURE_COLUMNS, rows


def counters_table(found: list[dict[str, Any]]) -> Table:
    header = [
        "会場",
        "窓口ID",
        "窓口名",
        "対応数",
        "開設時間(分)",
        "休止時間(分)",
        "対応時間(分)",
        "稼働率(%)",
    ]
    return header, [
        [
            c["site"],
            c["counter"],
            c["name"],
            c["served"],
            minutes(c["open_seconds"]),
            minutes(c["paused_seconds"]),
            minutes(c["serving_seconds"]),
            percent(c["utilisation"]),
        ]
        for c in found
    ]


def staffing_table(found: dict[str, Any]) -> Table:
    header = ["時", "開いている窓口数(平均)", "待っている人数(平均)", "受付数(平均)"]
    return header, [
        [h["hour"], h["open_counters"], h["waiting"], h["arrivals"]] for h in found["hours"]
    ]


def journeys_table(found: dict[str, Any]) -> Table:
    steps = max((len(p["steps"]) for p in found["paths"]), default=1)
    header = ["経路", "来所者数", "対応前に離脱", "離脱の割合(%)"]
    for n in range(1, steps + 1):
        header += [f"{n}番目の窓口", f"{n}番目の平均待ち時間(分)", f"{n}番目の平均対応時間(分)"]
    rows = []
    for path in found["paths"]:
        row = [
            " → ".join(s["name"] for s in path["steps"]),
            path["visits"],
            path["left_before_service"],
            percent(path["left_share"]),
        ]
        for step in path["steps"]:
            row += [step["name"], minutes(step["mean_wait"]), minutes(step["mean_service"])]
        rows.append(row + [None] * (len(header) - len(row)))
    return header, rows


def heatmap_table(found: dict[str, Any]) -> Table:
    header = ["曜日", "日数", *(f"{h}時" for h in range(24))]
    return header, [[w["name"], w["days"], *w["visits"]] for w in found["weekdays"]]


def waits_table(found: dict[str, Any]) -> Table:
    header = ["窓口", *found["bins"]]
    rows = [["合計", *found["total"]]]
    rows += [[s["service"], *s["counts"]] for s in found["by_service"]]
    return header, rows


def targets_table(found: dict[str, Any]) -> Table:
    header = [
        "会場ID",
        "会場",
        "来所者数",
        "来所者数の目標",
        "達成率(%)",
        "就職件数",
        "就職件数の目標",
        "達成率(%)",
        "来所者数(計画時の実績)",
        "就職件数(計画時の実績)",
    ]
    rows = [
        [
            r["site"],
            r["name"],
            r["visitors"],
            r["visitors_target"],
            percent(r["visitors_share"]),
            r["placements"],
            r["placements_target"],
            percent(r["placements_share"]),
            r["visitors_now"],
            r["placements_now"],
        ]
        for r in found["by_site"]
    ]
    t = found["total"]
    rows.append(
        [
            "",
            "合計",
            t["visitors"],
            t["visitors_target"],
            percent(t["visitors_share"]),
            t["placements"],
            t["placements_target"],
            percent(t["placements_share"]),
            t["visitors_now"],
            t["placements_now"],
        ]
    )
    return header, rows


ENTRY_NAMES = {
    "issued": "発券",
    "queued": "次の用件",
    "transferred": "転送",
    "requeued": "不在後の再受付",
    "returned": "保留から戻り",
}
END_NAMES = {
    "finished": "完了",
    "transferred": "転送",
    "requeued": "不在（再受付）",
    "no_show": "不在",
    "parked": "保留",
    "cancelled": "取消",
    "day_closed": "閉庁時に終了",
}


def wait_log_table(rows: list[dict[str, Any]]) -> Table:
    header = [
        "チケットID",
        "業務日",
        "番号",
        "段階",
        "窓口ID",
        "窓口",
        "組織",
        "受付の種類",
        "待ち始め",
        "呼出",
        "対応開始",
        "終了",
        "対応窓口",
        "結果",
        "終わり方",
        "待ち時間(秒)",
        "対応時間(秒)",
    ]
    return header, [
        [
            r["ticket"],
            r["business_day"],
            r["label"],
            r["stage"],
            r["service"],
            r["service_name"],
            ORGANISATION_NAMES.get(r["organisation"] or "", ""),
            ENTRY_NAMES.get(r["entry"], r["entry"]),
            r["queued_at"],
            r["called_at"],
            r["started_at"],
            r["ended_at"],
            r["counter"],
            r["outcome"],
            END_NAMES.get(r["end"], "対応中・待ち"),
            r["wait_seconds"],
            r["service_seconds"],
        ]
        for r in rows
    ]


ALERT_NAMES = {"need_help": "お手伝いが必要", "call_staff": "職員を呼ぶ",
               "printer_failed": "番号札が印刷されなかった", "printer_fault": "プリンターの異常",
               "display_silent": "表示盤の音が出ない", "all": "合計"}


def alerts_table(found: dict[str, Any]) -> Table:
    header = ["会場", "種類", "件数", "対応", "自然解消", "長く対応待ち", "未対応",
              "対応までの中央値（秒）", "90%（秒）", "最長（秒）"]
    rows = []
    for site_id, figures in found["sites"].items():
        for row in [*figures["kinds"], figures["total"]]:
            took = row["take_seconds"]
            rows.append([site_id, ALERT_NAMES.get(row["kind"], row["kind"]), row["raised"],
                         row["taken"], row["cleared"], row["escalated"], row["open"],
                         took["median"], took["p90"], took["max"]])
    return header, rows
