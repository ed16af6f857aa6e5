"""Several real server processes on one PostgreSQL database with Redis: a cluster, for tests
and the benchmark."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests import pg
from tests.cluster.cut import Cuttable
from tests.harness import ADMIN, ServerProcess, eventually

REDIS = os.environ.get("MADOGUCHI_TEST_REDIS", "redis://127.0.0.1:6379/0")
LEASE_SECONDS = 2  # the shortest the settings allow: failover in the tests is quick


class Cluster:
    """`size` processes serving `site_ids` from one PostgreSQL database of their own."""

    def __init__(self, workdir: Path, site_ids: list[str], size: int = 2,
                 env: dict[str, str] | None = None, sites_text: str | None = None,
                 cuttable: bool = False, own_links: bool = False) -> None:
        """`cuttable`: the processes reach PostgreSQL and Redis through relays the test can
        cut (`database_link`, `redis_link`: tests/cluster/cut.py). `own_links`: each process
        reaches PostgreSQL through a relay of its own (`links[n]`), to cut one process off."""
        self.name = pg.create_database()
        self.database = pg.url(self.name)
        redis = REDIS
        self.database_link: Cuttable | None = None
        self.redis_link: Cuttable | None = None
        if cuttable:
            db = urlsplit(self.database)
            self.database_link = Cuttable((db.hostname or "127.0.0.1", db.port or 5432))
            self.database = self.database.replace(f":{db.port}/",
                                                  f":{self.database_link.port}/")
            r = urlsplit(REDIS)
            self.redis_link = Cuttable((r.hostname or "127.0.0.1", r.port or 6379))
            redis = REDIS.replace(f":{r.port}", f":{self.redis_link.port}")
        shared = {
            "MADOGUCHI_CLUSTER": "true",
            "MADOGUCHI_MESSAGE_QUEUE": redis,
            "MADOGUCHI_LEASE_SECONDS": str(LEASE_SECONDS),
            "MADOGUCHI_SECRET_KEY_FILE": str(workdir / "madoguchi.secret"),
            **(env or {}),
        }
        self.site_ids = list(site_ids)
        self.processes: list[ServerProcess] = []
        self.links: list[Cuttable] = []
        for n in range(size):
            folder = workdir / f"process{n}"
            folder.mkdir(parents=True)
            database = self.database
            if own_links:
                db = urlsplit(self.database)
                self.links.append(Cuttable((db.hostname or "127.0.0.1", db.port or 5432)))
                database = self.database.replace(f":{db.port}/", f":{self.links[-1].port}/")
            proc = ServerProcess(folder, site_ids, env=dict(shared), database=database,
                                 sites_text=sites_text)
            proc.env["MADOGUCHI_ADVERTISE_URL"] = proc.url
            self.processes.append(proc)

    def start(self, accounts: dict[str, list[str]] | None = None, password: str = "") -> Cluster:
        """`madoguchi init` (with `accounts`, as ServerProcess.init makes them), then every
        process, and the sites shared out among them."""
        self.processes[0].init(accounts, password)
        for proc in self.processes:
            proc.start()
            proc.env["MADOGUCHI_ADVERTISE_URL"] = proc.url  # it may have moved port
        self.settle()
        return self

    def alive(self) -> list[ServerProcess]:
        return [p for p in self.processes if p.proc is not None and p.proc.poll() is None]

    def spread(self, via: ServerProcess | None = None) -> dict[str, list[str]]:
        """process address -> the sites it serves (loaded and ready), for the live ones."""
        found = {}
        for proc in self.alive() if via is None else [via]:
            ready = proc.request("GET", "/api/ready")
            found[proc.url] = sorted(ready.body["sites"]) if ready.status == 200 else []
        return found

    def settle(self, timeout: float = 60) -> dict[str, list[str]]:
        """Wait until the live processes share the sites fairly (as server/cluster/member.py
        spreads them), each site served by the holder of its live lease; the spread."""
        deadline = time.monotonic() + timeout
        while True:
            spread = self.spread()
            owners = self.owners()
            counts = [len(sites) for sites in spread.values()]
            total = len(self.site_ids)
            fair = -(-total // len(spread))
            if (sorted(s for sites in spread.values() for s in sites) == sorted(self.site_ids)
                    and max(counts) <= fair and min(counts) >= total // len(spread)
                    and all(owners.get(s) == url for url, sites in spread.items()
                            for s in sites)):
                return spread
            if time.monotonic() > deadline:
                raise AssertionError(f"the sites were not shared out in {timeout} s: {spread}"
                                     f"\n{self.logs()}")
            time.sleep(0.1)

    def owners(self, via: ServerProcess | None = None) -> dict[str, str]:
        """site -> the address of the process holding its live lease."""
        asked = via or self.alive()[0]
        found = asked.request("GET", "/api/cluster", ADMIN)
        assert found.status == 200, found.body
        return {s["site"]: s["address"] for s in found.body["sites"] if s["live"]}

    def owner_of(self, site: str) -> ServerProcess:
        """The process holding the site's live lease (waited for while it moves)."""
        address = eventually(lambda: self.owners().get(site), timeout=30)
        assert address, f"nobody holds {site}'s lease\n{self.logs()}"
        return next(p for p in self.processes if p.url == address)

    def others(self, proc: ServerProcess) -> list[ServerProcess]:
        return [p for p in self.processes if p is not proc]

    def wait_for_owner(self, site: str, not_: ServerProcess, via: ServerProcess,
                       timeout: float = 30) -> ServerProcess:
        """The process that took `site` over from `not_` (asked through `via`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            address = self.owners(via).get(site)
            if address is not None and address != not_.url:
                taker = next(p for p in self.processes if p.url == address)
                ready = taker.request("GET", "/api/ready")
                if ready.status == 200 and site in ready.body["sites"]:  # loaded, serving
                    return taker
            time.sleep(0.1)
        raise AssertionError(f"nobody took {site} over from {not_.url} in {timeout} s")

    def freeze(self, proc: ServerProcess) -> None:
        assert proc.proc is not None
        proc.proc.send_signal(signal.SIGSTOP)

    def thaw(self, proc: ServerProcess) -> None:
        assert proc.proc is not None
        proc.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.proc is not None and proc.proc.poll() is None:
                proc.proc.send_signal(signal.SIGCONT)  # a frozen one could not stop
            proc.stop()
        for link in (self.database_link, self.redis_link, *self.links):
            if link is not None:
                link.close()
        pg.drop_database(self.name)

    def logs(self) -> str:
        return "\n".join(f"--- {p.url}\n{p.log.read_text()[-4000:]}" for p in self.processes
                         if p.log.exists())


def generation(number: int) -> int:
    """The id generation a ticket id or sequence number belongs to (server/store/leases)."""
    return number >> 24


def body_of(reply: Any) -> dict[str, Any]:
    return reply.body if isinstance(reply.body, dict) else {"text": reply.body}

