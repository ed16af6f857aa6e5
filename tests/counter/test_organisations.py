"""Each organisation's staff see their own organisation's part of a visit: a Hello Work
counter sees the city's welfare stage only as 「他の窓口」, and the city's counter the
Hello Work stage the same way, until the visit is sent on to them."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Response, expect

from tests.counter.conftest import OpenConsole
from tests.counter.console_page import ConsolePage, issue, ui


def chips(console: ConsolePage) -> list[str]:
    return console.page.locator("#hand-purposes .chip").all_inner_texts()


def answers(console: ConsolePage) -> list[Any]:
    """Every JSON answer the page is given from now on (its snapshots, tickets and calls)."""
    found: list[Any] = []

    def keep(response: Response) -> None:
        if "/api/" in response.url and response.request.method in ("GET", "POST"):
            try:
                found.append(response.json())
            except Exception:  # an answer without a JSON body (204, audio)
                return

    console.page.on("response", keep)
    return found


def dicts(found: Any) -> list[dict[str, Any]]:
    """Every JSON object inside `found`, however deep."""
    if isinstance(found, dict):
        return [found, *(d for v in found.values() for d in dicts(v))]
    if isinstance(found, list):
        return [d for v in found for d in dicts(v)]
    return []


def test_staff_see_another_organisations_stage_only_as_another_desk(
    open_console: OpenConsole,
) -> None:
    hellowork = open_console("suzuki", "a-c1")  # 職業相談: Hello Work
    seen = answers(hellowork)
    ticket = issue(hellowork.server, ["job", "welfare"])
    expect(hellowork.row(ticket["label"])).to_be_visible()
    hellowork.press("call-next")
    hellowork.expect_in_hand(ticket["label"], "called")
    assert chips(hellowork) == ["職業相談・職業紹介", "他の窓口"]
    hellowork.press("start")
    hellowork.press("finish")
    hellowork.pick("finish", "相談のみ")
    hellowork.expect_ack(
        ui("ack.finish_next", label=ticket["label"], outcome="相談のみ", desk="他の窓口")
    )
    views = [v for v in dicts(seen) if v.get("id") == ticket["id"] and "purposes" in v]
    events = [v for v in dicts(seen) if v.get("ticket") == ticket["id"] and "kind" in v]
    assert views and all(v["purposes"] == ["job", "other"] for v in views)
    assert all(v["service"] == "other" for v in views if v["purpose_index"] == 1)
    assert all(v["service"] in ("job", "other") for v in events)
    assert "生活・福祉" not in json.dumps(views + events, ensure_ascii=False)

    city = open_console("sato", "a-c3")  # 生活・福祉相談: the city's
    city.press("call-next")
    city.expect_in_hand(ticket["label"], "called")
    assert chips(city) == ["他の窓口", "生活・福祉の相談"]
