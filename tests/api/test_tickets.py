"""Issuing tickets over HTTP: one or several purposes, priority, language, people ahead."""

from __future__ import annotations

import pytest

from tests.api.support import all_waiting, journey, ok, ticket, waiting
from tests.harness import ServerProcess, token

pytestmark = pytest.mark.both_stores


def test_kiosk_issues_a_ticket_numbered_from_the_desks_band(server: ServerProcess,
                                                            site: str) -> None:
    body = ok(server.issue(site, ["job"]), 201)
    assert body["label"] == "1" and body["number"] == 1
    assert body["status"] == "waiting"
    assert body["site"] == site and body["site_name"] == f"テスト会場 {site}"
    assert body["desk"] == "職業相談・職業紹介" and body["desks"] == ["職業相談・職業紹介"]
    assert body["people_ahead"] == 0
    assert body["language"] == "ja"
    assert body["public_token"]
    assert "ticket" not in body and "priority" not in body  # a kiosk gets the visitor's view
    second = ok(server.issue(site, ["job"]), 201)
    career = ok(server.issue(site, ["career"]), 201)
    assert (second["label"], career["label"]) == ("2", "301")
    assert waiting(server, site, "job") == ["1", "2"]
    assert waiting(server, site, "career") == ["301"]


def test_people_ahead_counts_only_earlier_tickets_of_the_same_desk(server: ServerProcess,
                                                                   site: str) -> None:
    first = ok(server.issue(site, ["job"]), 201)
    ok(server.issue(site, ["career"]), 201)
    ok(server.issue(site, ["job"], priority=True), 201)
    last = ok(server.issue(site, ["job"]), 201)
    assert first["people_ahead"] == 0
    assert last["people_ahead"] == 2
    # Read again later, the first ticket still has nobody ahead and the last still two.
    assert ticket(server, site, first["id"])["people_ahead"] == 0
    assert ticket(server, site, last["id"])["people_ahead"] == 2


def test_a_visit_with_several_purposes_queues_for_the_first_desk(server: ServerProcess,
                                                                 module_site: str) -> None:
    site = module_site
    before = all_waiting(server, site)
    body = ok(server.issue(site, ["career", "job", "housing"]), 201)
    assert 301 <= body["number"] <= 399  # numbered from the first desk's band
    assert body["desk"] == "キャリア・カウンセリング"
    # The sensitive desk is named by its neutral public label, even to its own visitor.
    assert body["desks"] == ["キャリア・カウンセリング", "職業相談・職業紹介", "相談窓口"]
    staff_view = ticket(server, site, body["id"])
    assert staff_view["purposes"] == ["career", "job", "housing"]
    assert staff_view["purpose_index"] == 0 and staff_view["service"] == "career"
    after = all_waiting(server, site)
    assert after["career"] == before["career"] + [body["label"]]
    assert after["job"] == before["job"] and after["housing"] == before["housing"]


def test_priority_and_language_are_kept_and_shown_to_staff(server: ServerProcess,
                                                           module_site: str) -> None:
    site = module_site
    kiosk = ok(server.issue(site, ["search"], priority=True, language="en"), 201)
    assert kiosk["language"] == "en"
    assert "priority" not in kiosk
    staff_view = ticket(server, site, kiosk["id"])
    assert staff_view["priority"] is True and staff_view["language"] == "en"
    plain = ok(server.issue(site, ["search"]), 201)
    assert ticket(server, site, plain["id"])["priority"] is False


def test_staff_issuing_get_the_staff_view_too(server: ServerProcess, module_site: str) -> None:
    site = module_site
    reply = server.request("POST", f"/api/sites/{site}/tickets", token(site, "staff1"),
                           {"services": ["job"], "priority": True})
    body = ok(reply, 201)
    assert body["ticket"]["id"] == body["id"]
    assert body["ticket"]["priority"] is True
    assert body["ticket"]["status"] == "waiting"


def test_an_issue_without_idempotency_key_still_works(server: ServerProcess,
                                                      module_site: str) -> None:
    site = module_site
    reply = server.request("POST", f"/api/sites/{site}/tickets", token(site, "kiosk"),
                           {"services": ["career"]})
    body = ok(reply, 201)
    assert ticket(server, site, body["id"])["label"] == body["label"]


def test_a_ticket_read_back_carries_its_journey(server: ServerProcess, module_site: str) -> None:
    site = module_site
    issued = ok(server.issue(site, ["welfare", "job"]), 201)
    reply = ok(server.request("GET", f"/api/tickets/{issued['id']}", token(site, "staff1")))
    view, events = reply["ticket"], reply["journey"]
    assert view["id"] == issued["id"] and view["label"] == issued["label"]
    assert view["service_name"] == "生活・福祉の相談"  # staff see the real desk
    assert view["issued_at"].endswith("+09:00")  # shown in the site's time zone
    assert [e["kind"] for e in events] == ["issued"]
    assert events[0]["ticket"] == issued["id"]
    assert events[0]["data"]["purposes"] == ["welfare", "job"]
    assert events[0]["seq"] > 0
    assert journey(server, site, issued["id"]) == ["issued"]
