"""The app in the test process, for tests of requests and answers only: no server process.

`InProcessApp` builds the real app with `create_app(Settings(...))` over a database that
`madoguchi init` made (run once per worker for a list of sites, then copied), and drives it
with Flask's test client (`request`, and the harness's shorthands: `issue`, `call_next`,
`act`) and Flask-SocketIO's test client (`socket`). Keep the real server (tests/harness.py)
for what only it shows: Socket.IO over the network, restarts, crashes, timing, printing over
TCP, the browser.

The app runs on gevent in this process without monkey-patching: a request that waits for the
group commit yields to gevent's hub, which runs the writer. One thing is left out: the voice
process (audio is refused, never made), which gevent would start and watch from this process,
and gevent's child watcher reaps other children too (the harness's servers).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient

from server.app import create_app
from server.services import services_of
from server.settings import Settings
from server.voice.protocol import VoiceUnavailable
from tests import pg
from tests.harness import Reply, ServerProcess, Shorthands

PUBLIC_URL = "http://madoguchi.test"


class NoVoiceProcess:
    """In place of the voice process: the audio of a call is refused (the display would be
    told 503), never made in this process."""

    def wav(self, sentences: Any) -> bytes:
        raise VoiceUnavailable("no voice process in the test process: use a real server")


class InProcessApp(Shorthands):
    """The whole app over its own copy of an initialised database."""

    def __init__(self, workdir: Path, initialised: Path, database: str | None = None,
                 **settings: Any) -> None:
        """`database`: a PostgreSQL database's URL, made from `initialised`'s template (then
        `initialised` is the folder of its login key)."""
        self.workdir = workdir
        self.db = workdir / "madoguchi.db"
        if database is None:
            shutil.copyfile(initialised, self.db)
            shutil.copyfile(f"{initialised}.secret", f"{self.db}.secret")
        else:
            settings.setdefault("secret_key_file", str(initialised / "madoguchi.secret"))
        settings.setdefault("password_cost", 10)  # as tests/harness.py: cheap test logins
        self.settings = Settings(
            database=database or f"sqlite:///{self.db}",
            enforce_hours=False,
            log_level="WARNING",
            public_url=PUBLIC_URL,
            voice_cache_dir=str(workdir / "voice-cache"),
            **settings,
        )
        self.app: Flask
        self.socketio: SocketIO
        self.app, self.socketio = create_app(self.settings)
        services_of(self.app).voice.speaker = NoVoiceProcess()
        self.http: FlaskClient = self.app.test_client()
        self.url = PUBLIC_URL
        self._sockets: list[SocketIOTestClient] = []

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
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if key is not None:
            sent["Idempotency-Key"] = key
        body: dict[str, Any] = {"data": data} if json is None else {"json": json}
        response = self.http.open(path, method=method, headers=sent, **body)
        answer = response.get_json(silent=True)
        return Reply(
            response.status_code, response.get_data(as_text=True) if answer is None else answer
        )

    def socket(self, token: str, namespace: str | None = None) -> SocketIOTestClient:
        """A Socket.IO client of the app, connected with a device's token (closed with the
        app)."""
        client = self.socketio.test_client(self.app, namespace=namespace, auth={"token": token})
        self._sockets.append(client)
        return client

    def close(self) -> None:
        for client in self._sockets:
            if client.is_connected():
                client.disconnect()
        services = services_of(self.app)
        services.engine.stop()
        services.printing.stop()
        services.auth.credentials.stop()
        if services.lock is not None:
            services.lock.close()


def initialised_database(workdir: Path, site_ids: list[str], database: str | None = None) -> Path:
    """A database `madoguchi init` made for the harness's test sites (and its secret key)."""
    proc = ServerProcess(workdir, site_ids, database=database)
    proc.init()
    return proc.db


Initialised = Callable[..., Path]


@pytest.fixture(scope="session")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Initialised]:
    """`initialised(("a", "b"))`: a database `madoguchi init` made for those test sites, made
    once per worker (an InProcessApp works on a copy). With `backend="postgresql"`: the folder
    of the login key of a PostgreSQL template database named `template_of(folder)`."""
    made: dict[tuple[tuple[str, ...], str], Path] = {}
    templates: list[str] = []

    def database(site_ids: tuple[str, ...], backend: str = "sqlite") -> Path:
        if (site_ids, backend) not in made:
            workdir = tmp_path_factory.mktemp("init")
            if backend == "postgresql":
                templates.append(pg.create_database())
                (workdir / "template").write_text(templates[-1])
                initialised_database(workdir, list(site_ids), pg.url(templates[-1]))
                made[site_ids, backend] = workdir
            else:
                made[site_ids, backend] = initialised_database(workdir, list(site_ids))
        return made[site_ids, backend]

    yield database
    for name in templates:
        pg.drop_database(name)


def template_of(initialised: Path) -> str:
    return (initialised / "template").read_text()


@pytest.fixture
def make_app(
    tmp_path_factory: pytest.TempPathFactory, initialised: Initialised, backend: str
) -> Iterator[Callable[..., InProcessApp]]:
    """`make_app(["a", "b"], clock="simulated", ...)`: the app for those test sites with those
    settings, in this process, on a fresh database; closed after the test. (About 0.3 s: for
    many small tests, share one in a module-scoped fixture, as tests/api/test_errors.py does.)"""
    made: list[InProcessApp] = []
    databases: list[str] = []

    def make(site_ids: list[str] | tuple[str, ...] = ("a", "b"), **settings: Any) -> InProcessApp:
        found = initialised(tuple(site_ids), backend)
        database = None
        if backend == "postgresql":
            databases.append(pg.create_database(template=template_of(found)))
            database = pg.url(databases[-1])
        app = InProcessApp(tmp_path_factory.mktemp("app"), found, database, **settings)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()
    for name in databases:
        pg.drop_database(name)
