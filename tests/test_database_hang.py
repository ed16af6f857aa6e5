"""A PostgreSQL server that stops answering (hung, or behind a network that drops everything)
while a server runs on it: the visitor is refused 503 within seconds rather than held until
TCP gives up, nothing is stored twice, and service comes back by itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from server.engine import WRITE_SECONDS
from tests import pg
from tests.cluster.cut import Cuttable
from tests.harness import ServerProcess, eventually


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[ServerProcess, Cuttable, str]]:
    name = pg.create_database()
    direct = urlsplit(pg.url(name))
    link = Cuttable((direct.hostname or "127.0.0.1", direct.port or 5432))
    through = direct._replace(netloc=direct.netloc.replace(
        f"{direct.hostname}:{direct.port or 5432}", f"127.0.0.1:{link.port}"))
    assert through.port == link.port, through
    server = ServerProcess(tmp_path, ["a"], database=urlunsplit(through))
    try:
        server.init()
        server.start()
        yield server, link, name
    finally:
        link.release()
        server.stop()
        link.close()
        pg.drop_database(name)


def test_a_database_that_stops_answering_gets_503_in_seconds_and_service_comes_back(
        held: tuple[ServerProcess, Cuttable, str]) -> None:
    server, link, name = held
    assert server.issue("a", ["job"]).status == 201
    link.hold()
    asked = time.monotonic()
    refused = server.issue("a", ["job"], key="while-held")
    took = time.monotonic() - asked
    assert refused.status == 503, refused.body
    assert refused.body["error"] == "store_unavailable", refused.body
    assert took < WRITE_SECONDS + 10, took  # not the minutes TCP takes to give up
    link.release()
    # The held commit may land once released: a retry then gets its answer, not a second
    # ticket; if it did not, the retry is served now.
    answer = eventually(lambda: (r := server.issue("a", ["job"], key="while-held")).status
                        == 201 and r, timeout=60)
    assert answer and answer.status == 201
    assert server.issue("a", ["job"]).status == 201
    with psycopg.connect(pg.url(name).replace("+psycopg", "")) as conn:
        labels = [r[0] for r in conn.execute("SELECT label FROM tickets ORDER BY id")]
    assert len(labels) == len(set(labels)) == 3, labels  # the first, the held one, the last
    assert answer.body["label"] in labels
