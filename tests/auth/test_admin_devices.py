"""The admin page's device list: filtered by words, kind, site and state; a display's sound
test sent from it; and dangerous buttons that ask before acting (no script on the page)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.auth.people import PASSWORD
from tests.auth.test_admin_page import Browser
from tests.harness import ADMIN, ServerProcess

ROW = re.compile(r"<tr[^>]*>\s*<td><code>([^<]+)</code></td>")


@pytest.fixture
def admin(auth_server: ServerProcess) -> Iterator[Browser]:
    opened = Browser(auth_server)
    opened.log_in("admin2")
    yield opened
    opened.http.close()


def listed(page: str) -> list[str]:
    section = page[page.index('id="devices"') : page.index('id="accounts"')]
    return ROW.findall(section)


def test_the_device_list_is_filtered_by_words_kind_site_and_state(admin: Browser) -> None:
    everything = listed(admin.page)
    assert {"a-kiosk", "a-display", "b-kiosk"} <= set(everything)

    page = admin.http.get(admin.url + "/", params={"q": "kiosk", "site": "a"}, timeout=30).text
    assert listed(page) == ["a-kiosk"]
    assert f"{len(everything)}台中 1台を表示しています" in page
    page = admin.http.get(admin.url + "/", params={"role": "display", "site": "b"}, timeout=30).text
    assert listed(page) and all(d.startswith("b-display") for d in listed(page))
    page = admin.http.get(admin.url + "/", params={"q": "表示盤 福祉"}, timeout=30).text
    assert set(listed(page)) == {"a-display-welfare", "b-display-welfare"}


def test_a_sound_test_is_sent_to_a_display_only(admin: Browser) -> None:
    admin.post("/devices/a-display/sound-test", {})
    assert "表示盤「表示盤」にテスト音を送りました" in admin.page
    admin.post("/devices/a-kiosk/sound-test", {})  # a kiosk makes no sound
    assert "その端末はありません" in admin.page
    assert "テスト音を送りました" not in admin.page


def test_disabling_an_account_asks_first_and_only_the_answer_acts(
    admin: Browser, auth_server: ServerProcess
) -> None:
    name = f"temp-{uuid.uuid4().hex[:8]}"
    made = auth_server.request(
        "POST",
        "/api/accounts",
        ADMIN,
        {
            "username": name,
            "role": "staff",
            "site": "a",
            "password": PASSWORD,
            "name": "臨時 職員",
            "organisations": ["city"],
        },
    )
    assert made.status == 201, made.body

    def disabled() -> bool:
        accounts = auth_server.request("GET", "/api/accounts", ADMIN).body["accounts"]
        return bool(next(a for a in accounts if a["username"] == name)["disabled"])

    admin.post(f"/accounts/{name}/disable", {})
    assert f"アカウント「{name}」を無効にします" in admin.page
    assert 'name="confirmed" value="yes"' in admin.page and "やめる" in admin.page
    assert not disabled()
    admin.post(f"/accounts/{name}/disable", {"confirmed": "yes"})
    assert f"「{name}」を無効にしました" in admin.page and disabled()
    admin.post(f"/accounts/{name}/enable", {})  # enabling is not dangerous: no question
    assert not disabled()
