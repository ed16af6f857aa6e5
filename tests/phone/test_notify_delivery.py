"""Notifications delivered for real: a server process sends Web Push to a push-service
stand-in (TLS, VAPID checked, payload decrypted with the subscription's keys) and e-mail to a
real SMTP server (aiosmtpd), in the visitor's language, without ever holding a call back."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.fakes.push_service import PushService, b64, push_service
from tests.fakes.smtp import Inbox, smtp_server
from tests.fakes.tls import Certificates, make_certificates
from tests.harness import ServerProcess, eventually, site_file

SITE = "n1"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def stand_in(certificates: Certificates) -> Iterator[PushService]:
    with push_service(certificates) as service:
        yield service


@pytest.fixture(scope="module")
def inbox(certificates: Certificates) -> Iterator[tuple[int, Inbox]]:
    with smtp_server(certificates) as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    certificates: Certificates,
    stand_in: PushService,
    inbox: tuple[int, Inbox],
) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("notify-server")
    env = {
        "MADOGUCHI_PUSH_HOSTS": "localhost",
        "MADOGUCHI_PUSH_CA_FILE": str(certificates.ca_file),
        "MADOGUCHI_SMTP_HOST": "127.0.0.1",
        "MADOGUCHI_SMTP_PORT": str(inbox[0]),
        "MADOGUCHI_SMTP_USERNAME": "madoguchi",
        "MADOGUCHI_SMTP_PASSWORD": "secret",
        "MADOGUCHI_SMTP_CA_FILE": str(certificates.ca_file),
        "MADOGUCHI_MAIL_FROM": "madoguchi@city.example.jp",
    }
    proc = ServerProcess(
        workdir, [SITE], env=env, sites_text=site_file([SITE], extra={SITE: "notify_ahead = 1"})
    )
    proc.init()
    proc.start()
    yield proc
    proc.stop()


def targets(server: ServerProcess) -> int:
    with sqlite3.connect(server.db) as conn:
        return int(conn.execute("SELECT count(*) FROM notify_targets").fetchone()[0])


def issue(server: ServerProcess, language: str | None = None) -> dict[str, Any]:
    return issue_for(server, "job", language)


def issue_for(server: ServerProcess, desk: str, language: str | None = None) -> dict[str, Any]:
    answer = server.issue(SITE, [desk], language=language)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def subscribe(
    server: ServerProcess, ticket: dict[str, Any], channel: str, body: dict[str, Any]
) -> requests.Response:
    return requests.post(
        f"{server.url}/t/{ticket['public_token']}/notify/{channel}", json=body, timeout=30
    )


def drain(server: ServerProcess) -> None:
    """Nobody waiting at the desk: each test starts with an empty line."""
    while True:
        called = server.call_next(SITE, "c1")
        if called.status != 200:
            assert called.error == "no_waiting_tickets", called.body
            return
        server.act(SITE, called.body["ticket"]["id"], "cancel")


def test_near_and_called_arrive_encrypted_signed_and_in_english(
    server: ServerProcess, stand_in: PushService
) -> None:
    drain(server)
    first, second, mine = issue(server), issue(server), issue(server, "en")
    browser = stand_in.subscribe()
    answer = subscribe(server, mine, "push", browser.json())
    assert (answer.status_code, answer.json()) == (201, {"channels": ["push"]})
    assert server.call_next(SITE, "c1").body["ticket"]["id"] == first["id"]
    near = stand_in.wait_for(1, browser.endpoint)[0]
    assert near.payload["kind"] == "near" and near.payload["label"] == mine["label"]
    assert near.payload["title"] == "Your turn is near"
    assert f"Number {mine['label']}: 1 people ahead" in near.payload["body"]
    assert near.payload["url"] == f"{server.url}/t/{mine['public_token']}"
    assert near.headers["Urgency"] == "normal" and near.claims["aud"] == stand_in.origin
    server.act(SITE, first["id"], "cancel")
    assert server.call_next(SITE, "c1").body["ticket"]["id"] == second["id"]
    server.act(SITE, second["id"], "cancel")
    called = server.call_next(SITE, "c1")
    assert called.body["ticket"]["id"] == mine["id"]
    pushes = stand_in.wait_for(2, browser.endpoint)
    assert [p.payload["kind"] for p in pushes] == ["near", "called"]  # near told only once
    assert pushes[1].payload["title"] == "You are being called"
    assert "please go to Counter 1" in pushes[1].payload["body"]
    assert pushes[1].headers["Urgency"] == "high"
    assert pushes[0].vapid_key == pushes[1].vapid_key  # the server's one key
    assert server.act(SITE, mine["id"], "start").status == 200
    assert server.act(SITE, mine["id"], "finish", {"outcome": "consult_only"}).status == 200
    assert eventually(lambda: targets(server) == 0)  # the visit is over: its subscription is gone


def test_email_arrives_through_the_city_mail_server_in_japanese(
    server: ServerProcess, inbox: tuple[int, Inbox]
) -> None:
    drain(server)
    mine = issue(server)
    before = len(inbox[1].messages)
    answer = subscribe(server, mine, "email", {"address": "visitor@example.jp"})
    assert (answer.status_code, answer.json()) == (201, {"channels": ["email"]})
    near = inbox[1].wait(before + 1)[before]  # nobody ahead: near at once
    assert near[1] == ["visitor@example.jp"] and near[2]["Subject"] == "まもなく順番です"
    server.call_next(SITE, "c1")
    called = inbox[1].wait(before + 2)[before + 1][2]
    assert called["Subject"] == "お呼びしています"
    assert f"受付番号 {mine['label']}：1番窓口へお越しください。" in called.get_content()
    assert "visitor@example.jp" not in (
        server.log.read_text(encoding="utf-8") if server.log.exists() else ""
    )
    server.act(SITE, mine["id"], "cancel")
    assert eventually(lambda: targets(server) == 0)


def test_an_expired_subscription_is_forgotten_and_a_held_push_never_delays_a_call(
    server: ServerProcess, stand_in: PushService
) -> None:
    drain(server)
    gone_ticket, slow_ticket = issue(server), issue(server)
    gone, slow = stand_in.subscribe(), stand_in.subscribe()
    stand_in.gone.add(gone.endpoint.rsplit("/", 1)[1])
    assert subscribe(server, gone_ticket, "push", gone.json()).status_code == 201
    assert eventually(lambda: targets(server) == 0)  # "near" at once answered 410: forgotten
    release = threading.Event()
    stand_in.holding.clear()
    stand_in.release = release
    try:
        assert subscribe(server, slow_ticket, "push", slow.json()).status_code == 201
        assert stand_in.holding.wait(30)  # its "near" push is held at the push service
        server.act(SITE, gone_ticket["id"], "cancel")
        called = server.call_next(SITE, "c1")  # answered while the push service holds on
        assert called.status == 200 and called.body["ticket"]["id"] == slow_ticket["id"]
        assert (
            len([r for r in stand_in.received if slow.endpoint.endswith(r.subscription_id)]) == 0
        )  # nothing delivered yet: the call did not wait for it
    finally:
        stand_in.release = None
        release.set()
    stand_in.wait_for(2, slow.endpoint, timeout=60)  # both arrive once the service answers
    server.act(SITE, slow_ticket["id"], "cancel")
    assert eventually(lambda: targets(server) == 0)


# The stand-in's subscription in place of the browser's own push service (unreachable offline):
# PushManager.subscribe gives it back, after checking the page asked with the server's key.
STAND_IN_PUSH = """
(subscription) => {
  window.__asked = null;
  PushManager.prototype.getSubscription = async function () { return null; };
  PushManager.prototype.subscribe = async function (options) {
    window.__asked = { userVisibleOnly: options.userVisibleOnly,
                       key: Array.from(new Uint8Array(options.applicationServerKey)) };
    return { toJSON: () => subscription };
  };
}
"""


def test_the_phone_page_registers_its_service_worker_and_subscribes_in_chromium(
    server: ServerProcess, stand_in: PushService, phone_browser: Any
) -> None:
    """What Chromium does for real: the permission, the service worker's registration at /t/
    and the call to PushManager.subscribe with the server's VAPID key. Chromium's own push
    service (Google's FCM) is out of reach offline, so subscribe() there ends in an error,
    which the page reports; a second page is given the stand-in's subscription in place of
    FCM's, and the whole path page -> server -> push service runs."""
    drain(server)
    real, mine = issue(server, "en"), issue(server, "en")
    browser_side = stand_in.subscribe()

    def scenario(browser: Any) -> dict[str, Any]:
        context = browser.new_context(locale="en-US", service_workers="allow")
        context.grant_permissions(["notifications"], origin=server.url)
        try:
            page = context.new_page()
            page.goto(f"{server.url}/t/{real['public_token']}")
            page.click("#notify-on")
            page.wait_for_function(
                "() => document.getElementById('notify-state').textContent !== ''", timeout=60_000
            )
            registration = page.evaluate("""async () => {
                const r = await navigator.serviceWorker.getRegistration('/t/');
                return r && { scope: r.scope, script: r.active && r.active.scriptURL };
            }""")
            real_outcome = {
                "state": page.inner_text("#notify-state"),
                "error": page.get_attribute("#notify", "data-error"),
            }
            other = context.new_page()
            other.add_init_script(f"({STAND_IN_PUSH})({json.dumps(browser_side.json())})")
            other.goto(f"{server.url}/t/{mine['public_token']}")
            other.click("#notify-on")
            other.wait_for_function(
                "() => document.getElementById('notify-state').textContent"
                " === 'Notifications are on.'",
                timeout=30_000,
            )
            return {
                "registration": registration,
                "real": real_outcome,
                "asked": other.evaluate("() => window.__asked"),
                "key": other.get_attribute("#notify", "data-push-key"),
                "off_shown": other.is_visible("#notify-off"),
            }
        finally:
            context.close()

    seen = phone_browser.run(scenario)
    assert seen["registration"] == {"scope": f"{server.url}/t/", "script": f"{server.url}/t/sw.js"}
    # FCM unreachable: the subscription fails and the page says so (or, were FCM reachable,
    # the subscription would be stored: fcm.googleapis.com is on the allow-list).
    assert seen["real"]["state"] in (
        "Notifications could not be turned on. Please try again.",
        "Notifications are on.",
    ), seen["real"]
    assert seen["asked"]["userVisibleOnly"] is True
    assert b64(bytes(seen["asked"]["key"])) == seen["key"]
    assert seen["off_shown"]
    assert server.call_next(SITE, "c1").body["ticket"]["id"] == real["id"]
    server.act(SITE, real["id"], "cancel")
    assert server.call_next(SITE, "c1").body["ticket"]["id"] == mine["id"]
    pushes = stand_in.wait_for(2, browser_side.endpoint)
    assert [p.payload["kind"] for p in pushes] == ["near", "called"]
    server.act(SITE, mine["id"], "cancel")
    assert eventually(lambda: targets(server) == 0)


def test_oversized_and_malformed_addresses_are_refused_and_nothing_is_stored(
    server: ServerProcess,
) -> None:
    mine = issue(server)
    before = targets(server)
    for address, code in (
        ("v" * 250 + "@example.jp", "email_too_long"),
        ("v@example.jp\r\nBcc: all@example.jp", "email_invalid"),
        ("not an address", "email_invalid"),
    ):
        answer = subscribe(server, mine, "email", {"address": address})
        assert (answer.status_code, answer.json()["error"]) == (422, code)
    too_big = subscribe(server, mine, "email", {"address": "v" * 2000 + "@example.jp"})
    assert too_big.status_code == 422 and too_big.json()["error"] == "invalid_field"
    assert targets(server) == before
    server.act(SITE, mine["id"], "cancel")


# Chromium's DevTools hand a push message to a service worker as its push service would (the
# payload already decrypted: the stand-in decrypted the server's, with the subscription's keys).
SHOWN = """async () => {
  const registration = await navigator.serviceWorker.getRegistration('/t/');
  const shown = await registration.getNotifications();
  return shown.map((n) => ({ title: n.title, body: n.body, lang: n.lang, tag: n.tag,
                             url: n.data && n.data.url, sticky: n.requireInteraction }));
}"""


def test_the_service_worker_shows_the_pushed_notices_in_the_visitors_language(
    server: ServerProcess, stand_in: PushService, phone_browser: Any
) -> None:
    """A welfare visitor reading Vietnamese turns notifications on from the page; the server's
    "near" and "called" pushes, as the stand-in decrypted them, are delivered to the page's
    service worker through the DevTools protocol, which shows them: in Vietnamese, the
    "called" one replacing the "near" one (one notice per ticket), and neither naming the
    desk nor anything else about the visit beyond its number and counter."""
    words = json.loads((ROOT / "server/phone/i18n/vi.json").read_text(encoding="utf-8"))
    while (ahead := server.call_next(SITE, "c3")).status == 200:  # the welfare line empty
        server.act(SITE, ahead.body["ticket"]["id"], "cancel")
    mine = issue_for(server, "welfare", "vi")
    browser_side = stand_in.subscribe()
    sent: list[Any] = []

    def scenario(browser: Any) -> list[list[dict[str, Any]]]:
        context = browser.new_context(locale="vi-VN", service_workers="allow")
        context.grant_permissions(["notifications"], origin=server.url)
        try:
            page = context.new_page()
            page.add_init_script(f"({STAND_IN_PUSH})({json.dumps(browser_side.json())})")
            page.goto(f"{server.url}/t/{mine['public_token']}")
            page.click("#notify-on")
            expect(page.locator("#notify-state")).to_have_text(words["notify_on"])
            worker = context.new_cdp_session(page)
            registrations: list[dict[str, Any]] = []
            worker.on(
                "ServiceWorker.workerRegistrationUpdated",
                lambda found: registrations.extend(found["registrations"]),
            )
            worker.send("ServiceWorker.enable")
            deadline = time.monotonic() + 10
            while not any(r["scopeURL"] == f"{server.url}/t/" for r in registrations):
                assert time.monotonic() < deadline, registrations
                page.wait_for_timeout(50)  # the protocol's events arrive on this thread
            registration = next(r for r in registrations if r["scopeURL"] == f"{server.url}/t/")
            near = stand_in.wait_for(1, browser_side.endpoint)[0]  # sent once subscribed
            called = server.call_next(SITE, "c3")
            assert called.body["ticket"]["id"] == mine["id"], called.body
            pushed = stand_in.wait_for(2, browser_side.endpoint)[1]
            shown = []
            for push in (near, pushed):
                sent.append(push.payload)
                worker.send(
                    "ServiceWorker.deliverPushMessage",
                    {
                        "origin": server.url,
                        "registrationId": registration["registrationId"],
                        "data": json.dumps(push.payload),
                    },
                )
                page.wait_for_function(
                    f"""async () => (await ({SHOWN})()).some(
                        (n) => n.title === {json.dumps(push.payload["title"])})"""
                )
                shown.append(page.evaluate(SHOWN))
            return shown
        finally:
            context.close()

    after_near, after_called = phone_browser.run(scenario)
    assert [p["kind"] for p in sent] == ["near", "called"]
    label, place = mine["label"], "テスト会場 n1"
    assert after_near == [
        {
            "title": words["notify_near_title"],
            "body": words["notify_near_body"].format(label=label, n=0) + "\n" + place,
            "lang": "vi",
            "tag": f"madoguchi-{label}",
            "url": f"{server.url}/t/{mine['public_token']}",
            "sticky": False,
        }
    ]
    counter = words["counter"].format(n=3)
    assert after_called == [  # the same tag: the call replaces the notice that it was near
        {
            "title": words["notify_called_title"],
            "body": words["notify_called_body"].format(label=label, counter=counter)
            + "\n"
            + place,
            "lang": "vi",
            "tag": f"madoguchi-{label}",
            "url": f"{server.url}/t/{mine['public_token']}",
            "sticky": True,  # stays until the visitor sees it
        }
    ]
    told = json.dumps(after_near + after_called, ensure_ascii=False)
    for secret in ("生活・福祉の相談", "相談窓口", "welfare", "生活", "福祉"):
        assert secret not in told
    server.act(SITE, mine["id"], "cancel")
    assert eventually(lambda: targets(server) == 0)
