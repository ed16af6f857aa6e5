"""Two consoles at one site stay consistent, live; one press is one action, even pressed twice
or sent again after the network failed."""

from __future__ import annotations

from playwright.sync_api import Request, Route, expect

from tests.counter.conftest import OpenConsole
from tests.counter.console_page import DESKS, ConsolePage, calls_at, error, issue, ui
from tests.harness import ADMIN, ServerProcess


def test_a_call_at_one_console_takes_the_number_off_the_others_queue_live(
    open_console: OpenConsole,
    server: ServerProcess,
) -> None:
    one = open_console("sato", "a-c1")  # serves job
    two = open_console("suzuki", "a-c2")  # serves job and career
    first = issue(server, ["job", "career"])["label"]
    second = issue(server, ["job"])["label"]
    for console in (one, two):
        expect(console.row(first)).to_be_visible()
        expect(console.row(second)).to_be_visible()

    one.key("F1")
    one.expect_in_hand(first, "called")
    expect(two.row(first)).to_have_count(0)  # gone from the other console without a reload
    expect(two.row(second)).to_be_visible()
    two.key("F1")
    two.expect_in_hand(second, "called")
    expect(one.row(second)).to_have_count(0)

    # Finishing at counter 1 sends the visit on to career, which counter 2 serves.
    one.key("f")
    one.key("Digit1")
    one.expect_ack(ui("ack.finish_next", label=first, outcome="相談のみ", desk=DESKS["career"]))
    expect(two.row(first, "career")).to_be_visible()
    two.screenshot("second-console")

    # A transfer from counter 2 to job shows at counter 1 with where it came from.
    two.key("t")
    two.pick("transfer", DESKS["career"])
    two.page.locator("#transfer-note").fill("求人票を一緒に確認")
    two.page.locator("#transfer-submit").click()
    two.expect_ack(ui("ack.transfer", label=second, desk=DESKS["career"]))
    expect(two.row(second, "career").locator(".q-from")).to_have_text(
        ui("queues.transferred", desk=DESKS["job"])
    )
    expect(two.row(second, "career").locator(".q-note")).to_have_attribute(
        "title", "申し送り（職員のみ）: 求人票を一緒に確認"
    )


def test_a_double_click_on_call_next_calls_one_number(console: ConsolePage) -> None:
    server = console.server
    first = issue(server, ["job"])["label"]
    second = issue(server, ["job"])["label"]
    expect(console.row(second)).to_be_visible()
    before = calls_at(server, "a-c1")

    console.page.locator('#actions button[data-action="call-next"]').dblclick()
    console.expect_ack(ui("ack.call-next", label=first))
    console.key("Space")  # and a quick second press by key: refused, not a second call
    console.expect_error(error("counter_busy"))
    expect(console.row(second)).to_be_visible()
    assert calls_at(server, "a-c1") == before + 1


def test_a_call_sent_again_after_a_network_failure_reuses_its_key(console: ConsolePage) -> None:
    server = console.server
    label = issue(server, ["job"])["label"]
    expect(console.row(label)).to_be_visible()
    before = calls_at(server, "a-c1")
    keys: list[str] = []

    def count(request: Request) -> None:
        if request.url.endswith("/call-next"):
            keys.append(request.headers["idempotency-key"])

    console.page.on("request", count)
    network = {"mode": "down"}

    def through(route: Route) -> None:
        if network["mode"] == "down":
            route.abort("internetdisconnected")
        elif network["mode"] == "lose the answer":
            route.fetch()  # the server does it, but its answer never comes back
            network["mode"] = "up"
            route.abort("connectionreset")
        else:
            route.continue_()

    console.page.route("**/call-next", through)
    # The network is down: the console tries three times, then says so.
    console.key("F1")
    console.expect_error(error("network"))
    assert len(keys) == 3 and len(set(keys)) == 1

    # Back, but the first answer is lost: the console sends it again by itself, same key.
    network["mode"] = "lose the answer"
    console.key("F1")  # the same action pressed again: the same key
    console.expect_ack(ui("ack.call-next", label=label))
    assert len(keys) == 5 and set(keys) == {keys[0]}
    assert calls_at(server, "a-c1") == before + 1

    console.key("F1")  # a new press after an answer is a new action, with a new key
    console.expect_error(error("counter_busy"))
    assert keys[-1] != keys[0]


def test_a_login_that_ends_brings_back_the_login_form(console: ConsolePage) -> None:
    reply = console.server.request(
        "POST", "/api/accounts/sato/password", ADMIN, {"password": "a brand new password"}
    )
    assert reply.status == 200, reply.body  # a new password ends the account's logins
    console.key("F1")
    expect(console.page.locator("#screen-login")).to_be_visible()
    expect(console.page.locator("#login-error")).to_have_text(error("session_expired"))
    console.log_in("sato", "a brand new password")
    console.wait_live()  # back at the same counter
    reply = console.server.request(
        "POST", "/api/accounts/sato/password", ADMIN, {"password": "correct horse battery"}
    )
    assert reply.status == 200, reply.body
