"""The kiosk page as a test drives it: open, choose, take a number, and read what it shows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Request

from tests.harness import ServerProcess, token

I18N = Path(__file__).resolve().parents[2] / "kiosk" / "i18n"
SCREENS = ("loading", "refused", "closed", "start", "confirm", "ticket", "appointment")


def strings(language: str) -> dict[str, str]:
    ui: dict[str, str] = json.loads((I18N / f"{language}.json").read_text("utf-8"))["ui"]
    return ui


@dataclass
class Box:
    name: str
    x: float
    y: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass
class KioskPage:
    page: Page
    server: ServerProcess
    site: str
    outside: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("request", self._watch)

    def _watch(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != "127.0.0.1":
            self.outside.append(request.url)

    # ---- driving -----------------------------------------------------------------------

    def open(self, device: str | None = "kiosk", raw_token: str | None = None) -> KioskPage:
        """Open /kiosk/ as an administrator's link would, with the device's token."""
        secret = raw_token or (token(self.site, device) if device else None)
        query = f"?token={secret}" if secret else ""
        self.page.goto(f"{self.server.url}/kiosk/{query}")
        return self

    def wait_for(self, screen: str) -> None:
        self.page.locator(f"#screen-{screen}").wait_for(state="visible")

    def screen(self) -> str:
        return str(self.page.locator("#app").get_attribute("data-screen"))

    def language(self, code: str) -> None:
        self.page.locator(f'button.lang[data-lang="{code}"]').click()

    def purpose(self, service: str) -> Locator:
        return self.page.locator(f'.purpose[data-service="{service}"]')

    def choose(self, *services: str) -> None:
        """Choose the purposes in this order: the first from the start screen, then 'add'."""
        self.wait_for("start")
        for index, service in enumerate(services):
            if index:
                self.page.locator("#add-more").click()
                self.wait_for("start")
            self.purpose(service).click()
            self.wait_for("confirm")

    def take_number(self) -> str:
        self.page.locator("#issue").click()
        self.wait_for("ticket")
        return self.page.locator("#ticket-number").inner_text().strip()

    def idle(self, seconds: float) -> None:
        """Let time pass with nobody touching the screen (the page's clock is installed)."""
        self.page.clock.fast_forward(int(seconds * 1000))

    # ---- reading -----------------------------------------------------------------------

    def text_of(self, selector: str) -> str:
        return self.page.locator(selector).inner_text().strip()

    def visible_text(self) -> str:
        return self.page.locator("body").inner_text()

    def controls(self) -> list[Box]:
        """Every button the visitor can see now, with its place on the screen."""
        found = self.page.evaluate("""() => Array.from(document.querySelectorAll(
            'button, [role=button], a[href], input, select, textarea'))
          .filter(el => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
          .filter(el => { const r = el.getBoundingClientRect(); return r.width && r.height; })
          .map(el => { const r = el.getBoundingClientRect();
            return {name: (el.id || el.dataset.service || el.dataset.lang || el.textContent)
                          .trim().slice(0, 40), x: r.x, y: r.y, width: r.width,
                    height: r.height}; })""")
        return [Box(**item) for item in found]

    def waiting_ids(self) -> set[int]:
        return {t["id"] for t in self.waiting()}

    def new_tickets(self, before: set[int]) -> list[dict[str, Any]]:
        """The tickets waiting now that were not waiting before."""
        return [t for t in self.waiting() if t["id"] not in before]

    def waiting(self) -> list[dict[str, Any]]:
        """What the server says is waiting at this site (staff view), across desks."""
        reply = self.server.request("GET", f"/api/sites/{self.site}/queues",
                                    token(self.site, "staff1"))
        assert reply.status == 200, reply.body
        return [t for q in reply.body["queues"] for t in q["waiting"]]
