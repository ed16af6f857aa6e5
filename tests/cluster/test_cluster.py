"""Two real server processes on one PostgreSQL database, with Redis: any process can be asked,
pushes reach clients wherever they are connected, and a site survives the loss of its owner."""

from __future__ import annotations

import http.client
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
import socketio

from tests import pg
from tests.admin.test_config_api import PENSION, config, ids, put
from tests.auth.people import Person
from tests.cluster.harness import Cluster, eventually, generation
from tests.cluster.nginx import Nginx
from tests.cluster.rounds import Round
from tests.harness import ADMIN, ServerProcess, token
from tests.realtime.clients import RecordingClient
from tests.realtime.test_organisations import PersonClient

SITES = ["a", "b"]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for the module (its start costs seconds): the first test works at site b,
    the failover rounds at site a."""
    made = Cluster(tmp_path_factory.mktemp("cluster"), SITES, cuttable=True).start(
        {"root": ["--role", "admin", "--name", "管理 太郎"]}, PASSWORD)
    yield made
    made.stop()


def test_any_process_serves_any_site_and_pushes_reach_every_process(cluster: Cluster) -> None:
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    display = RecordingClient(other.url, token("b", "display")).connect()
    console = RecordingClient(owner.url, token("b", "staff1")).connect()
    try:
        display.wait_for_snapshots()
        console.wait_for_snapshots()
        issued = other.issue("b", ["job"])  # a kiosk pointed at the process that does not own
        assert issued.status == 201, issued.body
        assert issued.body["site"] == "b" and issued.body["label"] == "1"
        again = other.issue("b", ["job"])
        assert again.body["label"] == "2"
        called = other.call_next("b", "c1")  # a console on the other process, too
        assert called.status == 200, called.body
        shown = display.wait_for_calls(1)  # on the process that did not make the call
        assert [(c["label"], c["counter"]) for c in shown] == [("1", "b-c1")]
        console.wait_for(lambda c: any(e["kind"] == "called" for e in c.events()))
        seqs = [e["seq"] for e in display.events()]
        assert seqs == sorted(set(seqs)) and all(s > display.snapshots()[0]["seq"] for s in seqs)
        # A ticket's own address, asked of either process.
        for proc in cluster.processes:
            read = proc.request("GET", f"/api/tickets/{issued.body['id']}", ADMIN)
            assert read.status == 200 and read.body["ticket"]["status"] == "called", read.body
        # A display connecting to the non-owner with `since` gets what it missed, in order.
        since = display.snapshots()[0]["seq"]
        late = RecordingClient(other.url, token("b", "staff1")).connect(since=since)
        try:
            late.wait_for_snapshots()
            kinds = [e["kind"] for e in late.events() if e["kind"] != "counter_opened"]
            assert kinds == ["issued", "issued", "called"], kinds
        finally:
            late.close()
    finally:
        display.close()
        console.close()
    shown = other.cli("cluster")  # the command line says which process owns which site
    assert shown.returncode == 0, shown.stderr
    assert {line.split()[0]: line.split()[2] for line in shown.stdout.splitlines()} == (
        cluster.owners()), shown.stdout
    ready = [p.request("GET", "/api/ready") for p in cluster.processes]
    assert all(r.status == 200 for r in ready), [r.body for r in ready]
    assert sorted(s for r in ready for s in r.body["sites"]) == SITES


def let_go(proc: ServerProcess, site: str, counter: str) -> None:
    """The counter free and nobody waiting: what earlier tests left is cancelled."""
    while True:
        called = proc.call_next(site, counter)
        held = called.body.get("ticket")
        if called.status not in (200, 409) or not held:
            return
        held = held["id"] if isinstance(held, dict) else held
        assert proc.act(site, held, "cancel").status == 200


def console(person: Person, counter: str) -> PersonClient | None:
    """The person's console connected, or None if its process refused it."""
    client = PersonClient(person, counter)
    try:
        return client.open()
    except socketio.exceptions.ConnectionError:  # the login not read there yet
        client.close()
        return None


def test_every_screen_on_a_process_that_does_not_own_the_site_is_told_what_the_owner_tells(
        cluster: Cluster) -> None:
    """A commit's events reach the other processes as one push, which each shows to the rooms
    of its own clients (server/site_push.py): each kind of screen connected there is sent
    exactly the messages the same screen connected to the owner is: a Hello Work
    counsellor's console without the welfare desk's details, the welfare corner's display
    and a counter's own screen with their calls, the kiosk nothing of them."""
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    let_go(owner, "b", "c1")
    made = owner.request("POST", "/api/accounts", ADMIN, {
        "username": "b-hellowork", "role": "staff", "password": PASSWORD, "site": "b",
        "organisations": ["hellowork"]})
    assert made.status == 201, made.body
    pairs: dict[str, list[RecordingClient]] = {}
    for device in ("staff3", "manager", "display", "display-welfare", "display-c1", "kiosk"):
        pairs[device] = [RecordingClient(p.url, token("b", device)).connect()
                         for p in (owner, other)]
    people = [Person(p) for p in (owner, other)]
    assert people[0].login("b-hellowork", PASSWORD).status == 200
    people[1].http.cookies.update(people[0].http.cookies)  # one browser, either process
    pairs["hellowork"] = []
    for person in people:  # the other process reads the new login within a second
        opened = eventually(lambda p=person: console(p, "b-c1"))
        assert opened is not None
        pairs["hellowork"].append(opened)
    try:
        for clients in pairs.values():
            for client in clients:
                client.wait_for_snapshots()
        welfare = other.issue("b", ["welfare"])
        job = owner.issue("b", ["job"])
        assert welfare.status == job.status == 201, (welfare.body, job.body)
        assert other.call_next("b", "c3", staff="staff3").status == 200
        assert other.call_next("b", "c1").status == 200
        last = pairs["manager"][0].wait_for_event(
            lambda e: e["kind"] == "called" and e["ticket"] == job.body["id"])["seq"]
        done = {device: (lambda c, last=last: max(c.seqs()) >= last) for device in pairs}
        done["display-welfare"] = lambda c: any(
            e["label"] == welfare.body["label"] for e in c.events("called"))
        done["kiosk"] = lambda c: True  # it is told nothing of these
        for device, (at_owner, elsewhere) in pairs.items():
            at_owner.wait_for(done[device])
            elsewhere.wait_for(lambda c, twin=at_owner: c.batches() == twin.batches())
        hellowork = pairs["hellowork"][1].events()
        welfare_seen = [e for e in hellowork if e["ticket"] == welfare.body["id"]]
        assert welfare_seen and all(e["counter"] is None and not e["data"]
                                    for e in welfare_seen), welfare_seen
        assert any(e["ticket"] == welfare.body["id"] and e["counter"] == "b-c3"
                   for e in pairs["staff3"][1].events("called"))
        assert [e["label"] for e in pairs["display-welfare"][1].events("called")][-1:] == [
            welfare.body["label"]]
        assert all(e.get("counter") != "b-c3" for e in pairs["display"][1].events())
        assert [e["label"] for e in pairs["display-c1"][1].events("called")][-1:] == [
            job.body["label"]]
        assert pairs["kiosk"][1].batches() == []
    finally:
        for clients in pairs.values():
            for client in clients:
                client.close()
        for person in people:
            person.close()


def test_a_desk_made_sensitive_live_is_kept_from_every_processs_displays(
        cluster: Cluster) -> None:
    """An administrator makes a desk sensitive through the site's owner. Another process
    knows the site as it was when it started (until it takes the site over), so it must not
    decide what a display may see: a display connected to it is told what one connected to
    the owner is, nothing of the desk's visitors queueing."""
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    search = next(s for s in config(owner, "b")["services"] if s["id"] == "search")
    fields = {k: search[k] for k in ("organisation", "numbers", "target_wait")}
    fields["name"] = search["staff_name"]
    made = put(owner, "b", "services", "search",
               {**fields, "sensitive": True, "public_name": "相談窓口"})
    assert made.status == 200, made.body
    displays = [RecordingClient(p.url, token("b", "display")).connect() for p in (owner, other)]
    try:
        for display in displays:
            display.wait_for_snapshots()
            display.clear()
        assert other.issue("b", ["search"]).status == 201
        assert other.issue("b", ["job"]).status == 201
        displays[0].wait_for(lambda c: bool(c.events("issued")))

        def told(client: RecordingClient) -> list[dict[str, Any]]:
            return [batch for batch in client.batches() if batch["events"]]

        # The same events; the estimates the owner sends after them on their own (events
        # [], in the background) may land between the two displays' clear(), so each
        # message the other's display has, the owner's has too.
        displays[1].wait_for(lambda c: told(c) == told(displays[0]))
        displays[0].wait_for(
            lambda c: all(batch in c.batches() for batch in displays[1].batches()))
        assert len(displays[1].events("issued")) == 1  # the job desk's visitor only
    finally:
        for display in displays:
            display.close()


def test_the_owner_sees_the_visitors_address_and_a_client_cannot_claim_another(
        cluster: Cluster) -> None:
    """A request passed on to the site's owner is audited (and throttled) with the address of
    the visitor who made it, carried signed between the processes; the same header from a
    client is not believed."""
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    last = audit_after(owner, 0)[1]
    spoofed = {"X-Madoguchi-Client": "203.0.113.7", "X-Madoguchi-Client-Signature": "0" * 64}
    for proc in (other, owner):  # passed on to the owner; straight to the owner
        port = urlsplit(proc.url).port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                          source_address=("127.0.0.2", 0))  # the visitor
        try:
            conn.request("POST", "/api/sites/b/counters/b-c2/call-next", body=b"{}", headers={
                "Authorization": f"Bearer {token('b', 'staff2')}", **spoofed,
                "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
            answer = conn.getresponse()
            assert answer.status in (200, 409), answer.read()  # nobody waiting: 409
        finally:
            conn.close()
    free(owner, "b", "c2", "staff2")  # as the other tests of the module expect it
    entries = [e for e in audit_after(owner, last)[0]
               if e["action"] and "call" in e["action"] and e["site"] == "b"]
    assert [e["address"] for e in entries] == ["127.0.0.2", "127.0.0.2"], entries


def audit_after(proc: ServerProcess, since: int) -> tuple[list[dict[str, object]], int]:
    """Every audit entry after `since`, and the newest number."""
    found: list[dict[str, object]] = []
    while True:
        page = proc.request("GET", f"/api/audit?since={since}&limit=1000", ADMIN).body
        found.extend(page["entries"])
        if not page["entries"]:
            return found, since
        since = page["last"]


def test_a_phone_asking_either_process_sees_its_place_and_estimate(cluster: Cluster) -> None:
    """The phone page of a ticket of a site owned by the other process shows what its owner
    knows: the place and the estimate (the process asked holds no queue for the site)."""
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    issued = other.issue("b", ["career"])
    assert issued.status == 201, issued.body
    path = urlsplit(issued.body["status_url"]).path
    shown = [proc.request("GET", f"{path}/status").body for proc in (owner, other)]
    assert shown[0]["ahead"] is not None and shown[0]["estimate"] is not None, shown
    assert shown[1] == shown[0]
    page = other.request("GET", path)
    assert page.status == 200 and shown[0]["ahead_text"] in page.body
    cancelled = owner.request("POST", f"/api/tickets/{issued.body['id']}/cancel",
                              token("b", "staff1"), {}, key=uuid.uuid4().hex)
    assert cancelled.status == 200, cancelled.body  # no one left waiting for the next test


def test_the_admin_page_shows_which_process_serves_which_site(cluster: Cluster) -> None:
    """An administrator's admin page, asked of either process, lists every site with the
    process that owns it and its address, as the leases have them. (On a machine loaded far
    beyond a real server's, a lease can lapse and move while the page is made: the page then
    says 切り替え中 for that site, and it is read again once the sites have settled.)"""
    for proc in cluster.alive():
        deadline = time.monotonic() + 60
        while True:
            cluster.settle()
            owners = cluster.owners()
            page = admin_page(proc, "root", PASSWORD)
            assert page, proc.log.read_text()[-3000:]
            section = page[page.index('id="cluster"'):]
            section = section[:section.index("</section>")]
            rows = re.findall(r"<tr><td>([^<]+)</td>\s*<td><code>([^<]+)</code></td><td>([^<]+)"
                              r"</td>\s*<td>(\d+)</td><td>([^<]+)</td></tr>", section)
            moving = any(state == "切り替え中" for *_, state in rows)
            if not moving or time.monotonic() > deadline:
                break
        me = proc.request("GET", "/api/ready").body["process"]
        assert f"この画面を表示したプロセス: <code>{me}</code>" in section
        assert sorted((name, address, state) for name, _, address, _, state in rows) == sorted(
            (f"テスト会場 {site}", owners[site], "受け持ち中") for site in SITES), section


def admin_page(proc: ServerProcess, username: str, password: str) -> str | None:
    """The admin page once logged in, or None if the login was refused."""
    with requests.Session() as http:
        form = http.get(proc.url + "/admin/", timeout=30).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None, form
        http.post(proc.url + "/admin/login", timeout=30, data={
            "username": username, "password": password, "csrf_token": csrf[1]})
        page = http.get(proc.url + "/admin/", timeout=30).text
    return page if 'id="cluster"' in page else None


def test_the_shipped_nginx_configuration_serves_the_cluster(
        cluster: Cluster, tmp_path: Path) -> None:
    """Through deploy/nginx/madoguchi.conf: tickets, Socket.IO over WebSocket, and a process
    that went away."""
    proxy = Nginx(tmp_path, cluster.processes).start()
    try:
        kiosk = requests.post(f"{proxy.url}/api/sites/b/tickets", json={"services": ["career"]},
                              headers={"Authorization": f"Bearer {token('b', 'kiosk')}",
                                       "Idempotency-Key": uuid.uuid4().hex}, timeout=30)
        assert kiosk.status_code == 201, kiosk.text
        display = RecordingClient(proxy.url, token("b", "display")).connect()
        try:
            display.wait_for_snapshots()
            called = requests.post(
                f"{proxy.url}/api/sites/b/counters/b-c4/call-next",
                headers={"Authorization": f"Bearer {token('b', 'staff1')}",
                         "Idempotency-Key": uuid.uuid4().hex}, timeout=30)
            assert called.status_code == 200, called.text
            assert display.wait_for_calls(1)[0]["label"] == kiosk.json()["label"]
        finally:
            display.close()
        assert requests.get(f"{proxy.url}/api/ready", timeout=30).status_code == 200
    finally:
        proxy.stop()


def test_with_redis_lost_tickets_go_on_and_clients_catch_up_afterwards(cluster: Cluster) -> None:
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    assert cluster.redis_link is not None
    display = RecordingClient(other.url, token("b", "display")).connect()
    display.wait_for_snapshots()
    cluster.redis_link.cut()
    try:
        issued = other.issue("b", ["job"])  # through the non-owner, to the owner
        assert issued.status == 201, issued.body
        called = other.call_next("b", "c2", staff="staff2")
        assert called.status == 200, called.body
    finally:
        cluster.redis_link.mend()
    # The display may have missed the push: connecting again, it catches up by number.
    since = display.last_seq
    display.close()
    again = RecordingClient(other.url, token("b", "display")).connect(since=since)
    try:
        label = called.body["ticket"]["label"]
        again.wait_for(lambda c: any(e.get("label") == label for e in c.events("called")),
                       timeout=30)
    finally:
        again.close()


def test_pushes_through_redis_come_back_within_seconds_of_redis_returning(
        cluster: Cluster) -> None:
    """Redis lost long enough for the listeners to fail three times (python-socketio's own
    back-off had then reached 8 s, up to a minute later): they listen again within a couple
    of seconds of Redis coming back, and a display left connected to the process that does
    not own its site gets the next call."""
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    assert cluster.redis_link is not None
    display = RecordingClient(other.url, token("b", "display")).connect()
    try:
        display.wait_for_snapshots()
        lost, back = "cannot receive from Redis", "listening to Redis again"
        before = other.log.read_text().count(back)
        cluster.redis_link.cut()
        try:
            failures = other.log.read_text().count(lost)
            assert eventually(lambda: other.log.read_text().count(lost) >= failures + 3)
        finally:
            cluster.redis_link.mend()
        mended = time.monotonic()
        assert eventually(lambda: other.log.read_text().count(back) > before, timeout=10)
        assert time.monotonic() - mended < 5
        free(owner, "b", "c4", "staff1")
        assert owner.issue("b", ["career"]).status == 201
        called = owner.call_next("b", "c4", staff="staff1")
        assert called.status == 200, called.body
        label = called.body["ticket"]["label"]
        display.wait_for(lambda c: any(e.get("label") == label for e in c.events("called")),
                         timeout=10)
    finally:
        display.close()
    free(owner, "b", "c4", "staff1")  # as the other tests of the module expect it


def free(proc: ServerProcess, site: str, counter: str, staff: str) -> None:
    """Cancel the ticket a counter holds (left so by an earlier test)."""
    found = proc.request("GET", f"/api/sites/{site}/counters", token(site, staff))
    for held in [c["ticket"] for c in found.body["counters"]
                 if c["id"] == f"{site}-{counter}" and c["ticket"]]:
        proc.request("POST", f"/api/tickets/{held['id']}/cancel", token(site, staff), {},
                     key=uuid.uuid4().hex)


def test_with_the_database_lost_changes_are_refused_503_and_service_comes_back_by_itself(
        cluster: Cluster) -> None:
    owner = cluster.owner_of("b")
    other = cluster.others(owner)[0]
    assert cluster.database_link is not None
    before = owner.issue("b", ["job"])
    assert before.status == 201
    cluster.database_link.cut()
    try:
        for proc in (owner, other):
            refused = proc.issue("b", ["job"], key="lost-" + proc.url)
            assert refused.status == 503, refused.body  # never acknowledged without a commit
            assert refused.body["error"] in ("store_unavailable", "site_moving"), refused.body
        assert owner.request("GET", "/api/ready").status == 503
    finally:
        cluster.database_link.mend()
    deadline = time.monotonic() + 60
    answer = owner.issue("b", ["job"], key="lost-" + owner.url)
    while answer.status != 201 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = owner.issue("b", ["job"], key="lost-" + owner.url)
    assert answer.status == 201, (answer.body, cluster.logs())
    assert int(answer.body["label"]) == int(before.body["label"]) + 1  # nothing half-stored
    for proc in cluster.processes:
        ready = proc.request("GET", "/api/ready")
        while ready.status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            ready = proc.request("GET", "/api/ready")
        assert ready.status == 200, ready.body


def test_kill_9_then_sigstop_of_the_owner_loses_nothing_and_the_frozen_one_commits_nothing(
        cluster: Cluster) -> None:
    """20 clients through both processes; the owner of their site is killed; then the new
    owner is frozen past its lease and woken. Every acknowledged ticket stays, no number
    twice, no ticket called twice, and the frozen process stores nothing once awake."""
    owner = cluster.owner_of("a")
    survivor = cluster.others(owner)[0]
    killed = Round(cluster, "a")
    recovery = killed.run(owner.kill)
    took = cluster.wait_for_owner("a", not_=owner, via=survivor)
    assert took is survivor
    counts = killed.check(survivor)
    assert counts["lost"] == counts["duplicates"] == counts["called_twice"] == 0, counts
    assert recovery < 30, recovery  # a bound on a loaded machine: tests/bench/cluster.py times it
    print(f"kill -9: served again after {recovery:.2f} s; {counts}")

    owner.start()  # back, as a process without sites: the survivor hands it its share
    cluster.settle()
    frozen = cluster.owner_of("a")  # and the owner of site a is frozen
    waker = cluster.others(frozen)[0]
    stopped = Round(cluster, "a")
    try:
        recovery = stopped.run(lambda: cluster.freeze(frozen))
        assert cluster.wait_for_owner("a", not_=frozen, via=waker) is waker
    except BaseException:
        cluster.thaw(frozen)  # left frozen, it would fail the module's later tests too
        raise
    # Everything numbered below the waker's newest generation was stored before it took over
    # (every number the frozen process could use is below it): that must not grow.
    threshold = generation(waker.request("GET", "/api/ready").body["seq"]) << 24
    before = stored_below(threshold, waker)
    late: list[object] = []

    def issue_at_frozen() -> None:
        try:  # on a new connection (the kept one may have gone stale while it slept)
            reply = requests.post(f"{frozen.url}/api/sites/a/tickets", json={"services": ["job"]},
                                  headers={"Authorization": f"Bearer {token('a', 'kiosk')}",
                                           "Idempotency-Key": uuid.uuid4().hex}, timeout=60)
            late.append(reply.status_code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            late.append(exc)

    pending = threading.Thread(target=issue_at_frozen)
    pending.start()  # waits in the frozen process's socket for it to wake
    cluster.thaw(frozen)
    pending.join(60)
    assert late and late[0] in (201, 503), late
    assert eventually(lambda: frozen.request("GET", "/api/ready").status == 200)
    # Served by the new owner, through it (a 503 `site_moving` while it finds the owner is
    # asked again, as a kiosk would, with the same key).
    key = uuid.uuid4().hex
    assert eventually(lambda: frozen.issue("a", ["job"], key=key).status == 201)
    assert stored_below(threshold, waker) == before
    counts = stopped.check(waker)
    assert counts["lost"] == counts["duplicates"] == counts["called_twice"] == 0, counts
    assert recovery < 30, recovery  # a bound on a loaded machine: tests/bench/cluster.py times it


def test_a_site_taken_over_is_served_with_the_changes_made_to_it_live(cluster: Cluster) -> None:
    """An administrator adds a desk at site b through its owner, which is then killed: the
    process that takes b over serves it with the desk (it knew the site as it was when it
    started), and the next change builds on it."""
    owner = cluster.owner_of("b")
    survivor = cluster.others(owner)[0]
    assert put(owner, "b", "services", "pension", PENSION).status == 200
    assert owner.issue("b", ["pension"]).body["label"] == "N1"
    owner.kill()
    assert cluster.wait_for_owner("b", not_=owner, via=survivor) is survivor
    issued = survivor.issue("b", ["pension"])
    assert issued.status == 201 and issued.body["label"] == "N2", issued.body
    counter = {"name": "年金", "number": 9, "services": ["pension"]}
    assert put(survivor, "b", "counters", "b-c9", counter).status == 200
    assert ids(config(survivor, "b")["services"])[-1] == "pension"
    called = survivor.call_next("b", "c9")
    assert called.status == 200 and called.body["ticket"]["label"] == "N1", called.body
    owner.start()  # back, as the other tests of the module expect it
    cluster.settle()


def stored_below(threshold: int, via: ServerProcess) -> dict[str, int]:
    """How many events of each site are numbered below `threshold`."""
    counts = {}
    for site in SITES:
        log = via.request("GET", f"/api/sites/{site}/events?since=0&limit=5000", ADMIN)
        counts[site] = sum(1 for e in log.body["events"] if e["seq"] < threshold)
    return counts


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A cluster of its own, for a test after which its processes refuse every change (the
    module's cluster is shared by tests that pytest-xdist may run in any order)."""
    made = Cluster(tmp_path / "cluster", SITES, cuttable=True).start()
    yield made
    made.stop()


def test_a_schema_upgraded_under_running_processes_is_refused_clearly(
    own_cluster: Cluster,
) -> None:
    """A newer version's migration as the running processes see it: changes refused 503
    `schema_changed`, not ready; and a process of this version will not start on it."""
    cluster = own_cluster
    with psycopg.connect(pg.url(cluster.name).replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    alive = [p for p in cluster.processes if p.proc is not None and p.proc.poll() is None]
    deadline = time.monotonic() + 30
    for proc in alive:
        answer = proc.issue("a", ["job"])
        while answer.status == 201 and time.monotonic() < deadline:
            time.sleep(0.2)
            answer = proc.issue("a", ["job"])
        assert answer.status == 503 and answer.body["error"] in (
            "schema_changed", "site_moving"), answer.body
        assert eventually(lambda p=proc: p.request("GET", "/api/ready").status == 503)
    owner_answer = cluster.owner_of("a").issue("a", ["job"])
    assert owner_answer.body["error"] == "schema_changed", owner_answer.body
    started = alive[0].cli("serve", "--port", "1")
    assert started.returncode == 1 and "newer version of madoguchi" in started.stderr, (
        started.stderr)
