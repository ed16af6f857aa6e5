"""CSV files read back with the csv module: a BOM first, Japanese headers and text intact,
for Japanese Excel."""

from __future__ import annotations

import csv
import io

from tests.harness import ServerProcess, token
from tests.reports.log import KnownLog

DAY = "2026-04-06"
BOM = b"\xef\xbb\xbf"


def download(server: ServerProcess, name: str, query: str) -> tuple[bytes, dict[str, str]]:
    response = server.http.get(
        f"{server.url}/api/reports/{name}?{query}&format=csv",
        headers={"Authorization": f"Bearer {token('r', 'manager')}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.content, dict(response.headers)


def rows_of(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    text = content.decode("utf-8-sig")  # what Excel does with the BOM
    assert "\ufeff" not in text
    return list(csv.reader(io.StringIO(text, newline="")))


def test_figures_csv_has_a_bom_japanese_headers_and_the_same_numbers(
    server: ServerProcess, known_log: KnownLog
) -> None:
    content, headers = download(server, "figures", f"from={DAY}&to={DAY}")
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in headers["Content-Disposition"]
    assert f"figures_r_{DAY}_{DAY}.csv" in headers["Content-Disposition"]
    rows = rows_of(content)
    assert rows[0][:5] == ["区分", "項目", "来所者数", "受付数", "対応完了"]
    assert "待ち時間の90%値(分)" in rows[0]
    total = dict(zip(rows[0], rows[1], strict=True))
    assert (total["区分"], total["来所者数"], total["不在"], total["閉庁時に未対応"]) == (
        "合計",
        "6",
        "2",
        "3",
    )
    assert total["平均待ち時間(分)"] == str(round(1060 / 60, 1))
    assert total["目標内の割合(%)"] == str(round(5 / 6 * 100, 1))
    kinds = {(row[0], row[1]) for row in rows[1:]}
    assert ("組織", "ハローワーク") in kinds and ("組織", "札幌市") in kinds
    assert ("窓口", "住居確保給付金") in kinds
    assert ("時間帯", "09") in kinds  # one day is read by the hour unless asked


def test_wait_log_csv_has_one_row_per_stage_and_no_personal_data(
    server: ServerProcess, known_log: KnownLog
) -> None:
    content, headers = download(server, "wait-log", f"from={DAY}&to={DAY}")
    rows = rows_of(content)
    header = rows[0]
    assert header[:4] == ["チケットID", "業務日", "番号", "段階"]
    assert not any(word in " ".join(header) for word in ("職員", "担当", "氏名", "名前"))
    assert len(rows) == 1 + 9
    by_ticket = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    c = [r for r in by_ticket if r["チケットID"] == str(known_log.tickets["C"])]
    assert [(r["窓口"], r["組織"], r["受付の種類"], r["終わり方"]) for r in c] == [
        ("生活・福祉の相談", "札幌市", "発券", "転送"),
        ("住居確保給付金", "札幌市", "転送", "完了"),
    ]
    assert c[0]["待ち時間(秒)"] == "1200" and c[1]["対応時間(秒)"] == "780"
    e = next(r for r in by_ticket if r["チケットID"] == str(known_log.tickets["E"]))
    assert (e["業務日"], e["終わり方"]) == (DAY, "閉庁時に終了")


def test_every_report_downloads_as_csv(server: ServerProcess, known_log: KnownLog) -> None:
    firsts = {
        "counters": "会場",
        "staffing": "時",
        "journeys": "経路",
        "heatmap": "曜日",
        "waits": "窓口",
        "targets": "会場ID",
    }
    for name, first in firsts.items():
        content, _ = download(server, name, f"from={DAY}&to={DAY}")
        rows = rows_of(content)
        assert rows[0][0] == first, name
        assert len(rows) > 1, name
    journeys = rows_of(download(server, "journeys", f"from={DAY}&to={DAY}")[0])
    assert any(row[0] == "職業相談・職業紹介 → キャリア・カウンセリング" for row in journeys)
    heat = rows_of(download(server, "heatmap", f"from={DAY}&to={DAY}")[0])
    monday = next(row for row in heat if row[0] == "月")
    assert monday[heat[0].index("9時")] == "3"
