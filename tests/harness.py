"""Test harness: a real madoguchi server (gevent) in a subprocess, on a free port.

`ServerProcess` runs `madoguchi init` then `madoguchi serve` against a temporary SQLite file
and a generated site file whose device tokens are known, so tests can act as a kiosk, a
counter, a display, a manager or an administrator.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import requests

from tests import forked

SERVICES = """\
[defaults]
timezone = "Asia/Tokyo"
day_starts_at = "04:00"
no_show = "requeue_once"
priority_ratio = [2, 1]
max_wait_boost_minutes = 60
appointments = { public = true }
outcomes = [
  { code = "consult_only", label = "相談のみ" },
  { code = "referral_issued", label = "紹介状発行" },
  { code = "referred_to_other_desk", label = "他窓口へ案内" },
  { code = "placement", label = "就職決定", placement = true },
]

[services.job]
staff_name = "職業相談・職業紹介"
organisation = "hellowork"
numbers = [1, 299]
target_wait = 20

[services.job.visitor]
ja = { label = "職業相談・職業紹介", description = "仕事の相談、求人の紹介" }
ja-easy = { label = "{仕事|しごと}の {相談|そうだん}" }
en = { label = "Job advice and referral" }
zh = { label = "就业咨询·职业介绍" }
ko = { label = "취업 상담·직업 소개" }
vi = { label = "Tư vấn và giới thiệu việc làm" }

[services.search]
staff_name = "求人検索"
visitor.ja = { label = "求人検索" }  # no other language: visitors of any see the Japanese
organisation = "hellowork"
numbers = [401, 499]
target_wait = 10

[services.career]
staff_name = "キャリア・カウンセリング"
organisation = "city"
numbers = [301, 399]
target_wait = 30

[services.career.visitor]
ja = { label = "キャリア・カウンセリング", description = "働き方をカウンセラーと考えます" }
ja-easy = { label = "{働|はたら}き{方|かた}の {相談|そうだん}" }
en = { label = "Career counselling" }
zh = { label = "职业规划咨询" }
ko = { label = "커리어 상담" }
vi = { label = "Tư vấn nghề nghiệp" }

[services.career.booking]
slot_minutes = 30
per_slot = 2

[services.welfare]
staff_name = "生活・福祉の相談"
organisation = "city"
numbers = [601, 699]
target_wait = 20
sensitive = true
public_name = "相談窓口"

[services.welfare.visitor]
ja = { label = "暮らし・お金の相談", description = "生活の困りごとや、福祉の制度のご相談" }
ja-easy = { label = "くらしと お{金|かね}の {相談|そうだん}" }
en = { label = "Living and money matters" }
zh = { label = "生活·福利咨询" }
ko = { label = "생활·복지 상담" }
vi = { label = "Tư vấn đời sống, phúc lợi" }

[services.welfare.booking]
slot_minutes = 60

[services.housing]
staff_name = "住居確保給付金"
organisation = "city"
numbers = [701, 799]
target_wait = 20
sensitive = true
public_name = "相談窓口"

[services.housing.visitor]
ja = { label = "家賃の支援", description = "家賃が払えないときのご相談と申請" }
ja-easy = { label = "{家賃|やちん}の {助|たす}け" }
en = { label = "Help with rent" }
zh = { label = "房租补助" }
ko = { label = "월세 지원" }
vi = { label = "Hỗ trợ tiền nhà" }

[[devices]]
id = "admin"
role = "admin"
name = "管理者"
token = "token-admin-000"
"""

SITE = """
[[sites]]
id = "{site}"
name = "テスト会場 {site}"
ward = "北区"
services = ["job", "search", "career", "welfare", "housing"]
areas = ["main", "welfare"]
{extra}

[[sites.counters]]
id = "{site}-c1"
name = "職業相談"
number = 1
services = ["job"]

[[sites.counters]]
id = "{site}-c2"
name = "職業相談・キャリア"
number = 2
services = ["job", "career"]
weights = {{ job = 1.0, career = 1.0 }}

[[sites.counters]]
id = "{site}-c3"
name = "生活・福祉相談"
number = 3
area = "welfare"
services = ["welfare", "housing"]

[[sites.counters]]
id = "{site}-c4"
name = "キャリア"
number = 4
mode = "ordered"
services = ["career", "job"]

[[sites.devices]]
id = "{site}-kiosk"
role = "kiosk"
name = "発券機"
token = "token-{site}-kiosk"

[[sites.devices]]
id = "{site}-display"
role = "display"
name = "表示盤"
area = "main"
token = "token-{site}-display"

[[sites.devices]]
id = "{site}-display-welfare"
role = "display"
name = "表示盤（福祉）"
area = "welfare"
token = "token-{site}-display-welfare"

[[sites.devices]]
id = "{site}-display-c1"
role = "display"
name = "窓口上表示"
counter = "{site}-c1"
token = "token-{site}-display-c1"

[[sites.devices]]
id = "{site}-staff1"
role = "staff"
name = "相談員1"
counter = "{site}-c1"
token = "token-{site}-staff1"

[[sites.devices]]
id = "{site}-staff2"
role = "staff"
name = "相談員2"
counter = "{site}-c2"
token = "token-{site}-staff2"

[[sites.devices]]
id = "{site}-staff3"
role = "staff"
name = "相談員3"
counter = "{site}-c3"
token = "token-{site}-staff3"

[[sites.devices]]
id = "{site}-manager"
role = "manager"
name = "管理者"
token = "token-{site}-manager"
"""

ADMIN = "token-admin-000"


PRINTER = """
[[sites.printers]]
id = "{site}-p1"
name = "発券機プリンター"
url = "{url}"
"""


def site_file(
    site_ids: list[str], extra: dict[str, str] | None = None, printers: dict[str, str] | None = None
) -> str:
    """A site file with identical test sites; `extra` adds TOML lines to a site's table;
    `printers` gives a site's kiosk a printer at that URL (memory://..., network://...)."""
    extra = extra or {}
    printers = printers or {}
    text = SERVICES
    for site in site_ids:
        text += SITE.format(site=site, extra=extra.get(site, ""))
        if site in printers:
            text += PRINTER.format(site=site, url=printers[site])
            text = text.replace(
                f'token = "token-{site}-kiosk"\n',
                f'token = "token-{site}-kiosk"\nprinters = ["{site}-p1"]\n',
            )
    return text


# Servers listen below Linux's ephemeral range (32768-60999), where no client connection of
# this or any parallel test process takes its local port, and where one xdist worker's port,
# once closed, is not handed straight to the next asker (the kernel's bind to port 0 would).
PORTS = range(20000, 32768)
_ports = random.Random()  # seeded from the OS: parallel workers pick apart


def free_port() -> int:
    """A port nothing listens on now, for a server about to start (start() picks again if a
    parallel run took it meanwhile)."""
    while True:
        port = _ports.choice(PORTS)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def token(site: str, device: str) -> str:
    return f"token-{site}-{device}"


@dataclass
class Reply:
    status: int
    body: Any

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


class Shorthands:
    """The requests used across the tests, on anything with `request` (a real server, or the
    app in the test process: tests/appclient.py)."""

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        key: str | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        raise NotImplementedError

    def issue(
        self,
        site: str,
        services: list[str],
        priority: bool = False,
        key: str | None = None,
        language: str | None = None,
    ) -> Reply:
        body: dict[str, Any] = {"services": services}
        if priority:
            body["priority"] = True
        if language:
            body["language"] = language
        return self.request(
            "POST",
            f"/api/sites/{site}/tickets",
            token(site, "kiosk"),
            body,
            key=key or uuid.uuid4().hex,
        )

    def call_next(self, site: str, counter: str, staff: str = "staff1") -> Reply:
        return self.request(
            "POST",
            f"/api/sites/{site}/counters/{site}-{counter}/call-next",
            token(site, staff),
            key=uuid.uuid4().hex,
        )

    def act(
        self,
        site: str,
        ticket_id: int,
        action: str,
        body: dict[str, Any] | None = None,
        staff: str = "staff1",
    ) -> Reply:
        return self.request(
            "POST",
            f"/api/tickets/{ticket_id}/{action}",
            token(site, staff),
            body or {},
            key=uuid.uuid4().hex,
        )


def eventually(check: Any, timeout: float = 30.0) -> Any:
    """`check()` again until it gives something true (then that), or its last answer after
    `timeout` seconds: for what a server does on its own time (a lease round, a record
    written after the push that announced it)."""
    deadline = time.monotonic() + timeout
    found = check()
    while not found and time.monotonic() < deadline:
        time.sleep(0.05)
        found = check()
    return found


class PortTaken(RuntimeError):
    """The server could not listen: another process took its port first."""


class ServerProcess(Shorthands):
    """One real server process; start, kill -9, restart on the same database."""

    def __init__(
        self,
        workdir: Path,
        site_ids: list[str],
        env: dict[str, str] | None = None,
        sites_text: str | None = None,
        printers: dict[str, str] | None = None,
        database: str | None = None,
    ) -> None:
        """`database`: a database URL (PostgreSQL: tests/pg.py) instead of a SQLite file in
        `workdir`."""
        self.workdir = workdir
        self.db = workdir / "madoguchi.db"
        self.database = database or f"sqlite:///{self.db}"
        self.sites_path = workdir / "sites.toml"
        self.sites_path.write_text(
            sites_text or site_file(site_ids, printers=printers), encoding="utf-8"
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "MADOGUCHI_DATABASE": self.database,
            "MADOGUCHI_ENFORCE_HOURS": "false",
            "MADOGUCHI_LOG_LEVEL": "WARNING",
            # Password hashes at n = 2**10 instead of 2**15: a login costs the tests a few
            # milliseconds of CPU instead of a tenth of a second (tests/auth/test_passwords.py
            # checks the real cost).
            "MADOGUCHI_PASSWORD_COST": "10",
            "MADOGUCHI_PUBLIC_URL": self.url,
            **(env or {}),
        }
        if database is not None:  # the login key is kept beside a SQLite file, else named
            self.env.setdefault("MADOGUCHI_SECRET_KEY_FILE", str(workdir / "madoguchi.secret"))
        self.proc: subprocess.Popen[str] | None = None
        self.open_files: int | None = None  # the server's hard and soft limit, as `ulimit -n`
        self.started = False
        self.http = requests.Session()
        self.log = workdir / "server.log"

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """`madoguchi ARGS` against this server's database, as an administrator types it."""
        return forked.run_cli(list(args), self.env, self.workdir, input=input)

    def add_account(self, username: str, options: list[str], password: str) -> None:
        """`madoguchi user add`, as an administrator would type it, password on stdin."""
        done = self.cli("user", "add", username, *options, "--password-stdin",
                        input=password + "\n")
        assert done.returncode == 0, done.stderr

    def init(self, accounts: dict[str, list[str]] | None = None, password: str = "") -> None:
        """`madoguchi init`, then `madoguchi user add NAME OPTIONS --password-stdin` for each
        of `accounts` (all with `password`): the commands an administrator types, run in one
        process rather than one each (a start of the command costs about a second)."""
        commands = [["init", "--config", str(self.sites_path)]]
        commands += [
            ["user", "add", name, *options, "--password-stdin"]
            for name, options in (accounts or {}).items()
        ]
        done = forked.run_commands(commands, self.env, self.workdir,
                                   input=f"{password}\n" * len(accounts or {}))
        assert done.returncode == 0, done.stderr

    def start(self, timeout: float = 60) -> ServerProcess:
        for _ in range(5):
            try:
                return self._start(timeout)
            except PortTaken:
                if self.started:  # a restart keeps its address: clients come back to it
                    raise
                self._move_to(free_port())
        raise RuntimeError("no free port found in five tries")

    def _move_to(self, port: int) -> None:
        old_url, self.port = self.url, port
        self.url = f"http://127.0.0.1:{port}"
        if self.env["MADOGUCHI_PUBLIC_URL"] == old_url:  # the harness's, not the test's
            self.env["MADOGUCHI_PUBLIC_URL"] = self.url

    def _start(self, timeout: float) -> ServerProcess:
        if forked.can_fork(self.env):
            self.proc = forked.fork_server().start(  # type: ignore[assignment]
                ["serve", "--port", str(self.port)], self.env, self.workdir, self.log,
                open_files=self.open_files)
        else:
            self._popen()
        return self._wait_until_serving(timeout)

    def _popen(self) -> None:
        with open(self.log, "a") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                preexec_fn=None if self.open_files is None else self._limit_open_files,
            )

    def _wait_until_serving(self, timeout: float) -> ServerProcess:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text()[-3000:]
                if "Address already in use" in tail:
                    raise PortTaken(tail)
                raise RuntimeError(f"server exited: {tail}")
            # Ask only once this process listens: a parallel run's server on the same port
            # would answer the health check too.
            if self._listening() and self._healthy():
                self.started = True
                return self
            time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def _limit_open_files(self) -> None:
        """In the child, before it runs: the open-files limit of `open_files`."""
        assert self.open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def _listening(self) -> bool:
        assert self.proc is not None
        try:
            sockets = psutil.Process(self.proc.pid).net_connections(kind="tcp")
        except psutil.Error:  # it has just exited: the next poll() says why
            return False
        return any(s.status == psutil.CONN_LISTEN and s.laddr.port == self.port for s in sockets)

    def _healthy(self) -> bool:
        try:
            return requests.get(self.url + "/api/health", timeout=5).status_code == 200
        except requests.RequestException:  # not serving yet, or too busy to answer in time
            return False

    def kill(self) -> None:
        """kill -9: no clean shutdown, as in a power cut or a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.http.close()
        self.http = requests.Session()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        key: str | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        """`timeout`: seconds for the answer (more where the server may first start a helper
        process, as the voice's)."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if key is not None:
            sent["Idempotency-Key"] = key
        response = self.http.request(
            method, self.url + path, json=json, data=data, headers=sent, timeout=timeout
        )
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Reply(response.status_code, body)
