"""The admin page: a login form, then forms to create accounts, pair and revoke devices —
each carrying the CSRF token, in Japanese, and written to the audit log."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests

from tests.auth.people import PASSWORD
from tests.harness import ADMIN, ServerProcess, token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A browser on the admin page: it keeps the cookie and reads the forms' token."""

    def __init__(self, server: ServerProcess) -> None:
        self.url = server.url + "/admin"
        self.http = requests.Session()
        self.page = ""

    def open(self) -> requests.Response:
        response = self.http.get(self.url + "/", timeout=30)
        self.page = html.unescape(response.text)
        return response

    def post(
        self, path: str, form: dict[str, str | list[str]], with_token: bool = True
    ) -> requests.Response:
        found = CSRF.search(self.page)
        data = {**form, "csrf_token": found[1]} if with_token and found else form
        response = self.http.post(self.url + path, data=data, timeout=30)
        self.page = html.unescape(response.text)
        return response

    def log_in(self, username: str, password: str = PASSWORD) -> requests.Response:
        self.open()
        return self.post("/login", {"username": username, "password": password})


@pytest.fixture
def browser(auth_server: ServerProcess) -> Iterator[Browser]:
    opened = Browser(auth_server)
    yield opened
    opened.http.close()


def test_the_login_page_is_japanese_and_locked_down(browser: Browser) -> None:
    response = browser.open()
    assert response.status_code == 200
    assert '<html lang="ja">' in browser.page and "ログイン" in browser.page
    csp = response.headers["Content-Security-Policy"]
    assert "form-action 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "<script" not in browser.page
    assert response.headers["Cache-Control"] == "no-store"
    forged = browser.post("/login", {"username": "admin2", "password": PASSWORD}, with_token=False)
    assert forged.status_code == 403 and "画面の有効期限が切れました" in browser.page
    wrong = browser.post("/login", {"username": "admin2", "password": "wrong"})
    assert wrong.status_code == 401 and "ユーザー名またはパスワードが違います" in browser.page
    assert 'value="admin2"' in browser.page  # the name is kept, the password is not


def test_an_admin_creates_an_account_pairs_a_display_and_revokes_it(
    auth_server: ServerProcess, browser: Browser
) -> None:
    since = auth_server.request("GET", "/api/audit?limit=1000", ADMIN).body["last"]
    answer = browser.log_in("admin2")
    assert answer.history[0].status_code == 303 and answer.status_code == 200
    for heading in ("端末の登録（ペアリング）", "端末", "アカウント", "操作の記録"):
        assert f"<h2>{heading}" in browser.page
    browser.post(
        "/accounts",
        {
            "username": "from-page",
            "name": "窓口 花子",
            "role": "staff",
            "site": "a",
            "organisations": ["city"],
            "password": "page password",
            "password_again": "page password",
        },
    )
    assert "アカウント「from-page」を作りました。" in browser.page
    made = {
        a["username"]: a
        for a in auth_server.request("GET", "/api/accounts", ADMIN).body["accounts"]
    }["from-page"]
    assert (made["name"], made["site"], made["organisations"]) == ("窓口 花子", "a", ["city"])
    browser.post(
        "/accounts",
        {
            "username": "mismatch",
            "role": "staff",
            "site": "a",
            "organisations": ["city"],
            "password": "page password",
            "password_again": "other password",
        },
    )
    assert "確認のパスワードが一致しません。" in browser.page

    pairing = auth_server.http.post(auth_server.url + "/api/pairing", timeout=30).json()
    browser.post(
        "/pairing",
        {
            "code": pairing["code"],
            "role": "display",
            "site": "a",
            "area": "",
            "counter": "a-c4",
            "name": "4番窓口の上",
        },
    )
    assert "呼出表示盤「4番窓口の上」を登録しました" in browser.page
    collected = auth_server.http.get(
        f"{auth_server.url}/api/pairing/{pairing['pairing_id']}", timeout=30
    ).json()
    device_id, device_token = collected["device"]["id"], collected["token"]
    assert f"<code>{device_id}</code>" in browser.page
    browser.post(
        "/pairing", {"code": pairing["code"], "role": "display", "site": "a", "name": "もう一度"}
    )
    assert "このコードで待っている端末はありません" in browser.page

    assert auth_server.request("GET", "/api/me", device_token).status == 200
    browser.post(f"/devices/{device_id}/revoke", {})  # a dangerous button asks first
    assert f"端末「{device_id}」を無効にします。" in browser.page
    assert auth_server.request("GET", "/api/me", device_token).status == 200
    browser.post(f"/devices/{device_id}/revoke", {"confirmed": "yes"})
    assert f"端末「{device_id}」を無効にしました。" in browser.page
    assert auth_server.request("GET", "/api/me", device_token).status == 401

    log = auth_server.request("GET", f"/api/audit?since={since}", ADMIN).body["entries"]
    done = [
        (e["action"], e["outcome"])
        for e in log
        if e["actor"] == "admin2" and e["action"] != "login_failed"
    ]  # earlier tests'
    assert sorted(done) == [
        ("account_created", 201),
        ("account_created", 422),
        ("device_revoked", 200),
        ("login", 200),
        ("pairing_approved", 201),
        ("pairing_approved", 404),
    ]


def test_a_form_without_the_token_changes_nothing(
    auth_server: ServerProcess, browser: Browser
) -> None:
    browser.log_in("admin2")
    before = auth_server.request("GET", "/api/devices", ADMIN).body
    browser.post("/devices/a-kiosk/revoke", {"confirmed": "yes"}, with_token=False)
    assert "画面の有効期限が切れました" in browser.page
    browser.post(
        "/accounts",
        {"username": "forged", "role": "admin", "password": PASSWORD, "password_again": PASSWORD},
        with_token=False,
    )
    assert auth_server.request("GET", "/api/devices", ADMIN).body == before
    assert "forged" not in repr(auth_server.request("GET", "/api/accounts", ADMIN).body)


def test_staff_and_managers_see_only_what_is_theirs(
    auth_server: ServerProcess, browser: Browser
) -> None:
    browser.log_in("manager-b")
    assert "<h2>端末</h2>" in browser.page and "<h2>アカウント</h2>" not in browser.page
    assert "b-kiosk" in browser.page and "a-kiosk" not in browser.page
    assert "無効にする</button>" not in browser.page
    browser.post("/devices/b-kiosk/revoke", {"confirmed": "yes"})
    assert "この操作はシステム管理者だけができます。" in browser.page
    assert auth_server.request("GET", "/api/me", token("b", "kiosk")).status == 200
    browser.post("/logout", {})
    assert "ログアウトしました。" in browser.page and "<h2>ログイン</h2>" in browser.page
    browser.log_in("staff-a")
    assert "この画面は管理者用です" in browser.page and "<h2>端末</h2>" not in browser.page
