"""Each organisation's staff, live: a Hello Work console's Socket.IO snapshot and pushes carry
the city's welfare stage of a visit only as 「他の窓口」 (no number, counter, staff or note)
until the visit is sent to a Hello Work desk; a counter serving both organisations' desks sees
what it serves. People log in with a password and their console names its counter."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.auth.people import PASSWORD, Person
from tests.harness import ADMIN, ServerProcess
from tests.realtime.clients import RecordingClient, newest_seq

NOTE = "家賃の支払いが難しいとのこと。求人の紹介を希望"
WELFARE_WORDS = ("生活・福祉", "住居確保給付金", "welfare", "housing", NOTE)


class PersonClient(RecordingClient):
    """A console of a person logged in with a password: the login cookie goes with the
    handshake, and `auth.counter` names the counter the console works."""

    def __init__(self, person: Person, counter: str | None) -> None:
        super().__init__(person.server.url, "")
        self.person = person
        self.counter = counter
        self.sio.on("print", lambda data: self._record("print", data))

    def prints(self) -> list[dict[str, Any]]:
        with self._changed:
            return [data for name, data in self.messages if name == "print"]

    def auth(self) -> dict[str, Any]:
        auth: dict[str, Any] = {} if self.counter is None else {"counter": self.counter}
        if self.last_seq is not None:
            auth["since"] = self.last_seq
        return auth

    def open(self, since: int | None = None) -> PersonClient:
        auth = self.auth() if since is None else {**self.auth(), "since": since}
        self.sio.connect(self.url, auth=auth, transports=["websocket"],
                         headers={"Cookie": self.person.cookie_header()}, wait_timeout=10)
        return self


Console = Callable[..., PersonClient]


@pytest.fixture
def console(server: ServerProcess, site: str) -> Iterator[Console]:
    """`console(organisations, counter)`: a member of staff of `site` made for the test, logged
    in, their console connected and its first snapshot in."""
    opened: list[PersonClient] = []

    def open_console(organisations: list[str], counter: str | None,
                     since: int | None = None, role: str = "staff") -> PersonClient:
        username = f"{site}-{role}-{'-'.join(organisations)}-{len(opened)}"
        made = server.request("POST", "/api/accounts", ADMIN, {
            "username": username, "role": role, "password": PASSWORD, "site": site,
            "organisations": organisations})
        assert made.status == 201, made.body
        person = Person(server)
        assert person.login(username).status == 200
        client = PersonClient(person, None if counter is None else f"{site}-{counter}")
        opened.append(client)
        client.open(since)
        client.wait_for_snapshots()
        return client

    yield open_console
    for client in opened:
        client.close()
        client.person.close()


def tickets_in(value: Any) -> list[dict[str, Any]]:
    """Every ticket view (anything with a label and a status) inside `value`."""
    if isinstance(value, dict):
        found = [value] if "label" in value and "status" in value else []
        return found + [t for v in value.values() for t in tickets_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in tickets_in(v)]
    return []


def desk_entry(snapshot: dict[str, Any], desk: str) -> dict[str, Any]:
    return next(s for s in snapshot["services"] if s["id"] == desk)


def visit_payloads(client: RecordingClient) -> str:
    """What the client was told of visits, as text: the tickets' events, and the snapshots'
    tickets (the desks and counters themselves are the site's, known to every console)."""
    told = [[e for e in client.events() if e["ticket"] is not None],
            *(tickets_in(s) for s in client.snapshots())]
    return json.dumps(told, ensure_ascii=False)


def test_a_hello_work_console_sees_the_welfare_stage_only_as_another_desk_until_sent_to_it(
        server: ServerProcess, site: str, console: Console) -> None:
    welfare = server.issue(site, ["welfare"]).body
    hellowork = console(["hellowork"], "c1")  # 職業相談: Hello Work's desk only
    city = console(["city"], "c3")  # 生活・福祉相談

    # The snapshot: the welfare queue's length, not its numbers.
    assert desk_entry(hellowork.snapshots()[0], "welfare")["waiting"] == []
    assert desk_entry(hellowork.snapshots()[0], "welfare")["waiting_count"] == 1
    assert [t["label"] for t in desk_entry(city.snapshots()[0], "welfare")["waiting"]] == [
        welfare["label"]]

    # The city calls its visitor: Hello Work hears only that another desk called someone.
    assert server.call_next(site, "c3", "staff3").status == 200
    told_city = city.wait_for_event(lambda e: e["kind"] == "called")
    told = hellowork.wait_for_event(lambda e: e["kind"] == "called")
    assert told_city["service"] == "welfare" and told_city["counter"] == f"{site}-c3"
    assert told_city["data"]["label"] == welfare["label"]
    assert told_city["data"]["counter_name"] == "生活・福祉相談"
    assert told == {"seq": told_city["seq"], "kind": "called", "site": site,
                    "at": told_city["at"], "ticket": welfare["id"], "stage": 0,
                    "service": "other", "counter": None, "staff": None, "data": {}}
    for word in (*WELFARE_WORDS, f'"{welfare["label"]}"'):
        assert word not in visit_payloads(hellowork), word
    assert not any(t["label"] == welfare["label"]
                   for t in tickets_in([data for _, data in hellowork.messages]))

    # A visit wholly the city's is not Hello Work's to read, even by its ticket id.
    path = f"/api/tickets/{welfare['id']}?counter={site}-c1"
    assert hellowork.person.request("GET", path).body["error"] == "unknown_ticket"
    assert city.person.request("GET", path.replace("-c1", "-c3")).status == 200

    # Sent on to Hello Work's desk: from then on it is theirs, its welfare stage still not.
    sent = server.act(site, welfare["id"], "transfer",
                      {"service": "job", "note": NOTE, "counter": f"{site}-c3"}, "staff3")
    assert sent.status == 200, sent.body
    told = hellowork.wait_for_event(lambda e: e["kind"] == "transferred")
    assert (told["service"], told["counter"]) == ("job", None)
    assert told["data"] == {"label": welfare["label"], "priority": False,
                            "from_service": "other", "note": NOTE}
    called = hellowork.person.request("POST", f"/api/sites/{site}/counters/{site}-c1/call-next")
    assert called.status == 200, called.body
    assert called.body["ticket"]["label"] == welfare["label"]
    assert called.body["ticket"]["purposes"] == ["other", "job"]
    assert called.body["ticket"]["transferred_from"] == "other"
    journey = hellowork.person.request("GET", path).body["journey"]
    assert [(e["kind"], e["service"]) for e in journey if e["kind"] != "printed"] == [
        ("issued", "other"), ("called", "other"), ("transferred", "job"), ("called", "job")]
    assert "生活・福祉" not in json.dumps(journey, ensure_ascii=False)
    told = hellowork.wait_for_event(lambda e: e["kind"] == "called" and e["service"] == "job")
    assert told["data"]["label"] == welfare["label"]
    assert told["counter"] == f"{site}-c1"
    assert "生活・福祉" not in visit_payloads(hellowork)

    # Reconnecting, the replay of what it missed is masked the same way.
    late = console(["hellowork"], "c1", since=told_city["seq"] - 1)
    replayed = [e for e in late.events() if e["ticket"] == welfare["id"]]
    assert [e["kind"] for e in replayed] == ["called", "transferred", "called"]
    assert replayed[0] == hellowork.events("called")[0]
    assert "生活・福祉" not in visit_payloads(late)
    # The city's console: its own stage in full, Hello Work's as another desk's.
    assert city.events("transferred")[0]["data"] == {
        "label": welfare["label"], "from_service": "welfare", "from_counter": f"{site}-c3"}
    told = city.wait_for_event(lambda e: e["kind"] == "called" and e["seq"] > told_city["seq"])
    assert (told["service"], told["counter"], told["data"]) == ("other", None, {})


def test_a_counter_serving_both_organisations_sees_the_desks_it_serves(
        server: ServerProcess, site: str, console: Console) -> None:
    career = server.issue(site, ["career"]).body  # the city's desk
    job = server.issue(site, ["job"]).body  # Hello Work's
    mixed = console(["hellowork"], "c2")  # 職業相談・キャリア: job and career
    elsewhere = console(["hellowork"], "c1")  # the same person's organisation, job only
    city_mixed = console(["city"], "c2")
    manager = console(["city"], None, role="manager")

    def waiting(client: RecordingClient, desk: str) -> list[tuple[str, str]]:
        return [(t["label"], t["service"])
                for t in desk_entry(client.snapshots()[-1], desk)["waiting"]]

    assert waiting(mixed, "career") == [(career["label"], "career")]
    assert waiting(mixed, "job") == [(job["label"], "job")]
    assert waiting(elsewhere, "career") == []
    assert waiting(city_mixed, "job") == [(job["label"], "job")]
    assert waiting(manager, "career") == [(career["label"], "career")]
    assert waiting(manager, "job") == []

    # Hello Work's member of staff at the mixed counter calls the career visitor (longest
    # waiting) and works it like any other.
    called = mixed.person.request("POST", f"/api/sites/{site}/counters/{site}-c2/call-next")
    assert called.status == 200, called.body
    assert (called.body["ticket"]["id"], called.body["ticket"]["service"]) == (
        career["id"], "career")
    told = mixed.wait_for_event(lambda e: e["kind"] == "called")
    assert (told["service"], told["counter"], told["data"]["label"]) == (
        "career", f"{site}-c2", career["label"])
    assert elsewhere.wait_for_event(lambda e: e["kind"] == "called")["service"] == "other"
    started = mixed.person.request("POST", f"/api/tickets/{career['id']}/start",
                                   {"counter": f"{site}-c2"})
    assert started.status == 200 and started.body["ticket"]["service"] == "career"
    assert mixed.wait_for_event(lambda e: e["kind"] == "started")["service"] == "career"
    journey = mixed.person.request("GET", f"/api/tickets/{career['id']}?counter={site}-c2")
    assert [e["service"] for e in journey.body["journey"]][:3] == ["career"] * 3


def test_a_console_naming_a_counter_the_site_has_not_is_refused(
        server: ServerProcess, site: str, console: Console) -> None:
    known = console(["hellowork"], "c1")
    stray = PersonClient(known.person, "no-such-counter")
    try:
        with pytest.raises(Exception):  # noqa: B017 - python-socketio's ConnectionError
            stray.open()
        assert stray.errors and "unknown_counter" in json.dumps(stray.errors)
    finally:
        stray.close()
    assert newest_seq(server, site) == 0  # nothing happened at the site
    reply = known.person.request("GET", f"/api/sites/{site}/snapshot?counter=nope")
    assert (reply.status, reply.body["error"]) == (404, "unknown_counter")
