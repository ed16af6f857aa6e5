"""The counter console as a test drives it: log in, choose a counter, press, and read."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.harness import ADMIN, Reply, ServerProcess, token

PASSWORD = "correct horse battery"
WORDS = json.loads(
    (Path(__file__).resolve().parents[2] / "counter" / "i18n" / "ja.json").read_text("utf-8")
)
# The desks of the harness's site file, by id.
DESKS = {
    "job": "職業相談・職業紹介",
    "search": "求人検索",
    "career": "キャリア・カウンセリング",
    "welfare": "生活・福祉の相談",
    "housing": "住居確保給付金",
}


def ui(key: str, **values: Any) -> str:
    text: str = WORDS["ui"][key]
    return text.format(**values)


def error(code: str, **values: Any) -> str:
    text: str = WORDS["errors"][code]
    return text.format(**values)


@dataclass
class ConsolePage:
    page: Page
    server: ServerProcess

    # ---- getting there -----------------------------------------------------------------

    def open(self, query: str = "") -> ConsolePage:
        self.page.goto(f"{self.server.url}/counter/{query}")
        return self

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        self.page.locator("#login-username").fill(username)
        self.page.locator("#login-password").fill(password)
        self.page.locator("#login-submit").click()

    def choose(self, counter: str) -> None:
        self.page.locator(f'.choice[data-value="{counter}"]').click()
        self.wait_live()

    def wait_live(self) -> None:
        expect(self.page.locator("#screen-console")).to_be_visible()
        expect(self.page.locator("#live-state")).to_have_attribute("data-on", "true")

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=f"/tmp/counter-{name}.png")

    # ---- acting ------------------------------------------------------------------------

    def press(self, action: str) -> None:
        """Click an action button (it must be enabled)."""
        self.page.locator(f'#actions button[data-action="{action}"]').click()

    def key(self, key: str) -> None:
        self.page.keyboard.press(key)

    def pick(self, dialog: str, label: str) -> None:
        """Click the choice called `label` in an open picker dialog."""
        self.page.locator(f"#dlg-{dialog} .pick", has_text=label).click()

    # ---- reading -----------------------------------------------------------------------

    @property
    def ack(self) -> Locator:
        return self.page.locator("#ack")

    @property
    def alert(self) -> Locator:
        return self.page.locator("#error[role=alert]")

    @property
    def hand_number(self) -> Locator:
        return self.page.locator("#hand-number")

    def hand_state(self) -> Locator:
        return self.page.locator("#in-hand")

    def row(self, label: str, service: str = "job") -> Locator:
        """The queue row of a number, in the list of `service`."""
        return self.page.locator(
            f'#queues .queue[data-service="{service}"] .q-row[data-label="{label}"]'
        )

    def parked_row(self, label: str) -> Locator:
        return self.page.locator(f'#parked .q-row[data-label="{label}"]')

    def expect_ack(self, text: str) -> None:
        expect(self.ack).to_have_text(text)

    def expect_error(self, text: str) -> None:
        expect(self.alert).to_be_visible()
        expect(self.page.locator("#error-text")).to_have_text(text)

    def expect_in_hand(self, label: str, status: str) -> None:
        expect(self.hand_number).to_have_text(label)
        expect(self.hand_state()).to_have_attribute("data-state", status)


# ---- the server side, over HTTP ------------------------------------------------------------


def issue(
    server: ServerProcess, services: list[str], priority: bool = False, site: str = "a"
) -> dict[str, Any]:
    reply = server.issue(site, services, priority=priority)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def staff_snapshot(server: ServerProcess, site: str = "a") -> dict[str, Any]:
    reply = server.request("GET", f"/api/sites/{site}/snapshot", ADMIN)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def public_snapshot(
    server: ServerProcess, device: str = "display", site: str = "a"
) -> dict[str, Any]:
    reply = server.request("GET", f"/api/sites/{site}/snapshot", token(site, device))
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def waiting(server: ServerProcess, service: str, site: str = "a") -> list[dict[str, Any]]:
    return next(
        s["waiting"] for s in staff_snapshot(server, site)["services"] if s["id"] == service
    )


def events(server: ServerProcess, site: str = "a") -> list[dict[str, Any]]:
    reply = server.request("GET", f"/api/sites/{site}/events?limit=5000", ADMIN)
    assert reply.status == 200, reply.body
    return reply.body["events"]  # type: ignore[no-any-return]


def calls_at(server: ServerProcess, counter: str, site: str = "a") -> int:
    """How many times the event log says `counter` called a number."""
    return sum(1 for e in events(server, site) if e["kind"] == "called" and e["counter"] == counter)


def today(server: ServerProcess, counter: str, site: str = "a") -> dict[str, Any]:
    reply = server.request("GET", f"/api/sites/{site}/counters/{counter}/today", ADMIN)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def act(
    server: ServerProcess,
    ticket: int,
    action: str,
    body: dict[str, Any] | None = None,
    site: str = "a",
) -> Reply:
    return server.request(
        "POST",
        f"/api/tickets/{ticket}/{action}",
        token(site, "staff1"),
        body or {},
        key=uuid.uuid4().hex,
    )


def minutes(text: str) -> int:
    found = re.fullmatch(r"(\d+)分", text.strip())
    assert found, text
    return int(found[1])
