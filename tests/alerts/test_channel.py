"""Staff alerts over the API: raised by a kiosk, seen by staff, taken once, escalated when
nobody takes them, told to the kiosk that asked, and rebuilt from the log after a restart.

Requests and answers and the pushes: the app runs in the test process (tests/appclient.py)
over a site whose alerts escalate after one second."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gevent
import pytest

from server.services import services_of
from server.siteconfig import parse_sites
from server.tomlread import ConfigError
from tests.appclient import InProcessApp
from tests.harness import ServerProcess, site_file, token

SITE = "al"


@pytest.fixture(scope="module")
def initialised_alerts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    second_kiosk = (
        '\n[[sites.devices]]\nid = "al-kiosk2"\nrole = "kiosk"\n'
        'name = "発券機2"\ntoken = "token-al-kiosk2"\n'
    )
    text = site_file(
        [SITE, "other"],
        extra={SITE: 'alert_escalate_seconds = 1\nreception_counters = ["al-c1"]\n' + second_kiosk},
    )
    proc = ServerProcess(tmp_path_factory.mktemp("alerts-init"), [SITE, "other"], sites_text=text)
    proc.init()
    return proc.db


@pytest.fixture
def app(
    tmp_path_factory: pytest.TempPathFactory, initialised_alerts: Path
) -> Iterator[InProcessApp]:
    made = InProcessApp(tmp_path_factory.mktemp("alerts"), initialised_alerts)
    yield made
    made.close()


def wait_until(found: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Let the app's greenlets run until `found()` gives something."""
    with gevent.Timeout(timeout):
        while not (result := found()):
            gevent.sleep(0.01)
    return result


def received(client: Any, name: str, into: list[dict[str, Any]]) -> list[dict[str, Any]]:
    into.extend(m["args"][0] for m in client.get_received() if m["name"] == name)
    return into


def events_of(client: Any, kind: str, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for message in received(client, "events", []):
        seen.extend(e for e in message["events"] if e["kind"] == kind)
    return seen


def raise_alert(app: InProcessApp, body: dict[str, Any], device: str = "kiosk") -> Any:
    return app.request(
        "POST", f"/api/sites/{SITE}/alerts", token(SITE, device), body, key=uuid.uuid4().hex
    )


def take(
    app: InProcessApp, alert_id: str, staff: str = "staff1", counter: str | None = "al-c1"
) -> Any:
    return app.request(
        "POST",
        f"/api/sites/{SITE}/alerts/{alert_id}/take",
        token(SITE, staff),
        {"counter": counter} if counter else {},
        key=uuid.uuid4().hex,
    )


def snapshot_alerts(app: InProcessApp) -> dict[str, Any]:
    reply = app.request("GET", f"/api/sites/{SITE}/snapshot", token(SITE, "staff1"))
    assert reply.status == 200, reply.body
    return reply.body["alerts"]  # type: ignore[no-any-return]


def test_a_kiosk_call_reaches_staff_is_taken_once_and_the_kiosk_hears_it(app: InProcessApp) -> None:
    staff = app.socket(token(SITE, "staff2"))
    kiosk = app.socket(token(SITE, "kiosk"))
    ticket = app.issue(SITE, ["job"], priority=True).body
    staff.get_received()

    reply = raise_alert(app, {"kind": "need_help", "ticket": ticket["id"]})

    assert reply.status == 202, reply.body
    alert_id = reply.body["id"]
    [pushed] = events_of(staff, "staff_alert", [])
    assert pushed["data"] == {
        "alert": "need_help",
        "label": ticket["label"],
        "id": alert_id,
        "where": "発券機",
    }
    shown = snapshot_alerts(app)
    assert (shown["reception"], shown["escalate_after_s"]) == (["al-c1"], 1)
    [open_alert] = shown["open"]
    assert (open_alert["id"], open_alert["kind"], open_alert["label"], open_alert["where"]) == (
        alert_id,
        "need_help",
        ticket["label"],
        "発券機",
    )

    taken = take(app, alert_id)
    assert taken.status == 200, taken.body
    assert (taken.body["taken_by"], taken.body["alert"]) == ("al-staff1", "need_help")
    second = take(app, alert_id, staff="staff2")
    assert (second.status, second.error, second.body["staff"]) == (409, "alert_taken", "al-staff1")
    assert snapshot_alerts(app)["open"] == []
    [gone] = wait_until(lambda: events_of(staff, "alert_taken", []))
    assert (gone["data"]["id"], gone["staff"], gone["counter"]) == (alert_id, "al-staff1", "al-c1")
    told = wait_until(lambda: received(kiosk, "alert", []))
    assert told == [{"id": alert_id, "state": "taken", "alert": "need_help"}]


def test_only_the_kiosk_that_asked_hears_its_alert_was_taken(app: InProcessApp) -> None:
    other_kiosk = app.socket(token(SITE, "kiosk2"))
    display = app.socket(token(SITE, "display"))
    staff = app.socket(token(SITE, "staff1"))
    alert_id = raise_alert(app, {"kind": "call_staff"}).body["id"]
    assert take(app, alert_id, counter=None).status == 200
    wait_until(lambda: events_of(staff, "alert_taken", []))
    close = app.request("POST", f"/api/sites/{SITE}/close-day", token(SITE, "manager"))
    assert close.status == 200, close.body
    # Both hear the day's close, which was published after the alert's end.
    for screen in (other_kiosk, display):
        messages = wait_until(
            lambda s=screen: [  # type: ignore[misc]
                m
                for m in s.get_received()
                if m["name"] in ("events", "alert")
                and (
                    m["name"] == "alert"
                    or any(e["kind"] == "day_closed" for e in m["args"][0]["events"])
                )
            ]
        )
        assert [m["name"] for m in messages] == ["events"]
        assert not any(
            e["kind"].startswith("alert") or e["kind"] == "staff_alert"
            for m in messages
            for e in m["args"][0]["events"]
        )


def test_an_alert_nobody_takes_escalates_once(app: InProcessApp) -> None:
    staff = app.socket(token(SITE, "staff1"))
    alert_id = raise_alert(app, {"kind": "call_staff"}).body["id"]

    [escalated] = wait_until(lambda: events_of(staff, "alert_escalated", []))

    assert escalated["data"]["id"] == alert_id
    [shown] = snapshot_alerts(app)["open"]
    assert (shown["id"], shown["escalated"]) == (alert_id, True)
    live = app.request("GET", f"/api/reports/sites/{SITE}/live", token(SITE, "manager"))
    assert [a["id"] for a in live.body["alerts"]] == [alert_id]
    taken = take(app, alert_id)
    assert taken.status == 200 and taken.body["seconds"] >= 1


def test_bad_takes_are_refused_with_a_code(app: InProcessApp) -> None:
    assert take(app, "20260101-99").error == "unknown_alert"
    alert_id = raise_alert(app, {"kind": "call_staff"}).body["id"]
    assert take(app, alert_id, counter="nowhere").error == "unknown_counter"
    kiosk = app.request(
        "POST",
        f"/api/sites/{SITE}/alerts/{alert_id}/take",
        token(SITE, "kiosk"),
        {},
        key=uuid.uuid4().hex,
    )
    assert (kiosk.status, kiosk.error) == (403, "forbidden_role")
    elsewhere = app.request(
        "POST",
        f"/api/sites/{SITE}/alerts/{alert_id}/take",
        token("other", "staff1"),
        {},
        key=uuid.uuid4().hex,
    )
    assert (elsewhere.status, elsewhere.error) == (403, "forbidden_site")
    assert [a["id"] for a in snapshot_alerts(app)["open"]] == [alert_id]


def test_open_alerts_survive_a_restart_and_taken_ones_stay_taken(
    app: InProcessApp, tmp_path_factory: pytest.TempPathFactory
) -> None:
    first = raise_alert(app, {"kind": "call_staff"}).body["id"]
    second = raise_alert(app, {"kind": "call_staff"}).body["id"]
    assert take(app, first).status == 200
    engine = services_of(app.app).engine
    engine.load()  # what a restart does: the queues from the store
    assert [a["id"] for a in snapshot_alerts(app)["open"]] == [second]
    third = raise_alert(app, {"kind": "call_staff"}).body["id"]
    assert third not in (first, second)
    assert take(app, first).error == "alert_taken"


def test_the_reports_count_alerts_and_the_time_to_take_them(app: InProcessApp) -> None:
    ticket = app.issue(SITE, ["job"], priority=True).body
    helped = raise_alert(app, {"kind": "need_help", "ticket": ticket["id"]}).body["id"]
    raise_alert(app, {"kind": "call_staff"})
    assert take(app, helped).status == 200

    reply = app.request("GET", f"/api/reports/alerts?site={SITE}", token(SITE, "manager"))

    assert reply.status == 200, reply.body
    figures = reply.body["sites"][SITE]
    kinds = {row["kind"]: row for row in figures["kinds"]}
    assert {k: (r["raised"], r["taken"], r["open"]) for k, r in kinds.items()} == {
        "need_help": (1, 1, 0),
        "call_staff": (1, 0, 1),
    }
    took = kinds["need_help"]["take_seconds"]
    assert took["median"] is not None and 0 <= took["median"] == took["max"] < 60
    assert (figures["total"]["raised"], figures["total"]["taken"]) == (2, 1)
    csv = app.request("GET", f"/api/reports/alerts?site={SITE}&format=csv", token(SITE, "manager"))
    assert csv.status == 200 and "お手伝いが必要" in csv.body


def test_the_site_file_names_reception_counters_of_the_site_and_a_positive_escalation() -> None:
    good = parse_sites(
        site_file(
            [SITE],
            extra={SITE: 'alert_escalate_seconds = 30\nreception_counters = ["al-c1", "al-c2"]'},
        )
    )
    [site] = good.sites
    assert (site.reception, site.policy.alert_escalate_s) == (("al-c1", "al-c2"), 30)
    assert parse_sites(site_file([SITE])).sites[0].reception == ()
    for extra, words in (
        ('reception_counters = ["elsewhere-c1"]', "no counter"),
        ("alert_escalate_seconds = 0", "at least 1"),
    ):
        with pytest.raises(ConfigError, match=words):
            parse_sites(site_file([SITE], extra={SITE: extra}))


def test_the_days_close_ends_visitors_alerts_but_not_a_silent_displays(app: InProcessApp) -> None:
    staff = app.socket(token(SITE, "staff1"))
    asked = raise_alert(app, {"kind": "call_staff"}).body["id"]
    silent = app.request(
        "POST", "/api/displays/sound", token(SITE, "display"), {"sound": "blocked"}
    )
    assert silent.status == 200, silent.body
    wait_until(lambda: any(a["kind"] == "display_silent" for a in snapshot_alerts(app)["open"]))

    closed = app.request("POST", f"/api/sites/{SITE}/close-day", token(SITE, "manager"))

    assert closed.status == 200, closed.body
    assert [a["kind"] for a in snapshot_alerts(app)["open"]] == ["display_silent"]
    [cleared] = wait_until(lambda: events_of(staff, "alert_cleared", []))
    assert (cleared["data"]["id"], cleared["data"]["reason"]) == (asked, "day_closed")
    assert take(app, asked).error == "unknown_alert"
