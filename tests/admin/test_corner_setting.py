"""A display in the welfare corner may show its sensitive desks' waiting figures: the setting
(`show_sensitive`) in the site file and on the admin page, checked by the same rules, stored
(SQLite and PostgreSQL), and what the displays' snapshots then hold.

Requests and answers only: the app in the test process (the live pushes are tested with a real
server in tests/realtime/test_corner_display.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.siteconfig import ConfigError, parse_sites
from tests.appclient import InProcessApp
from tests.auth.people import PASSWORD
from tests.harness import ADMIN, Reply, ServerProcess, site_file, token

pytestmark = pytest.mark.both_stores
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SITE = "a"
CORNER = f"{SITE}-display-welfare"


@pytest.fixture
def app(make_app: Callable[..., InProcessApp], backend: str) -> InProcessApp:
    return make_app((SITE,))


def set_shown(app: InProcessApp, device: str, body: Any) -> Reply:
    return app.request("PATCH", f"/api/sites/{SITE}/configuration/devices/{device}", ADMIN,
                       {"show_sensitive": body})


def shown(app: InProcessApp) -> dict[str, list[str]]:
    reply = app.request("GET", f"/api/sites/{SITE}/configuration", ADMIN)
    assert reply.status == 200, reply.body
    return {d["id"]: d["show_sensitive"] for d in reply.body["devices"]}


def snapshot(app: InProcessApp, device: str) -> dict[str, Any]:
    reply = app.request("GET", f"/api/sites/{SITE}/snapshot", token(SITE, device))
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def test_the_corner_display_reads_its_desks_figures_and_the_main_hall_display_none(
    app: InProcessApp,
) -> None:
    assert app.issue(SITE, ["welfare"]).status == 201
    assert app.issue(SITE, ["housing", "job"]).status == 201
    assert snapshot(app, "display-welfare")["corner_desks"] == []  # not set: like any other

    reply = set_shown(app, CORNER, ["housing", "welfare"])
    assert reply.status == 200, reply.body
    assert shown(app)[CORNER] == ["housing", "welfare"]
    corner = snapshot(app, "display-welfare")
    assert [(r["id"], r["label"], r["waiting"]) for r in corner["corner_desks"]] == [
        ("housing", "家賃の支援", 1), ("welfare", "暮らし・お金の相談", 1)]
    assert [s["id"] for s in corner["services"]] == ["job", "search", "career"]
    for device in ("display", "display-c1", "kiosk"):
        other = snapshot(app, device)
        assert other.get("corner_desks", []) == []
        for word in ("welfare", "housing", "生活・福祉の相談", "住居確保給付金",
                     "暮らし・お金の相談", "家賃の支援"):
            assert word not in repr(other), (device, word)

    audit = app.request("GET", f"/api/audit?site={SITE}", ADMIN).body
    changed = [e for e in audit["entries"] if e["action"] == "device_changed"]
    assert changed[0]["detail"]["after"]["show_sensitive"] == ["housing", "welfare"]

    assert set_shown(app, CORNER, []).status == 200  # taken off again
    assert shown(app)[CORNER] == []
    assert snapshot(app, "display-welfare")["corner_desks"] == []


REFUSED: list[tuple[str, Any, str, str]] = [
    (f"{SITE}-kiosk", ["welfare"], "not_a_display", "body.show_sensitive"),
    (f"{SITE}-display-c1", ["welfare"], "not_a_display", "body.show_sensitive"),
    (CORNER, ["welfare", "pension"], "invalid_field", "body.show_sensitive.1"),
    (CORNER, ["job"], "desk_not_sensitive", "body.show_sensitive.0"),
    (CORNER, ["welfare", "welfare"], "invalid_field", "body.show_sensitive.1"),
    (CORNER, "welfare", "invalid_field", "body.show_sensitive"),
]


def test_what_a_device_may_not_show_is_refused_with_a_code_and_changes_nothing(
    app: InProcessApp,
) -> None:
    for device, desks, code, field in REFUSED:
        reply = set_shown(app, device, desks)
        assert (reply.status, reply.error, reply.body.get("field")) == (422, code, field), (
            device, desks, reply.body)
        assert reply.body["message"]
    assert not any(shown(app).values())


def test_a_desk_a_display_shows_is_not_made_public_until_taken_off_it(
    app: InProcessApp,
) -> None:
    assert set_shown(app, CORNER, ["welfare"]).status == 200
    path = f"/api/sites/{SITE}/configuration/services/welfare"
    public = {"name": "生活・福祉の相談", "organisation": "city", "numbers": [601, 699],
              "target_wait": 20, "sensitive": False}
    refused = app.request("PUT", path, ADMIN, public)
    assert (refused.status, refused.error) == (409, "desk_shown_on_display")
    assert (refused.body["device"], refused.body["service"]) == (CORNER, "welfare")
    moved = app.request("PATCH", f"/api/sites/{SITE}/configuration/devices/{CORNER}", ADMIN,
                        {"counter": f"{SITE}-c3"})  # onto a counter: no figures there
    assert (moved.status, moved.error) == (422, "not_a_display")

    assert set_shown(app, CORNER, []).status == 200
    assert app.request("PUT", path, ADMIN, public).status == 200


def test_the_admin_page_ticks_the_desks_a_display_shows(app: InProcessApp) -> None:
    made = app.request("POST", "/api/accounts", ADMIN, {
        "username": "root", "role": "admin", "password": PASSWORD, "name": "管理 太郎"})
    assert made.status == 201, made.body
    page = app.http.get("/admin/").get_data(as_text=True)
    app.http.post("/admin/login", data={"username": "root", "password": PASSWORD,
                                        "csrf_token": CSRF.search(page)[1]})
    page = html.unescape(app.http.get(f"/admin/sites/{SITE}").get_data(as_text=True))
    assert "待ち状況を出す非公開の用件" in page
    boxes = re.findall(r'<input form="device-([^"]+)" type="checkbox" name="show_sensitive" '
                       r'value="([^"]+)"', page)
    assert set(boxes) == {(d, s) for d in (f"{SITE}-display", CORNER, f"{SITE}-display-c1")
                          for s in ("welfare", "housing")}  # displays only, sensitive only

    form = {"csrf_token": CSRF.search(page)[1], "name": "表示盤（福祉）", "area": "welfare",
            "counter": "", "enabled": "on", "show_sensitive": ["welfare"]}
    answer = app.http.post(f"/admin/sites/{SITE}/devices/{CORNER}", data=form,
                           follow_redirects=True)
    assert f"端末「{CORNER}」を保存しました" in html.unescape(answer.get_data(as_text=True))
    assert shown(app)[CORNER] == ["welfare"]

    form = {**form, "show_sensitive": ["welfare"], "counter": f"{SITE}-c3"}
    answer = app.http.post(f"/admin/sites/{SITE}/devices/{CORNER}", data=form,
                           follow_redirects=True)
    assert "区域全体を表示する呼出表示盤だけです" in html.unescape(answer.get_data(as_text=True))
    form = {**form, "counter": ""}
    del form["show_sensitive"]  # nothing ticked
    app.http.post(f"/admin/sites/{SITE}/devices/{CORNER}", data=form)
    assert shown(app)[CORNER] == []


def with_setting(device: str, setting: str, site: str = "f") -> str:
    """The harness's site file with `setting` on device `device` of site `site`."""
    text = site_file([site])
    line = f'token = "token-{site}-{device}"\n'
    assert line in text
    return text.replace(line, line + setting + "\n")


@pytest.mark.parametrize(("device", "setting", "words"), [
    ("kiosk", 'show_sensitive = ["welfare"]', "only a display shows desks' waiting figures"),
    ("display-c1", 'show_sensitive = ["welfare"]', "bound to counter 'f-c1'"),
    ("display-welfare", 'show_sensitive = ["welfare", "pension"]', "has no desk 'pension'"),
    ("display-welfare", 'show_sensitive = ["career"]', "desk 'career' is not sensitive"),
    ("display-welfare", 'show_sensitive = "welfare"', "show_sensitive"),
])
def test_the_site_file_refuses_what_a_device_may_not_show(
    device: str, setting: str, words: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_sites(with_setting(device, setting), "sites.toml")
    assert words in str(refused.value)
    assert "show_sensitive" in str(refused.value)


def test_the_site_file_gives_a_corner_display_its_desks_and_no_other_device_any() -> None:
    config = parse_sites(with_setting("display-welfare", 'show_sensitive = ["housing"]'),
                         "sites.toml")
    assert {d.id: d.show_sensitive for d in config.devices if d.show_sensitive} == {
        "f-display-welfare": ("housing",)}


def test_init_stores_the_site_files_setting_and_the_corner_display_reads_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "init").mkdir()
    (tmp_path / "app").mkdir()
    proc = ServerProcess(tmp_path / "init", ["f"], sites_text=with_setting(
        "display-welfare", 'show_sensitive = ["welfare"]'))
    proc.init()
    app = InProcessApp(tmp_path / "app", proc.db)
    try:
        assert app.issue("f", ["welfare"]).status == 201
        corner = app.request("GET", "/api/sites/f/snapshot", token("f", "display-welfare"))
        assert [(r["id"], r["waiting"]) for r in corner.body["corner_desks"]] == [("welfare", 1)]
        main = app.request("GET", "/api/sites/f/snapshot", token("f", "display"))
        assert main.body["corner_desks"] == []
        assert "welfare" not in repr(main.body)
    finally:
        app.close()
