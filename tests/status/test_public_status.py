"""The public crowding pages and their open JSON: no login, public desks only, numbers never
names, the kiosk's estimate, recent calls, usual crowding from history, caching headers and a
rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.appclient import Initialised, InProcessApp
from tests.harness import ADMIN

SENSITIVE = ("生活", "福祉", "住居", "相談窓口", "welfare", "housing")


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, initialised: Initialised
) -> Iterator[InProcessApp]:
    made = InProcessApp(
        tmp_path_factory.mktemp("status"), initialised(("s01", "s02")), clock="simulated"
    )
    yield made
    made.close()


def get(app: InProcessApp, path: str, **headers: str) -> Any:
    return app.http.get(path, headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.10"})


def test_the_site_page_shows_public_desks_with_numbers_and_calls_and_nothing_sensitive(
    app: InProcessApp,
) -> None:
    for services in (["job"], ["job"], ["career"], ["welfare"], ["housing"], ["welfare"]):
        assert app.issue("s01", services).status == 201
    called = app.call_next("s01", "c1").body["ticket"]
    welfare = app.call_next("s01", "c3", staff="staff3").body["ticket"]
    page = get(app, "/status/s01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not any(word in html for word in SENSITIVE), "a sensitive desk leaked"
    assert f"{called['label']}番 → 1番窓口" in html
    assert welfare["label"] not in html  # a call at a welfare counter is never shown
    answer = get(app, "/api/public/sites/s01")
    assert answer.status_code == 200
    view = answer.get_json()
    assert [(d["id"], d["waiting"]) for d in view["desks"]] == [
        ("job", 1),
        ("search", 0),
        ("career", 1),
    ]
    assert view["recent_calls"][0] == {
        "label": called["label"],
        "counter_number": 1,
        "at": view["recent_calls"][0]["at"],
    }
    assert welfare["label"] not in answer.get_data(as_text=True)
    assert not any(word in answer.get_data(as_text=True) for word in SENSITIVE)
    assert set(view["usual"]) == {"days", "hours", "levels"}


def test_the_json_carries_an_etag_and_cache_control_and_answers_304(app: InProcessApp) -> None:
    first = get(app, "/api/public/sites")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=15"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    tag = first.headers["ETag"]
    again = get(app, "/api/public/sites", **{"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert app.issue("s02", ["job"]).status == 201
    changed = get(app, "/api/public/sites", **{"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    names = {s["id"]: s for s in changed.get_json()["sites"]}
    assert names["s02"]["waiting"] >= 1 and "desks" in names["s01"]


def test_the_list_and_the_languages_render_without_javascript(app: InProcessApp) -> None:
    listing = get(app, "/status/").get_data(as_text=True)
    assert "テスト会場 s01" in listing and "テスト会場 s02" in listing
    english = get(app, "/status/s01?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Estimated wait" in english
    easy = get(app, "/status/s01?lang=ja-easy").get_data(as_text=True)
    assert "まっている ひと" in easy
    unknown = get(app, "/status/nowhere")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_site"


def test_the_poster_holds_the_pages_qr_code(app: InProcessApp) -> None:
    poster = get(app, "/status/s01/poster").get_data(as_text=True)
    assert "<svg" in poster and "http://madoguchi.test/status/s01" in poster


def test_usual_crowding_is_learned_from_the_issued_tickets(
    tmp_path_factory: pytest.TempPathFactory, initialised: Initialised
) -> None:
    made = InProcessApp(tmp_path_factory.mktemp("usual"), initialised(("s01",)), clock="simulated")
    try:
        for day in ("2026-11-23", "2026-11-30"):  # two Mondays
            for moment, count in (("09:10", 4), ("14:20", 1)):
                made.request("POST", "/api/clock", ADMIN, {"set": f"{day}T{moment}:00+09:00"})
                for _ in range(count):
                    assert made.issue("s01", ["job"]).status == 201
        made.request("POST", "/api/clock", ADMIN, {"set": "2026-12-01T10:00:00+09:00"})
        usual = made.http.get("/api/public/sites/s01").get_json()["usual"]
        assert usual["days"] == 2 and usual["hours"] == [9, 14]
        assert usual["levels"]["0"] == {"9": "busy", "14": "quiet"}
        assert usual["levels"]["1"] == {"9": None, "14": None}
    finally:
        made.close()


def test_a_greedy_client_is_rate_limited(
    tmp_path_factory: pytest.TempPathFactory, initialised: Initialised
) -> None:
    made = InProcessApp(
        tmp_path_factory.mktemp("limit"), initialised(("s01",)), public_requests_per_minute=5
    )
    try:
        answers = [
            made.http.get(
                "/api/public/sites/s01", environ_base={"REMOTE_ADDR": "198.51.100.7"}
            ).status_code
            for _ in range(6)
        ]
        assert answers == [200] * 5 + [429]
        refused = made.http.get("/status/s01", environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        other = made.http.get("/status/s01", environ_base={"REMOTE_ADDR": "198.51.100.8"})
        assert other.status_code == 200  # another address is not held back
    finally:
        made.close()
