"""The engine's promise when an answer cannot be built: the change stands, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.domain.clock import SimulatedClock
from server.engine import Engine
from server.siteconfig import parse_sites
from server.store import db as store_db
from tests.harness import site_file


def broken_render(_: Any) -> tuple[int, dict[str, Any]]:
    raise RuntimeError("a bug in building the answer")


def test_a_failed_answer_keeps_the_change_and_a_retry_does_not_repeat_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    writer = store_db.open_engine(url)
    store_db.migrate(writer)
    reader = store_db.open_engine(url, writer=False)
    site = parse_sites(site_file(["a"])).sites[0]
    engine = Engine(writer, reader, {"a": site},
                    SimulatedClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    engine.start()
    try:
        def issue(queue: Any, now: datetime) -> Any:
            return queue.issue(engine.new_ticket_id(), ["job"], now, engine.new_public_token())

        first = engine.run("a", issue, broken_render, key="kiosk:k1", request_hash="h")
        again = engine.run("a", issue, broken_render, key="kiosk:k1", request_hash="h")

        assert first == again
        assert first[0] == 500 and first[1]["error"] == "answer_failed"
        assert len(engine.queue("a").tickets) == 1
    finally:
        engine.stop()
        writer.dispose()
        reader.dispose()
