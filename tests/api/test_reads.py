"""Reading state over HTTP: sites, snapshots, queues, counters, the event log, health."""

from __future__ import annotations

from tests.api.support import assert_error, ok
from tests.conftest import KIOSK_SITE, POOL
from tests.harness import ADMIN, ServerProcess, token


def test_health_answers_without_a_credential(server: ServerProcess) -> None:
    body = ok(server.request("GET", "/api/health"))
    assert body["ok"] is True
    assert isinstance(body["seq"], int) and body["seq"] >= 0


def test_each_device_lists_only_its_own_site_and_the_admin_all(server: ServerProcess,
                                                               module_site: str) -> None:
    site = module_site
    mine = ok(server.request("GET", "/api/sites", token(site, "kiosk")))["sites"]
    assert [s["id"] for s in mine] == [site]
    everything = ok(server.request("GET", "/api/sites", ADMIN))["sites"]
    ids = {s["id"] for s in everything}
    assert site in ids and ids == {*POOL, KIOSK_SITE}


def test_a_site_describes_its_desks_counters_and_outcomes(server: ServerProcess,
                                                         module_site: str) -> None:
    site = module_site
    body = ok(server.request("GET", f"/api/sites/{site}", token(site, "staff1")))
    assert body["id"] == site and body["ward"] == "北区"
    assert body["timezone"] == "Asia/Tokyo" and body["open"] is True
    assert body["areas"] == ["main", "welfare"]
    desks = {s["id"]: s for s in body["services"]}
    assert list(desks) == ["job", "search", "career", "welfare", "housing"]
    assert desks["welfare"]["sensitive"] is True
    assert desks["welfare"]["public_label"] == "相談窓口"
    assert desks["job"]["organisation"] == "hellowork" and desks["job"]["target_wait_min"] == 20
    assert [c["number"] for c in body["counters"]] == [1, 2, 3, 4]
    assert body["counters"][2]["area"] == "welfare"
    assert body["counters"][1]["services"] == ["job", "career"]
    outcomes = {o["code"]: o for o in body["outcomes"]}
    assert outcomes["placement"]["placement"] is True
    assert outcomes["consult_only"]["label"] == "相談のみ"
    # A kiosk or display reads the desks as the public sees them, and nothing of counters.
    public = ok(server.request("GET", f"/api/sites/{site}", token(site, "display")))
    assert set(public) == {"id", "name", "ward", "timezone", "open", "appointments", "services"}
    seen = {s["id"]: s for s in public["services"]}
    assert list(seen) == list(desks)
    # A sensitive desk: 相談窓口 for the room; the kiosk's words for its own visitor.
    welfare = seen["welfare"]
    assert set(welfare) == {"id", "name", "public_label", "description", "visitor"}
    assert welfare["name"] == welfare["public_label"] == "相談窓口"
    assert welfare["visitor"]["ja"]["label"] == "暮らし・お金の相談"
    assert welfare["visitor"]["vi"]["label"] == "Tư vấn đời sống, phúc lợi"
    # every language of the kiosk: a desk without a language's words says its Japanese
    assert {lang: w["label"] for lang, w in seen["search"]["visitor"].items()} == {
        lang: "求人検索" for lang in ("en", "ja", "ja-easy", "ko", "vi", "zh")}
    assert seen["job"]["name"] == "職業相談・職業紹介"
    assert seen["job"]["description"] == "仕事の相談、求人の紹介"


def test_queues_list_waiting_tickets_per_desk_in_order(server: ServerProcess, site: str) -> None:
    job1 = ok(server.issue(site, ["job"]), 201)
    ok(server.issue(site, ["career"]), 201)
    job2 = ok(server.issue(site, ["job"]), 201)
    body = ok(server.request("GET", f"/api/sites/{site}/queues", token(site, "staff2")))
    assert body["site"] == site
    by_desk = {q["service"]: q for q in body["queues"]}
    assert list(by_desk) == ["job", "search", "career", "welfare", "housing"]
    assert [t["id"] for t in by_desk["job"]["waiting"]] == [job1["id"], job2["id"]]
    assert [t["label"] for t in by_desk["career"]["waiting"]] == ["301"]
    assert by_desk["job"]["name"] == "職業相談・職業紹介"
    assert by_desk["welfare"]["waiting"] == []

    # What the counters read follows the calls.
    ok(server.call_next(site, "c1"))
    counters = ok(server.request("GET", f"/api/sites/{site}/counters", token(site, "staff1")))
    c1 = next(c for c in counters["counters"] if c["id"] == f"{site}-c1")
    assert c1["status"] == "open" and c1["staff"] == f"{site}-staff1"
    assert c1["ticket"]["id"] == job1["id"] and c1["ticket"]["status"] == "called"
    c4 = next(c for c in counters["counters"] if c["id"] == f"{site}-c4")
    assert c4["status"] == "closed" and c4["ticket"] is None and c4["mode"] == "ordered"


def test_the_staff_snapshot_has_everything_live(server: ServerProcess,
                                                module_site: str) -> None:
    site = module_site
    issued = ok(server.issue(site, ["housing"], priority=True), 201)
    ok(server.issue(site, ["job"]), 201)
    snap = ok(server.request("GET", f"/api/sites/{site}/snapshot", token(site, "manager")))
    assert snap["site"] == site and snap["open"] is True and snap["seq"] > 0
    assert snap["now"].endswith("+09:00")
    desks = {s["id"]: s for s in snap["services"]}
    assert desks["housing"]["name"] == "住居確保給付金"
    assert [t["id"] for t in desks["housing"]["waiting"]] == [issued["id"]]
    assert desks["housing"]["waiting"][0]["priority"] is True
    assert len(snap["counters"]) == 4 and snap["parked"] == []


def test_the_public_snapshot_shows_numbers_and_counts_only(server: ServerProcess,
                                                           site: str) -> None:
    ok(server.issue(site, ["job"]), 201)
    ok(server.issue(site, ["job"]), 201)
    ok(server.issue(site, ["welfare"]), 201)
    called = ok(server.call_next(site, "c1"))["ticket"]
    snap = ok(server.request("GET", f"/api/sites/{site}/snapshot", token(site, "kiosk")))
    assert snap["site"] == site and snap["area"] is None
    assert {s["id"]: s["waiting"] for s in snap["services"]} == {"job": 1, "search": 0,
                                                                 "career": 0}
    assert snap["counters"] == [] and snap["recent_calls"] == []  # a kiosk shows no calls
    # A display of the main area sees its own counters only.
    display = ok(server.request("GET", f"/api/sites/{site}/snapshot", token(site, "display")))
    assert display["area"] == "main"
    assert sorted(c["counter_number"] for c in display["counters"]) == [1, 2, 4]
    calling = {c["counter_number"]: c for c in display["counters"]}
    assert calling[1]["label"] == called["label"] and calling[1]["counter_name"] == "1番窓口"
    assert calling[2]["label"] is None
    assert display["recent_calls"][0]["label"] == called["label"]
    # The screen above counter 1 sees counter 1.
    above = ok(server.request("GET", f"/api/sites/{site}/snapshot", token(site, "display-c1")))
    assert [c["counter"] for c in above["counters"]] == [f"{site}-c1"]


def test_the_event_log_returns_what_came_after_a_sequence_number(server: ServerProcess,
                                                                 module_site: str) -> None:
    site = module_site
    path = f"/api/sites/{site}/events"
    first = ok(server.issue(site, ["job"]), 201)
    log = ok(server.request("GET", path + "?since=0", token(site, "manager")))
    mine = [e for e in log["events"] if e["ticket"] == first["id"]]
    assert [e["kind"] for e in mine] == ["issued"]
    assert all(e["site"] == site for e in log["events"])
    mark = mine[0]["seq"]
    ok(server.call_next(site, "c1"))
    after = ok(server.request("GET", f"{path}?since={mark}", token(site, "manager")))
    assert [e["kind"] for e in after["events"]] == ["counter_opened", "called"]
    assert all(e["seq"] > mark for e in after["events"])
    assert [e["seq"] for e in after["events"]] == sorted(e["seq"] for e in after["events"])
    called = after["events"][-1]
    assert called["counter"] == f"{site}-c1" and called["data"]["reason_code"] == "longest_wait"
    assert after["seq"] >= called["seq"]
    limited = ok(server.request("GET", f"{path}?since={mark}&limit=1", token(site, "manager")))
    assert [e["kind"] for e in limited["events"]] == ["counter_opened"]
    nothing = ok(server.request("GET", f"{path}?since={after['seq']}", token(site, "manager")))
    assert nothing["events"] == []


def test_bad_query_parameters_are_refused_with_the_field_named(server: ServerProcess,
                                                               module_site: str) -> None:
    path = f"/api/sites/{module_site}/events"
    manager = token(module_site, "manager")
    for query, field in (("since=abc", "since"), ("since=-1", "since"), ("since=1.5", "since"),
                         ("since=99999999999999999999", "since"), ("limit=0", "limit"),
                         ("limit=x", "limit"), ("limit=5001", "limit")):
        assert_error(server.request("GET", f"{path}?{query}", manager), 422, "invalid_field",
                     field=field)
