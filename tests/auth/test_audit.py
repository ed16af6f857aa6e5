"""The audit log: every staff and administrator action, refused ones too, and never a read;
stored with the change it records; only ever appended to."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.support import assert_error
from tests.auth.conftest import LogIn
from tests.auth.people import PASSWORD
from tests.harness import ADMIN, ServerProcess, token

Entry = dict[str, Any]


def newest(server: ServerProcess) -> int:
    return int(server.request("GET", "/api/audit?since=0&limit=1000", ADMIN).body["last"])


def entries_after(server: ServerProcess, seq: int, count: int) -> list[Entry]:
    """The rows after `seq`: exactly `count` of them. Reading the log stores first the rows
    still waiting for a commit (a refusal's), so every request answered before is in it."""
    found = server.request("GET", f"/api/audit?since={seq}", ADMIN).body["entries"]
    assert len(found) == count, [(e["action"], e["outcome"]) for e in found]
    return found  # type: ignore[no-any-return]


def summary(entry: Entry) -> tuple[Any, ...]:
    return (
        entry["actor"],
        entry["actor_kind"],
        entry["role"],
        entry["site"],
        entry["action"],
        entry["target"],
        entry["outcome"],
    )


def test_staff_actions_are_written_and_reads_are_not(
    auth_server: ServerProcess, people: LogIn
) -> None:
    staff = people("staff-a")
    issued = auth_server.request(
        "POST", "/api/sites/a/tickets", token("a", "kiosk"), {"services": ["career"]}
    )
    since = newest(auth_server)
    called = staff.request("POST", "/api/sites/a/counters/a-c4/call", {"ticket": issued.body["id"]})
    assert called.status == 200, called.body
    ticket_id = called.body["ticket"]["id"]
    for path in (
        "/api/sites/a/queues",
        "/api/sites/a/snapshot",
        "/api/sites/a/events",
        f"/api/tickets/{ticket_id}?counter=a-c4",  # a career visit: Hello Work's at a-c4 only
        "/api/session",
        "/api/me",
        "/api/sites",
    ):
        assert staff.request("GET", path).status == 200
    finished = auth_server.request(
        "POST",
        f"/api/tickets/{ticket_id}/finish",
        token("a", "staff1"),
        {"outcome": "consult_only", "counter": "a-c4"},
    )
    assert finished.status == 200, finished.body
    refused = staff.request("POST", "/api/sites/b/counters/b-c1/call-next", {})
    assert_error(refused, 403, "forbidden_site")
    forged = staff.request("POST", f"/api/tickets/{ticket_id}/recall", {}, csrf=False)
    assert_error(forged, 403, "csrf_failed")
    auth_server.request(
        "POST", "/api/sites/a/tickets", token("a", "kiosk"), {"services": ["job"]}
    )  # a kiosk is not staff: not written
    found = entries_after(auth_server, since, 4)
    assert [summary(e) for e in found] == [
        (
            "staff-a",
            "user",
            "staff",
            "a",
            "POST /api/sites/{site_id}/counters/{counter_id}/call",
            "counter:a-c4",
            200,
        ),
        (
            "a-staff1",
            "device",
            "staff",
            "a",
            "POST /api/tickets/{ticket_id}/finish",
            f"ticket:{ticket_id}",
            200,
        ),
        (
            "staff-a",
            "user",
            "staff",
            "b",
            "POST /api/sites/{site_id}/counters/{counter_id}/call-next",
            "counter:b-c1",
            403,
        ),
        (
            "staff-a",
            "user",
            "staff",
            "a",
            "POST /api/tickets/{ticket_id}/recall",
            f"ticket:{ticket_id}",
            403,
        ),
    ]
    assert found[0]["detail"] == {"body": {"ticket": ticket_id}}
    assert found[1]["detail"]["body"]["outcome"] == "consult_only"
    assert found[2]["detail"]["error"] == "forbidden_site"
    assert found[3]["detail"]["error"] == "csrf_failed"
    assert all(e["address"] == "127.0.0.1" for e in found)


def test_administrator_actions_are_written_without_secrets(
    auth_server: ServerProcess, people: LogIn
) -> None:
    admin = people("admin2")
    since = newest(auth_server)
    made = admin.request(
        "POST",
        "/api/accounts",
        {
            "username": "audited",
            "role": "staff",
            "site": "b",
            "organisations": ["city"],
            "password": PASSWORD,
        },
    )
    assert made.status == 201, made.body
    assert (
        admin.request(
            "POST", "/api/accounts/audited/password", {"password": "another secret"}
        ).status
        == 200
    )
    assert admin.request("POST", "/api/accounts/audited/disable", {}).status == 200
    pairing = auth_server.http.post(f"{auth_server.url}/api/pairing", timeout=30).json()
    approved = admin.request(
        "POST",
        "/api/pairing/approve",
        {"code": pairing["code"], "role": "kiosk", "site": "b", "name": "入口の発券機"},
    )
    device_id = approved.body["device"]["id"]
    assert admin.request("POST", f"/api/devices/{device_id}/revoke", {}).status == 200
    assert admin.request("POST", "/api/clock", {"advance_seconds": 0}).status == 200
    staff = people("staff-a")
    denied = staff.request("POST", "/api/accounts/staff-b/disable", {})
    assert_error(denied, 403, "forbidden_role")
    assert staff.request("DELETE", "/api/session").status == 200
    found = entries_after(auth_server, since, 9)
    actions = [summary(e)[4:] for e in found]
    assert actions[:5] == [  # each stored in the same transaction as its change
        ("account_created", "account:audited", 201),
        ("password_set", "account:audited", 200),
        ("account_disabled", "account:audited", 200),
        ("pairing_approved", f"device:{device_id}", 201),
        ("device_revoked", f"device:{device_id}", 200),
    ]
    # A call that changes no table (or is refused) is stored with the next commit, so it
    # may come after a later login or logout: its `at` tells when it happened.
    assert sorted(actions[5:], key=str) == sorted(
        [
            ("POST /api/clock", None, 200),
            ("login", "account:staff-a", 200),
            ("account_disabled", "account:staff-b", 403),
            ("logout", "account:staff-a", 200),
        ],
        key=str,
    )
    assert all(e["actor"] == "admin2" and e["actor_kind"] == "user" for e in found[:5])
    assert found[0]["detail"]["organisations"] == ["city"]
    assert found[3]["site"] == "b" and found[3]["detail"]["name"] == "入口の発券機"
    text = repr(found)
    assert PASSWORD not in text and "another secret" not in text and "'password'" not in text


def test_a_manager_reads_their_own_sites_log_and_staff_none(
    auth_server: ServerProcess, people: LogIn
) -> None:
    people("staff-b").request("POST", "/api/sites/b/counters/b-c4/pause", {})
    people("staff-a").request("POST", "/api/sites/a/counters/a-c4/pause", {})
    entries = people("manager-b").request("GET", "/api/audit?limit=1000").body["entries"]
    assert entries and {e["site"] for e in entries} == {"b"}
    assert_error(people("manager-b").request("GET", "/api/audit?site=a"), 403, "forbidden_site")
    assert_error(people("staff-a").request("GET", "/api/audit"), 403, "forbidden_role")
    assert_error(
        auth_server.request("GET", "/api/audit", token("a", "display")), 403, "forbidden_role"
    )
    for query in ("since=-1", "limit=0", "limit=1001", "since=x"):
        assert_error(auth_server.request("GET", f"/api/audit?{query}", ADMIN), 422, "invalid_field")


def test_the_log_refuses_updates_and_deletes(auth_server: ServerProcess) -> None:
    assert newest(auth_server) > 0
    db = sqlite3.connect(auth_server.db, timeout=10)
    try:
        for statement in ("UPDATE audit_log SET outcome = 200", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
    finally:
        db.close()


def test_an_actions_row_is_stored_with_it_and_survives_a_crash(
    own_server: Callable[..., ServerProcess],
) -> None:
    server = own_server()
    issued = server.request(
        "POST", "/api/sites/a/tickets", token("a", "kiosk"), {"services": ["job"]}
    )
    called = server.request(
        "POST", "/api/sites/a/counters/a-c1/call-next", token("a", "staff1"), {}, key="k1"
    )
    assert called.status == 200 and called.body["ticket"]["id"] == issued.body["id"]
    server.kill()  # kill -9 straight after the answer
    server.start()
    rows = server.request("GET", "/api/audit", ADMIN).body["entries"]
    assert [(e["actor"], e["action"], e["outcome"]) for e in rows] == [
        ("a-staff1", "POST /api/sites/{site_id}/counters/{counter_id}/call-next", 200)
    ]
