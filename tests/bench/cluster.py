"""A cluster on PostgreSQL and Redis against one process on SQLite, measured side by side.

    .venv/bin/python -m tests.bench.cluster [--processes 2] [--seconds 10] [--rate 550]
                                            [--calls 100] [--rounds 2]

Starts `--processes` server processes on a PostgreSQL database of their own
(tests/cluster/harness.py; PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379, as the
tests use them), then:

- issue, paced (the figures `issue_p99_ms`, `issue_p50_ms`, `issue_per_s`): 20 kiosks, each
  on its own kept-alive connection (http.client with TCP_NODELAY,
  tests/bench/server_load.Client), spread over the processes as an even load balancer
  would (`spread_kiosks`: with two processes, half the kiosks ask their site's owner and
  half the other process, which passes their tickets on to it), together offer `--rate`
  tickets a second for `--seconds` (after a second not counted), each on a fixed schedule
  of its own. A ticket's latency runs from the moment it was due to its answer, not from
  when it was sent: when the servers stall, the tickets that fell due meanwhile are charged
  the wait, as wrk2 measures (a client that waits for each answer before timing its next
  request leaves out exactly the slow moments: "coordinated omission"; `from_send_p99_ms`
  shows that figure for comparison).
  `issue_per_s` is the rate the servers kept, `rate_kept` false when it fell short of
  `rate_offered` (then the queue grows for the whole phase and the latency with it: the
  servers cannot carry that rate, and p99 says little more). `direct_p99_ms` and
  `passed_on_p99_ms` split the p99 between the kiosks asking their site's owner and those
  whose tickets another process passes on;
- issue, saturated (under `saturated`): the same kiosks issue back to back, each its next
  ticket as soon as the last is answered, for `--seconds`: the most the servers give
  (`issue_per_s`). Its latency is 20 kiosks queueing at that throughput (Little's law:
  mean latency = 20 / tickets a second, 31 ms at 650 a second), the latency at saturation,
  not at a given rate;
- call -> display: a display connected to one process, the calls made on another (the
  display's event travels through Redis): p99 from sending the call to the display's event;
- failover: `--rounds` rounds of 20 clients (tests/cluster/rounds.py) in which the owner of
  their site is killed (-9) or frozen (SIGSTOP) past its lease: the seconds until the site's
  next acknowledged ticket (the first its next owner issued), and the acknowledged tickets
  lost and numbers given twice; also the seconds until the first ticket asked for after the
  failure was acknowledged (`failover_first_asked_after_each_s`: it adds the time the
  clients, which ask the processes in turn, lose waiting on the failed one: 4 s timeouts).

The paced phase also gives the CPU used a ticket (`server_cpu_ms_per_ticket`; in the
cluster `postgresql_cpu_ms_per_ticket` too, the database's backends, which the SQLite process
does itself), and `cpu_ms_per_ticket` sets the two side by side: CPU drifts with the
machine's speed (the probe) but not with its spells of waiting, as latency does.

The kiosks are threads of this process, on the same two cores as the servers
(`client_cpu_ms_per_ticket`: about 0.3 ms). The same issue and call phases run against one
process on SQLite first (`sqlite_single_process`). The CPU probe (tests/bench/machine.py) and
the load average are taken before and after. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.bench.machine import cpu_probe_ms
from tests.bench.server_load import Client, cpu_seconds, pct, spread
from tests.cluster.harness import Cluster
from tests.cluster.rounds import Round
from tests.harness import ServerProcess, site_file, token
from tests.realtime.clients import RecordingClient

SITES = ["a", "b", "c", "d"]
CLIENTS = 20


# Numbers are never given twice while live, and every ticket of the bench stays waiting: the
# job desk, which the kiosks issue for, gets most of the 9,999 a site may number (two issue
# phases of 10 s at 1,000 a second over 4 sites need about 5,000 a site).
BANDS = {"[1, 299]": "[1, 5999]", "[401, 499]": "[6001, 6999]", "[301, 399]": "[7001, 7999]",
         "[601, 699]": "[8001, 8999]", "[701, 799]": "[9001, 9999]"}


def sites_text() -> str:
    """The test sites with wide numbering bands: the issue phase never goes round."""
    text = site_file(SITES)
    for narrow, wide in BANDS.items():
        text = text.replace(f"numbers = {narrow}", f"numbers = {wide}")
    return text


Record = tuple[float, float, float, int, int]  # due, sent, answered, status, kiosk
Kiosk = Callable[[int, Client, str, float], list[Record]]


def kiosk_site(n: int) -> str:
    return SITES[n % len(SITES)]


def spread_kiosks(urls: list[str], owners: dict[str, str]) -> list[str]:
    """The process each kiosk asks: each site's kiosks spread in turn over the processes, as
    a load balancer that spreads connections evenly would, whoever took which site at the
    start. With two processes: 10 of the 20 kiosks ask their site's owner and 10 the other
    process, and each process is asked by 10. (The sites a process owns start their turns
    one process further each, so that the fifth kiosk of each site does not all land on
    the owners.)"""
    starts = {}
    for url in urls:
        for i, site in enumerate(s for s in SITES if owners[s] == url):
            starts[site] = (urls.index(url) + i) % len(urls)
    return [urls[(starts[kiosk_site(n)] + n // len(SITES)) % len(urls)] for n in range(CLIENTS)]


def run_kiosks(urls: list[str], kiosk: Kiosk) -> tuple[list[Record], float, float]:
    """CLIENTS kiosk threads, each with its own kept-alive connection
    (tests/bench/server_load.Client: http.client with TCP_NODELAY, opened before the start)
    to one of `urls` in turn, issuing at one of the sites. `kiosk(n, client, path, t0)` runs
    from t0, a moment just after the start line, and returns a Record for each ticket. All
    the kiosks' records, t0, and this process's CPU seconds meanwhile."""
    records: list[Record] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)
    t0 = [0.0]

    def thread(n: int) -> None:
        site = kiosk_site(n)
        client = Client(urlsplit(urls[n % len(urls)]).port or 80, token(site, "kiosk"))
        client.connect()
        start.wait(60)
        try:
            mine = kiosk(n, client, f"/api/sites/{site}/tickets", t0[0])
        finally:
            client.close()
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    own = time.process_time()
    t0[0] = time.monotonic() + 0.05  # set before the start line lets the threads read it
    start.wait(60)
    for t in threads:
        t.join(600)
    return records, t0[0], time.process_time() - own


def paced_phase(urls: list[str], seconds: float, rate: float, warmup: float = 1.0,
                direct: set[int] | None = None) -> dict[str, Any]:
    """The kiosks together offer `rate` tickets a second for `warmup` + `seconds`: each sends
    on a fixed schedule of its own (every CLIENTS / rate seconds, the kiosks evenly staggered),
    and a ticket's latency counts from when it was due, not from when it was sent. A kiosk
    still waiting for an answer when its next ticket is due sends that one as soon as the
    answer comes, and the wait is charged to it (no coordinated omission, as wrk2 measures).
    Tickets due in the first `warmup` seconds are not counted. A kiosk that has fallen more
    than `seconds` behind at the end stops; what it had not sent is `unsent`. `direct`: the
    kiosks that ask their site's owner (the others' tickets are passed on to it)."""
    every = CLIENTS / rate

    def kiosk(n: int, client: Client, path: str, t0: float) -> list[Record]:
        mine = []
        end = t0 + warmup + seconds
        due = t0 + n * every / CLIENTS
        while due < end and time.monotonic() < end + seconds:
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            status, _, sent, done = client.post(path, {"services": ["job"]})
            mine.append((due, sent, done, status, n))
            due += every
        return mine

    records, t0, cpu = run_kiosks(urls, kiosk)
    counted = [r for r in records if r[0] >= t0 + warmup]
    ok = [r for r in counted if r[3] == 201]
    offered = round(rate * seconds)
    # The rate kept: the counted tickets answered, over the time from the first one's due
    # moment to the last answer (which comes after the window when the servers fall behind).
    took = max((r[2] for r in ok), default=t0 + warmup + seconds) - (t0 + warmup)
    achieved = len(ok) / max(took, seconds)
    split = {} if direct is None else {
        "direct_p99_ms": ms(pct(due_to_done([r for r in ok if r[4] in direct]), 99)),
        "passed_on_p99_ms": ms(pct(due_to_done([r for r in ok if r[4] not in direct]), 99))}
    return {**split, "issue_p99_ms": ms(pct(due_to_done(ok), 99)),
            "issue_p50_ms": ms(pct(due_to_done(ok), 50)),
            "issue_max_ms": ms(pct(due_to_done(ok), 100)),
            "issue_per_s": round(achieved, 1), "rate_offered": rate,
            "rate_kept": len(counted) >= offered - CLIENTS and achieved >= 0.97 * rate,
            "issued": len(ok), "sent": len(records),  # warm-up's included
            "unsent": max(0, offered - len(counted)),
            "errors": len(counted) - len(ok),
            # From the moment each was sent: what the same tickets show when queueing for
            # the kiosk's own connection is left out (coordinated omission, for comparison).
            "from_send_p99_ms": ms(pct([(r[2] - r[1]) * 1000 for r in ok], 99)),
            "sent_late_over_10_ms": sum(1 for r in ok if r[1] - r[0] > 0.010),
            "client_cpu_ms_per_ticket": round(cpu * 1000 / max(1, len(records)), 2)}


def saturated_phase(urls: list[str], seconds: float) -> dict[str, Any]:
    """The kiosks issue back to back for `seconds`, each its next ticket as soon as the last
    is answered: the most the servers give. The latency there is the queue of 20 kiosks
    at that throughput (Little's law: mean latency = 20 / tickets a second), not the latency
    at a given rate."""
    def kiosk(n: int, client: Client, path: str, t0: float) -> list[Record]:
        mine = []
        while time.monotonic() < t0 + seconds:
            status, _, sent, done = client.post(path, {"services": ["job"]})
            mine.append((sent, sent, done, status, n))
        return mine

    records, t0, cpu = run_kiosks(urls, kiosk)
    ok = [r for r in records if r[3] == 201]
    took = max((r[2] for r in records), default=t0 + seconds) - t0
    return {"issue_p99_ms": ms(pct(due_to_done(ok), 99)),
            "issue_p50_ms": ms(pct(due_to_done(ok), 50)),
            "issue_per_s": round(len(ok) / took, 1), "issued": len(ok),
            "errors": len(records) - len(ok),
            "client_cpu_ms_per_ticket": round(cpu * 1000 / max(1, len(records)), 2)}


def due_to_done(records: list[Record]) -> list[float]:
    return [(r[2] - r[0]) * 1000 for r in records]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def backends(database: str) -> set[int]:
    """The PostgreSQL server's processes serving `database` (their command line names it:
    "postgres: 15/main: user database address state")."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if line.startswith(b"postgres: ") and f" {database} ".encode() in line:
            found.add(int(entry.name))
    return found


def cpu_of(pids: set[int]) -> dict[int, float]:
    """Each live process's CPU seconds so far."""
    found = {}
    for pid in pids:
        try:
            found[pid] = cpu_seconds(pid)
        except OSError:  # gone
            continue
    return found


def issue_figures(urls: list[str], args: argparse.Namespace, servers: set[int],
                  direct: set[int] | None = None,
                  database: str | None = None) -> dict[str, Any]:
    """The paced phase (the figures), then the saturated one (under `saturated`). The paced
    phase also gives the CPU the server processes (`servers`) used for each ticket, and the
    PostgreSQL backends of `database` (those alive at its end; the server's shared processes,
    such as its WAL writer, are not counted): figures that drift with the machine's speed
    (the CPU probe) but not with its spells of waiting, as latency does."""
    pg = backends(database) if database else set()
    before = cpu_of(servers | pg)
    paced = paced_phase(urls, args.seconds, args.rate, direct=direct)
    pg |= backends(database) if database else set()
    after = cpu_of(servers | pg)
    tickets = max(1, paced["sent"])  # the CPU is taken over the warm-up too

    def used(pids: set[int]) -> float:
        return round(sum(after[p] - before.get(p, 0.0) for p in pids if p in after) * 1000
                     / tickets, 3)

    paced["server_cpu_ms_per_ticket"] = used(servers)
    if database:
        paced["postgresql_cpu_ms_per_ticket"] = used(pg)
    return {**paced, "saturated": saturated_phase(urls, args.seconds)}


def call_phase(display_url: str, call_url: str, calls: int) -> dict[str, Any]:
    """A display of site a connected to `display_url`; `calls` calls made, one at a time,
    through `call_url`: the time from sending each call until the display has it."""
    http = requests.Session()
    for _ in range(calls):
        http.post(f"{call_url}/api/sites/a/tickets", json={"services": ["career"]}, timeout=30,
                  headers={"Authorization": f"Bearer {token('a', 'kiosk')}",
                           "Idempotency-Key": uuid.uuid4().hex})
    display = RecordingClient(display_url, token("a", "display")).connect()
    display.wait_for_snapshots()
    delays: list[float] = []
    staff = {"Authorization": f"Bearer {token('a', 'staff2')}"}
    try:
        for n in range(calls):
            began = time.perf_counter()
            called = http.post(f"{call_url}/api/sites/a/counters/a-c4/call-next", timeout=30,
                               headers={**staff, "Idempotency-Key": uuid.uuid4().hex})
            assert called.status_code == 200, called.text
            display.wait_for_calls(n + 1, timeout=30)
            delays.append((time.perf_counter() - began) * 1000)
            ticket = called.json()["ticket"]["id"]
            http.post(f"{call_url}/api/tickets/{ticket}/cancel", json={}, timeout=30,
                      headers={**staff, "Idempotency-Key": uuid.uuid4().hex})
    finally:
        display.close()
        http.close()
    return {"call_to_display_p99_ms": round(spread(delays)["p99"], 1),
            "call_to_display_p50_ms": round(spread(delays)["p50"], 1), "calls": len(delays)}


def sqlite_figures(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    (work / "sqlite").mkdir()
    server = ServerProcess(work / "sqlite", SITES, sites_text=sites_text())
    server.init()
    server.start()
    try:
        assert server.proc is not None
        return {**issue_figures([server.url], args, {server.proc.pid}),
                **call_phase(server.url, server.url, args.calls)}
    finally:
        server.stop()


def cluster_figures(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    cluster = Cluster(work / "cluster", SITES, size=args.processes,
                      sites_text=sites_text()).start()
    try:
        urls = [p.url for p in cluster.processes]
        owners = cluster.owners()
        asked = spread_kiosks(urls, owners)
        direct = {n for n in range(CLIENTS) if asked[n] == owners[kiosk_site(n)]}
        figures = issue_figures(asked, args, {p.proc.pid for p in cluster.processes
                                             if p.proc is not None}, direct, cluster.name)
        owner = cluster.owner_of("a")
        others = cluster.others(owner)
        # The display on a process that neither owns the site nor is asked to call.
        display = others[-1]
        caller = others[0] if len(others) > 1 else owner
        figures.update(call_phase(display.url, caller.url, args.calls))
        figures["call_display_process"] = "not the owner, not the caller" if len(
            others) > 1 else "not the owner (the caller is the owner)"
        if args.rounds:
            figures.update(failover(cluster, args.rounds))
        return figures
    finally:
        cluster.stop()


def failover(cluster: Cluster, rounds: int) -> dict[str, Any]:
    times: list[float] = []
    asked: list[float] = []
    lost = duplicates = called_twice = acknowledged = 0
    for n in range(rounds):
        cluster.settle()  # the process back from the last round is handed its share first
        owner = cluster.owner_of("a")
        survivor = cluster.others(owner)[0]
        trial = Round(cluster, "a")
        if n % 2 == 0:
            times.append(trial.run(owner.kill))
        else:
            times.append(trial.run(lambda o=owner: cluster.freeze(o)))
        assert trial.first_asked_after is not None and trial.failed_at is not None
        asked.append(trial.first_asked_after - trial.failed_at)
        counts = trial.check(survivor)
        lost += counts["lost"]
        duplicates += counts["duplicates"]
        called_twice += counts["called_twice"]
        acknowledged += counts["acknowledged"]
        if n % 2 == 1:
            cluster.thaw(owner)
        else:
            owner.start()
    return {"failover_s": round(max(times), 2), "failover_each_s": [round(t, 2) for t in times],
            "failover_first_asked_after_each_s": [round(t, 2) for t in asked],
            "lost": lost, "duplicates": duplicates, "called_twice": called_twice,
            "failover_acknowledged": acknowledged}


def loadavg() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes (other work shares its cores)."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=550.0,
                   help="tickets a second the kiosks offer together in the paced phase")
    p.add_argument("--calls", type=int, default=100)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    result: dict[str, Any] = {"cpu_probe_ms_before": cpu_probe_ms(),
                              "loadavg_before": loadavg()}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        result["sqlite_single_process"] = sqlite_figures(work, args)
        result["postgresql_cluster"] = cluster_figures(work, args)
    result["cpu_probe_ms_after"] = cpu_probe_ms()
    result["loadavg_after"] = loadavg()
    cluster = result["postgresql_cluster"]
    for name in ("issue_p99_ms", "issue_p50_ms", "issue_per_s", "rate_offered", "rate_kept",
                 "call_to_display_p99_ms", "failover_s", "lost", "duplicates"):
        result[name] = cluster.get(name)
    result["saturated_issue_per_s"] = cluster["saturated"]["issue_per_s"]
    # CPU a ticket at the paced rate, the cluster's processes and its PostgreSQL backends
    # against the single SQLite process (which does its store's work itself), same run.
    single = result["sqlite_single_process"]["server_cpu_ms_per_ticket"]
    both = cluster["server_cpu_ms_per_ticket"] + cluster["postgresql_cpu_ms_per_ticket"]
    result["cpu_ms_per_ticket"] = {"sqlite_single_process": single,
                                   "cluster_with_postgresql": round(both, 3),
                                   "ratio": round(both / single, 2) if single else None}
    result["saturated_issue_p99_ms"] = cluster["saturated"]["issue_p99_ms"]
    result["targets"] = {"issue_p99_ms": 50, "issue_per_s": 500, "call_to_display_p99_ms": 50,
                         "failover_s": 5, "lost": 0, "duplicates": 0}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
