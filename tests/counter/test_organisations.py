"""Each organisation's staff see their own organisation's part of a visit: a Hello Work
counter sees the city's welfare stage only as 「他の窓口」, and the city's counter the
Hello Work stage the same way, until the visit is sent on to them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from playwright.sync_api import Response, expect

from tests.auth.people import Person
from tests.counter.conftest import OpenConsole
from tests.counter.console_page import ConsolePage, issue, ui
from tests.harness import ServerProcess
from tests.realtime.test_organisations import PersonClient


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


def test_a_visit_the_city_sends_to_hello_work_arrives_live_with_its_welfare_stage_unnamed(
    open_console: OpenConsole,
) -> None:
    hellowork = open_console("suzuki", "a-c1")  # 職業相談: Hello Work's desk only
    server = hellowork.server
    ticket = issue(server, ["welfare"])
    # The city's counter (its site-file console) calls it and sends it on, with a note.
    assert server.call_next("a", "c3", "staff3").status == 200
    note = "家賃の相談は済み。求人の紹介を希望"
    sent = server.request(
        "POST",
        f"/api/tickets/{ticket['id']}/transfer",
        "token-a-staff3",
        {"service": "job", "note": note, "counter": "a-c3"},
        key=uuid.uuid4().hex,
    )
    assert sent.status == 200, sent.body
    row = hellowork.row(ticket["label"], "job")
    expect(row).to_contain_text(ui("queues.transferred", desk="他の窓口"))  # pushed live
    hellowork.press("call-next")
    hellowork.expect_in_hand(ticket["label"], "called")
    assert chips(hellowork) == ["他の窓口", "職業相談・職業紹介"]  # 今回の用件
    expect(hellowork.page.locator("#hand-from")).to_have_text("他の窓口")
    expect(hellowork.page.locator("#hand-note")).to_have_text(note)
    expect(hellowork.page.locator("#journey li").first).to_be_visible()
    for part in ("#in-hand", "#journey"):
        expect(hellowork.page.locator(part)).not_to_contain_text("生活・福祉")
    hellowork.screenshot("organisations-transferred")


def test_a_hello_work_person_at_a_counter_for_both_organisations_serves_the_city_desk_too(
    open_console: OpenConsole,
) -> None:
    mixed = open_console("suzuki", "a-c2")  # 職業相談・キャリア: job and career
    ticket = issue(mixed.server, ["career", "welfare"])
    expect(mixed.row(ticket["label"], "career")).to_be_visible()
    mixed.press("call-next")
    mixed.expect_in_hand(ticket["label"], "called")
    assert chips(mixed) == ["キャリア・カウンセリング", "他の窓口"]
    expect(mixed.page.locator("#hand-desk")).to_have_text("キャリア・カウンセリング")


def test_a_hello_work_console_is_not_told_how_a_welfare_ticket_printed(
    server: ServerProcess,
) -> None:
    consoles = []
    for username, counter in (("suzuki", "a-c1"), ("sato", "a-c3")):
        person = Person(server)
        assert person.login(username).status == 200
        consoles.append(PersonClient(person, counter).open())
    hellowork, city = consoles
    try:
        welfare = issue(server, ["welfare"])  # site "a" prints on its (memory) printer
        job = issue(server, ["job"])
        city.wait_for(lambda c: any(m["ticket"] == welfare["id"] for m in c.prints()))
        hellowork.wait_for(lambda c: any(m["ticket"] == job["id"] for m in c.prints()))
        assert [m["label"] for m in hellowork.prints()] == [job["label"]]
        assert [m["label"] for m in city.prints()] == [welfare["label"]]
    finally:
        for console in consoles:
            console.close()
            console.person.close()
