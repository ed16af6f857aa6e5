"""Fixtures for the permission tests: one server with two sites and accounts of every role,
and people logged in through the real login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.auth.people import Person, create_accounts
from tests.harness import ServerProcess

# A simulated clock lets tests make sessions and pairing codes expire without waiting.
# Failed logins of the whole package come from one address: allow plenty before a lock.
AUTH_ENV = {
    "MADOGUCHI_CLOCK": "simulated",
    "MADOGUCHI_SESSION_HOURS": "2",
    "MADOGUCHI_LOGIN_ATTEMPTS": "10",
}

LogIn = Callable[..., Person]


@pytest.fixture(scope="package")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("auth"), ["a", "b"], env=AUTH_ENV)
    proc.init()
    proc.start()
    create_accounts(proc)
    yield proc
    proc.stop()


@pytest.fixture
def people(auth_server: ServerProcess) -> Iterator[LogIn]:
    """`people(username)`: a person logged in as `username` (closed after the test);
    `people()` is a browser nobody has logged in with."""
    opened: list[Person] = []

    def open_person(username: str | None = None) -> Person:
        person = Person(auth_server)
        opened.append(person)
        if username is not None:
            reply = person.login(username)
            assert reply.status == 200, reply.body
        return person

    yield open_person
    for person in opened:
        person.close()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """`own_server(**env)`: a started server of its own, with settings of the test's choosing."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        workdir = tmp_path / f"server{len(started)}"
        workdir.mkdir()
        proc = ServerProcess(workdir, ["a", "b"], env={**AUTH_ENV, **env})
        started.append(proc)
        proc.init()
        proc.start()
        return proc

    yield start
    for proc in started:
        proc.stop()
