"""The display page as a test drives it: open it with a device's token and read what it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request

from tests.harness import ServerProcess, token

# Everything the page can be asked: its text, every attribute, the audio log.
EVERYTHING = """() => {
  const attributes = [];
  document.querySelectorAll("*").forEach(el => {
    for (const a of el.attributes) attributes.push(a.name + "=" + a.value);
  });
  return {text: document.body.innerText, html: document.documentElement.outerHTML,
          attributes, announcements: window.__announcements || []};
}"""


@dataclass
class DisplayPage:
    page: Page
    server: ServerProcess
    site: str
    outside: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("request", self._watch)

    def _watch(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.hostname != "127.0.0.1":
            self.outside.append(request.url)

    def open(self, device: str = "display") -> DisplayPage:
        self.page.goto(f"{self.server.url}/display/?token={token(self.site, device)}")
        return self

    def wait_for(self, screen: str) -> None:
        self.page.locator(f"#screen-{screen}").wait_for(state="visible")

    def wait_until_live(self) -> None:
        self.page.wait_for_function(
            "() => document.getElementById('app').dataset.connection === 'live'"
        )

    def calls(self) -> list[tuple[str, str]]:
        """The numbers being called now, newest first, with their counters."""
        found: list[list[str]] = self.page.eval_on_selector_all(
            "#calls .call",
            "els => els.map(e => [e.querySelector('.call-number').textContent,"
            " e.querySelector('.name').textContent])",
        )
        return [(label, counter) for label, counter in found]

    def recent(self) -> list[tuple[str, str]]:
        found: list[list[str]] = self.page.eval_on_selector_all(
            "#recent li",
            "els => els.map(e => [e.querySelector('.recent-number').textContent,"
            " e.querySelector('.recent-counter').textContent])",
        )
        return [(label, counter) for label, counter in found]

    def wait_for_call(self, label: str, counter_name: str, timeout: float = 15000) -> None:
        self.page.wait_for_function(
            """([label, name]) => Array.from(document.querySelectorAll('#calls .call')).some(
                 e => e.querySelector('.call-number').textContent === label
                   && e.querySelector('.name').textContent === name)""",
            arg=[label, counter_name],
            timeout=timeout,
        )

    def announcements(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.page.evaluate("window.__announcements || []")
        return found

    def wait_for_announcements(
        self, count: int, started: bool = True, timeout: float = 90000
    ) -> list[dict[str, Any]]:
        """Wait until `count` calls have started (or ended) being spoken. Each call is made
        into audio by the server's voice process, which a server just (re)started loads first,
        and each is spoken whole before the next: seconds on an idle machine, but a run with a
        CPU hog and other load took more than 30 s."""
        field_ = "start" if started else "end"
        self.page.wait_for_function(
            f"n => (window.__announcements || []).filter(a => a.{field_} !== null).length >= n",
            arg=count,
            timeout=timeout,
        )
        return self.announcements()

    def everything(self) -> dict[str, Any]:
        found: dict[str, Any] = self.page.evaluate(EVERYTHING)
        return found
