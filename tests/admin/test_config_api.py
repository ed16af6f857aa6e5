"""Administrators change desks, counters, kiosks, displays and printers of a running site:
checked by the site file's rules, refused when it would disturb what is live, audited, and
in effect at once."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.harness import ADMIN, Reply, ServerProcess, token

PENSION = {"name": "年金相談", "organisation": "city", "prefix": "N", "numbers": [1, 99],
           "target_wait": 15}


def config(server: ServerProcess, site: str) -> dict[str, Any]:
    reply = server.request("GET", f"/api/sites/{site}/configuration", ADMIN)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def put(server: ServerProcess, site: str, part: str, item: str, body: dict[str, Any],
        who: str = ADMIN) -> Reply:
    return server.request("PUT", f"/api/sites/{site}/configuration/{part}/{item}", who, body)


def delete(server: ServerProcess, site: str, part: str, item: str) -> Reply:
    return server.request("DELETE", f"/api/sites/{site}/configuration/{part}/{item}", ADMIN)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def refused(reply: Reply, status: int, code: str) -> Reply:
    assert (reply.status, reply.error) == (status, code), reply.body
    assert reply.body["message"]
    return reply


def audit_rows(server: ServerProcess, action: str, target: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10  # a guard against a hang, not a measurement
    while True:
        rows = server.request("GET", "/api/audit?since=0&limit=1000", ADMIN).body["entries"]
        found = [r for r in rows if r["action"] == action and r["target"] == target]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


# ---- who may ---------------------------------------------------------------------------


def test_only_an_administrator_reads_or_changes_the_configuration(
    server: ServerProcess, site: str
) -> None:
    for who in ("manager", "staff1", "kiosk", "display"):
        reply = server.request("GET", f"/api/sites/{site}/configuration", token(site, who))
        refused(reply, 403, "forbidden_role")
        refused(put(server, site, "services", "pension", PENSION, token(site, who)), 403,
                "forbidden_role")
    refused(server.request("GET", "/api/sites/nowhere/configuration", ADMIN), 404,
            "unknown_site")
    body = config(server, site)
    assert ids(body["services"]) == ["job", "search", "career", "welfare", "housing"]
    assert ids(body["counters"]) == [f"{site}-c1", f"{site}-c2", f"{site}-c3", f"{site}-c4"]
    assert body["edited"] == []


# ---- desks -----------------------------------------------------------------------------


def test_a_new_desk_can_be_chosen_at_the_kiosk_at_once_and_is_audited(
    server: ServerProcess, site: str
) -> None:
    reply = put(server, site, "services", "pension", PENSION)
    assert reply.status == 200, reply.body
    assert ids(reply.body["services"])[-1] == "pension"
    assert reply.body["edited"] == ["services"]  # the counters stay as the site file has them
    ticket = server.issue(site, ["pension"])
    assert ticket.status == 201, ticket.body
    assert ticket.body["label"] == "N1" and ticket.body["desk"] == "年金相談"
    kiosk = server.request("GET", f"/api/sites/{site}/snapshot", token(site, "kiosk")).body
    assert {"id": "pension", "label": "年金相談", "waiting": 1} in kiosk["services"]
    rows = audit_rows(server, "service_created", f"service:{site}/pension")
    assert len(rows) == 1 and rows[0]["outcome"] == 200 and rows[0]["actor"] == "admin"
    assert rows[0]["detail"]["before"] is None
    assert rows[0]["detail"]["after"]["numbers"] == [1, 99]


def test_a_changed_desk_keeps_what_it_was_in_the_audit_log(
    server: ServerProcess, site: str
) -> None:
    changed = {"name": "職業相談", "organisation": "hellowork", "numbers": [1, 299],
               "target_wait": 25, "description": "仕事の相談"}
    reply = put(server, site, "services", "job", changed)
    assert reply.status == 200, reply.body
    job = next(s for s in reply.body["services"] if s["id"] == "job")
    assert (job["name"], job["target_wait"]) == ("職業相談", 25)
    row = audit_rows(server, "service_changed", f"service:{site}/job")[0]
    assert row["detail"]["before"]["staff_name"] == "職業相談・職業紹介"
    assert row["detail"]["after"]["target_wait"] == 25
    staff = server.request("GET", f"/api/sites/{site}/snapshot", token(site, "staff1")).body
    assert next(s for s in staff["services"] if s["id"] == "job")["target_wait_min"] == 25


@pytest.mark.parametrize(
    "body,field",
    [
        ({**PENSION, "prefix": "", "numbers": [250, 320]}, "body.numbers"),  # job: 1-299
        ({**PENSION, "numbers": [90, 10]}, "body.numbers"),
        ({**PENSION, "prefix": "N1"}, "body.prefix"),
        ({**PENSION, "organisation": "prefecture"}, "body.organisation"),
        ({**PENSION, "name": ""}, "body.name"),
        ({**PENSION, "target_wait": 0}, "body.target_wait"),
        ({**PENSION, "sensitive": "yes"}, "body.sensitive"),
        ({"name": "年金相談"}, "body.organisation"),
    ],
)
def test_a_desk_the_site_file_rules_refuse_is_refused_and_nothing_changes(
    server: ServerProcess, site: str, body: dict[str, Any], field: str
) -> None:
    before = config(server, site)
    reply = refused(put(server, site, "services", "pension", body), 422, "invalid_field")
    assert reply.body["field"] == field
    assert config(server, site) == before


def test_an_unknown_key_and_a_bad_desk_id_are_refused(server: ServerProcess, site: str) -> None:
    refused(put(server, site, "services", "pension", {**PENSION, "colour": "red"}), 422,
            "unknown_field")
    reply = refused(put(server, site, "services", "Pension!", PENSION), 422, "invalid_field")
    assert "is not an id" in reply.body["message"]


def test_a_desk_with_live_tickets_or_served_by_a_counter_is_not_removed(
    server: ServerProcess, site: str
) -> None:
    assert put(server, site, "services", "pension", PENSION).status == 200
    ticket = server.issue(site, ["pension"]).body
    reply = refused(delete(server, site, "services", "pension"), 409, "service_has_live_tickets")
    assert "N1" in reply.body["message"]
    # a visit that will go to the desk later still needs it
    later = server.issue(site, ["search", "career"]).body
    refused(delete(server, site, "services", "career"), 409, "service_served_by_counter")
    assert server.act(site, ticket["id"], "cancel").status == 200
    assert delete(server, site, "services", "pension").status == 200
    refused(server.issue(site, ["pension"]), 404, "unknown_service")
    # the visitor's page of a ticket of the removed desk still works
    assert server.request("GET", f"/api/sites/{site}/snapshot", token(site, "staff1")).status \
        == 200
    assert later["status"] == "waiting"
    refused(delete(server, site, "services", "pension"), 404, "unknown_service")


def test_a_band_that_would_cover_a_live_number_of_another_desk_is_refused(
    server: ServerProcess, site: str
) -> None:
    search = server.issue(site, ["search"]).body
    assert search["label"] == "401"
    moved = {"name": "求人検索", "organisation": "hellowork", "numbers": [401, 499]}
    assert put(server, site, "services", "search", {**moved, "numbers": [800, 899]}).status \
        == 200
    # 401 is still live; another desk may not take numbers that include it
    reply = refused(put(server, site, "services", "pension", {**PENSION, "prefix": "",
                                                                "numbers": [400, 450]}),
                    409, "numbers_in_use")
    assert reply.body["label"] == "401"
    assert server.act(site, search["id"], "cancel").status == 200
    assert put(server, site, "services", "pension", {**PENSION, "prefix": "",
                                                     "numbers": [400, 450]}).status == 200
    assert server.issue(site, ["search"]).body["label"] == "800"


# ---- counters --------------------------------------------------------------------------


def test_a_new_counter_calls_from_a_new_desk_at_once(server: ServerProcess, site: str) -> None:
    assert put(server, site, "services", "pension", PENSION).status == 200
    counter = {"name": "年金", "number": 9, "services": ["pension", "job"], "mode": "ordered"}
    reply = put(server, site, "counters", f"{site}-c9", counter)
    assert reply.status == 200, reply.body
    assert reply.body["counters"][-1] == {
        "id": f"{site}-c9", "name": "年金", "number": 9, "area": "main",
        "services": ["pension", "job"], "mode": "ordered", "status": "closed", "in_hand": False}
    server.issue(site, ["job"])
    pension = server.issue(site, ["pension"]).body
    called = server.request("POST", f"/api/sites/{site}/counters/{site}-c9/call-next",
                            token(site, "staff1"), key="c9-first")
    assert called.status == 200, called.body
    assert called.body["ticket"]["id"] == pension["id"]  # ordered: pension first
    assert audit_rows(server, "counter_created", f"counter:{site}/{site}-c9")


@pytest.mark.parametrize(
    "body,code,field",
    [
        ({"name": "x", "number": 9, "services": ["nothing"]}, "invalid_field", "body.services[0]"),
        ({"name": "x", "number": 9, "services": ["job"], "area": "roof"}, "invalid_field",
         "body.area"),
        ({"name": "x", "number": 1, "services": ["job"]}, "invalid_field", "body.number"),
        ({"name": "x", "number": 9, "services": ["job"], "mode": "ordered",
          "weights": {"job": 2}}, "invalid_field", "body.weights"),
        ({"name": "x", "number": 9, "services": ["job"], "weights": {"job": 0}},
         "invalid_field", "body.weights.job"),
        ({"name": "x", "services": ["job"]}, "invalid_field", "body.number"),
    ],
)
def test_a_counter_the_site_file_rules_refuse_is_refused(
    server: ServerProcess, site: str, body: dict[str, Any], code: str, field: str
) -> None:
    before = config(server, site)
    reply = refused(put(server, site, "counters", f"{site}-c9", body), 422, code)
    assert reply.body["field"] == field
    assert config(server, site) == before


def test_a_counter_id_of_another_site_is_refused(server: ServerProcess, site: str) -> None:
    body = {"name": "x", "number": 9, "services": ["job"]}
    reply = refused(put(server, site, "counters", "e40-c1", body), 422, "invalid_field")
    assert "another site" in reply.body["message"]


def test_a_counter_serving_someone_or_with_a_bound_console_is_not_changed(
    server: ServerProcess, site: str
) -> None:
    server.issue(site, ["career"])
    called = server.request("POST", f"/api/sites/{site}/counters/{site}-c4/call-next",
                            token(site, "staff1"), key=f"{site}-c4")
    assert called.status == 200, called.body
    changed = {"name": "キャリア", "number": 4, "services": ["career"]}
    refused(put(server, site, "counters", f"{site}-c4", changed), 409, "counter_in_use")
    refused(delete(server, site, "counters", f"{site}-c4"), 409, "counter_in_use")
    ticket = called.body["ticket"]["id"]
    assert server.act(site, ticket, "start").status == 200
    assert server.act(site, ticket, "finish", {"outcome": "consult_only"}).status == 200
    assert put(server, site, "counters", f"{site}-c4", changed).status == 200
    # a console and a display are bound to c1: it stays until they are moved
    reply = refused(delete(server, site, "counters", f"{site}-c1"), 409, "counter_has_devices")
    assert reply.body["device"] in (f"{site}-display-c1", f"{site}-staff1")
    refused(delete(server, site, "counters", f"{site}-c4"), 409, "counter_in_use")  # open
    closed = server.request("POST", f"/api/sites/{site}/counters/{site}-c4/close",
                            token(site, "staff1"), {}, key=f"{site}-c4-close")
    assert closed.status == 200, closed.body
    assert delete(server, site, "counters", f"{site}-c4").status == 200
    assert f"{site}-c4" not in ids(config(server, site)["counters"])
    refused(server.call_next(site, "c4"), 404, "unknown_counter")


# ---- devices ---------------------------------------------------------------------------


def patch(server: ServerProcess, site: str, device: str, body: dict[str, Any]) -> Reply:
    return server.request("PATCH", f"/api/sites/{site}/configuration/devices/{site}-{device}",
                          ADMIN, body)


def test_a_switched_off_display_is_refused_until_switched_on(
    server: ServerProcess, site: str
) -> None:
    reply = patch(server, site, "display", {"enabled": False})
    assert reply.status == 200, reply.body
    view = next(d for d in reply.body["devices"] if d["id"] == f"{site}-display")
    assert view["enabled"] is False
    refused(server.request("GET", f"/api/sites/{site}/snapshot", token(site, "display")), 401,
            "unauthorized")
    assert patch(server, site, "display", {"enabled": True}).status == 200
    assert server.request("GET", f"/api/sites/{site}/snapshot",
                          token(site, "display")).status == 200
    row = audit_rows(server, "device_changed", f"device:{site}-display")
    assert [r["detail"]["after"]["enabled"] for r in row] == [False, True]


def test_a_display_moves_to_a_counter_and_takes_its_area(server: ServerProcess, site: str) -> None:
    reply = patch(server, site, "display", {"counter": f"{site}-c3", "name": "福祉窓口上"})
    assert reply.status == 200, reply.body
    view = next(d for d in reply.body["devices"] if d["id"] == f"{site}-display")
    assert (view["area"], view["counter"], view["name"]) == ("welfare", f"{site}-c3",
                                                              "福祉窓口上")
    snap = server.request("GET", f"/api/sites/{site}/snapshot", token(site, "display")).body
    assert snap["area"] == "welfare" and ids_of_counters(snap) == [f"{site}-c3"]
    refused(patch(server, site, "display", {"counter": "nowhere"}), 404, "unknown_counter")
    reply = refused(patch(server, site, "display", {"area": "roof", "counter": None}), 422,
                    "invalid_field")
    assert reply.body["field"] == "body.area"
    refused(patch(server, site, "kiosk", {"area": "main"}), 422, "invalid_field")
    refused(server.request("PATCH", f"/api/sites/{site}/configuration/devices/{site}-staff1",
                           ADMIN, {"name": "x"}), 404, "unknown_device")


def ids_of_counters(snapshot: dict[str, Any]) -> list[str]:
    return [c["counter"] for c in snapshot["counters"]]


def test_a_kiosk_moves_to_another_site(server: ServerProcess, site: str) -> None:
    other = "e39"
    reply = patch(server, site, "kiosk", {"site": other})
    assert reply.status == 200, reply.body
    ticket = server.request("POST", f"/api/sites/{other}/tickets", token(site, "kiosk"),
                            {"services": ["job"]}, key=f"{site}-moved")
    assert ticket.status == 201 and ticket.body["site"] == other
    refused(server.issue(site, ["job"]), 403, "forbidden_site")
    refused(patch(server, site, "kiosk", {"name": "x"}), 404, "unknown_device")


# ---- printers --------------------------------------------------------------------------


def test_a_new_printer_prints_for_a_kiosk_first_in_failover_order(server: ServerProcess) -> None:
    site = "ep"
    reply = put(server, site, "printers", "ep-p2",
                {"name": "二台目", "kind": "memory", "address": "ep2", "width": 576})
    assert reply.status == 200, reply.body
    printer = next(p for p in reply.body["printers"] if p["id"] == "ep-p2")
    assert (printer["kind"], printer["address"], printer["width"]) == ("memory", "ep2", 576)
    reply = patch(server, site, "kiosk", {"printers": ["ep-p2", "ep-p1"]})
    assert reply.status == 200, reply.body
    assert next(d for d in reply.body["devices"] if d["id"] == "ep-kiosk")["printers"] == [
        "ep-p2", "ep-p1"]
    ticket = server.issue(site, ["job"]).body
    printed = wait_printed(server, site, ticket["id"])
    assert printed["data"]["printer"] == "ep-p2"
    refused(delete(server, site, "printers", "ep-p2"), 409, "printer_in_use")
    refused(put(server, site, "printers", "ep-p3", {"kind": "memory", "address": "x",
                                                    "width": 600}), 422, "invalid_field")
    reply = refused(put(server, site, "printers", "ep-p3", {"kind": "network", "address": ""}),
                    422, "invalid_field")
    assert reply.body["field"] == "body.address"
    refused(patch(server, site, "display", {"printers": ["ep-p1"]}), 422, "invalid_field")
    refused(patch(server, site, "kiosk", {"printers": ["ep-p9"]}), 422, "invalid_field")
    refused(patch(server, site, "kiosk", {"site": "e38"}), 409, "device_has_printers")
    assert patch(server, site, "kiosk", {"printers": ["ep-p1"]}).status == 200
    assert delete(server, site, "printers", "ep-p2").status == 200
    refused(delete(server, site, "printers", "ep-p2"), 404, "unknown_printer")


def wait_printed(server: ServerProcess, site: str, ticket: int) -> dict[str, Any]:
    deadline = time.monotonic() + 10  # a guard against a hang, not a measurement
    while True:
        events = server.request("GET", f"/api/sites/{site}/events?since=0&limit=5000",
                                ADMIN).body["events"]
        found = [e for e in events if e["kind"] == "printed" and e["ticket"] == ticket]
        if found:
            return found[0]  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, "the ticket was never printed"
        time.sleep(0.05)


def test_reports_still_cover_a_desk_removed_today(server: ServerProcess, site: str) -> None:
    assert put(server, site, "services", "pension", PENSION).status == 200
    assert put(server, site, "counters", f"{site}-c9",
               {"name": "年金", "number": 9, "services": ["pension"]}).status == 200
    ticket = server.issue(site, ["pension"]).body
    called = server.request("POST", f"/api/sites/{site}/counters/{site}-c9/call-next",
                            token(site, "staff1"), key=f"{site}-pension")
    assert called.status == 200, called.body
    assert server.act(site, ticket["id"], "start").status == 200
    assert server.act(site, ticket["id"], "finish", {"outcome": "consult_only"}).status == 200
    closed = server.request("POST", f"/api/sites/{site}/counters/{site}-c9/close",
                            token(site, "staff1"), {}, key=f"{site}-c9-close")
    assert closed.status == 200, closed.body
    assert delete(server, site, "counters", f"{site}-c9").status == 200
    assert delete(server, site, "services", "pension").status == 200
    for report in ("figures", "counters", "journeys", "waits", "wait-log", "staffing"):
        reply = server.request("GET", f"/api/reports/{report}?site={site}", ADMIN)
        assert reply.status == 200, (report, reply.body)
    live = server.request("GET", f"/api/reports/sites/{site}/live", ADMIN)
    assert live.status == 200, live.body


def test_an_administrators_new_target_wait_replaces_the_managers(
    server: ServerProcess, site: str
) -> None:
    manager = server.request("POST", f"/api/sites/{site}/settings", token(site, "manager"),
                             {"target_waits": {"job": 35, "career": 40}})
    assert manager.status == 200, manager.body
    desks = {s["id"]: s for s in config(server, site)["services"]}
    assert (desks["job"]["target_wait"], desks["job"]["target_wait_in_effect"]) == (20, 35)
    job = {"name": "職業相談・職業紹介", "organisation": "hellowork", "numbers": [1, 299],
           "target_wait": 25}
    assert put(server, site, "services", "job", job).status == 200
    desks = {s["id"]: s for s in config(server, site)["services"]}
    assert desks["job"]["target_wait_in_effect"] == 25  # the administrator's figure stands
    assert desks["career"]["target_wait_in_effect"] == 40  # the manager's other one stays
    read = server.request("GET", f"/api/sites/{site}/settings", token(site, "manager")).body
    assert read["target_waits"]["job"] == 25 and read["target_waits"]["career"] == 40


def test_a_desk_moved_onto_another_desks_band_shares_it_while_that_desk_has_live_tickets(
    server: ServerProcess, site: str
) -> None:
    welfare = server.issue(site, ["welfare"]).body
    assert welfare["label"] == "601"
    housing = {"name": "住居確保給付金", "organisation": "city", "numbers": [601, 699],
               "sensitive": True, "public_name": "相談窓口"}
    assert put(server, site, "services", "housing", housing).status == 200
    assert server.issue(site, ["housing"]).body["label"] == "602"  # one sequence, 601 skipped
    assert server.issue(site, ["welfare"]).body["label"] == "603"
    partly = refused(put(server, site, "services", "housing", {**housing, "numbers": [650, 750]}),
                     422, "invalid_field")
    assert "could both hand out number 650" in partly.body["message"]
