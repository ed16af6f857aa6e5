"""The documentation's screenshots: the kiosk, the display, the counter console and the phone
page of a real server, in one fixed scene, taken by the test browser.

    .venv/bin/python -m tests.docs.screenshots     # take them again, into docs/_static/

Each screenshot comes with a record of what the page showed: its visible text, and the box of
each visible element that has an id. tests/docs/test_screenshots.py plays the same scene and
compares the records, so a page that shows something new (a word, a button, a moved panel)
fails it until the screenshots are taken again; pixels (fonts, antialiasing) are never
compared, so the test does not break when nothing a reader could see has changed.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from server.siteconfig import default_sites_path
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.harness import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "_static" / "screenshots"
RECORD = SHOTS / "screenshots.json"
SITE = "kita"
JST = timezone(timedelta(hours=9))
NOW = datetime(2026, 4, 1, 10, 0, tzinfo=JST)  # a Wednesday morning; the pages' "now"
TOLERANCE = 8  # CSS pixels a box may move before the screenshot counts as out of date

# What the record of a page holds: its visible text, and the box of each element with an id.
_RECORD_JS = """() => {
  const boxes = {};
  for (const el of document.querySelectorAll("[id]")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    boxes[el.id] = [r.x, r.y, r.width, r.height].map(Math.round);
  }
  return { text: document.body.innerText.replace(/\\s+/g, " ").trim(), boxes: boxes };
}"""


@dataclass(frozen=True)
class Shot:
    """One page to photograph: its size as people see it, and how it is made smaller."""

    name: str
    viewport: ViewportSize
    scale: float  # device pixels per CSS pixel in the image: keeps the files small


SHOTS_TAKEN = (
    Shot("kiosk", {"width": 1080, "height": 1920}, 0.5),
    Shot("display", {"width": 1920, "height": 1080}, 0.5),
    Shot("counter", {"width": 1366, "height": 768}, 0.75),
    Shot("phone", {"width": 390, "height": 844}, 1),
)


@dataclass
class Scene:
    """The server and what the scene made: tokens, the account, the phone page's ticket."""

    server: ServerProcess
    tokens: dict[str, str]
    password: str
    phone_token: str


def _tokens(init_output: str) -> dict[str, str]:
    """Device id → token, from `madoguchi init`'s list of new tokens."""
    tokens = {}
    for line in init_output.splitlines():
        words = line.split()
        if len(words) >= 4 and words[0] in ("kiosk", "display", "staff", "manager", "admin"):
            tokens[words[1]] = words[-1]  # the site may be two words: "all sites"
    return tokens


@contextmanager
def scene(workdir: Path) -> Iterator[Scene]:
    """Sapporo's 北区 centre at ten in the morning: people waiting at several desks, two
    counters serving, a few calls made, and a staff account logged in at counter 2."""
    server = ServerProcess(
        workdir,
        [],
        sites_text=default_sites_path().read_text("utf-8"),
        env={"MADOGUCHI_CLOCK": "simulated"},
    )
    done = server.cli("init", "--config", str(server.sites_path))
    assert done.returncode == 0, done.stderr
    tokens = _tokens(done.stdout)
    password = uuid.uuid4().hex
    server.add_account(
        "sato",
        ["--role", "staff", "--site", SITE, "--name", "佐藤", "--organisation", "hellowork"],
        password,
    )
    server.start()
    try:
        admin = tokens["admin"]

        def clock(at: datetime) -> None:
            assert (
                server.request("POST", "/api/clock", admin, {"set": at.isoformat()}).status == 200
            )

        def issue(services: list[str]) -> dict[str, Any]:
            reply = server.request(
                "POST",
                f"/api/sites/{SITE}/tickets",
                tokens[f"{SITE}-kiosk"],
                {"services": services},
                key=uuid.uuid4().hex,
            )
            assert reply.status == 201, reply.body
            printed(reply.body["id"])
            return reply.body  # type: ignore[no-any-return]

        def printed(ticket_id: int) -> None:
            """Wait for the ticket's print to be logged: its time is the clock's when it ends,
            so the clock must not move before it does."""
            deadline = time.monotonic() + 30  # a guard against a hang, not a measurement
            while time.monotonic() < deadline:
                events = server.request("GET", f"/api/tickets/{ticket_id}", admin).body["journey"]
                if any(event["kind"] == "printed" for event in events):
                    return
                time.sleep(0.05)
            raise AssertionError(f"ticket {ticket_id} was never printed")

        def act(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
            reply = server.request("POST", path, admin, body or {}, key=uuid.uuid4().hex)
            assert reply.status == 200, reply.body
            return reply.body  # type: ignore[no-any-return]

        def call(path: str) -> int:
            return int(act(path)["ticket"]["id"])

        start = NOW - timedelta(minutes=40)
        visits = [
            ["job_referral"],
            ["job_search"],
            ["career", "job_referral"],
            ["job_referral"],
            ["welfare"],
            ["job_search"],
            ["job_referral"],
            ["career"],
            ["job_referral"],
            ["housing"],
            ["job_search"],
            ["job_referral"],
        ]
        issued = []
        for minutes, services in enumerate(visits):
            clock(start + timedelta(minutes=3 * minutes))
            issued.append(issue(services))
        clock(NOW - timedelta(minutes=12))
        first = call(f"/api/sites/{SITE}/counters/{SITE}-3/call-next")
        act(f"/api/tickets/{first}/start")
        clock(NOW - timedelta(minutes=5))
        act(f"/api/tickets/{first}/finish", {"outcome": "referral_issued"})
        for counter, minutes in (("6", 4), ("3", 3), ("4", 2)):
            clock(NOW - timedelta(minutes=minutes))
            call(f"/api/sites/{SITE}/counters/{SITE}-{counter}/call-next")
        clock(NOW - timedelta(minutes=1))
        act(f"/api/tickets/{call(f'/api/sites/{SITE}/counters/{SITE}-2/call-next')}/start")
        clock(NOW)
        yield Scene(server, tokens, password, issued[-1]["public_token"])
    finally:
        server.stop()


def _open(browser: Browser, shot: Shot) -> Page:
    context = browser.new_context(
        viewport=shot.viewport,
        device_scale_factor=shot.scale,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        service_workers="block",
        has_touch=shot.name != "counter",
    )
    context.clock.install(time=NOW)
    return context.new_page()


def _kiosk(page: Page, s: Scene) -> None:
    page.goto(f"{s.server.url}/kiosk/?token={s.tokens[f'{SITE}-kiosk']}")
    page.locator("#purposes button").first.wait_for()


def _display(page: Page, s: Scene) -> None:
    page.goto(f"{s.server.url}/display/?token={s.tokens[f'{SITE}-display-main']}")
    page.locator("#calls .call-number").first.wait_for()
    page.locator("#waiting").wait_for()
    # Shown as installed (sound allowed): the test's Chromium has no autoplay flag, so the
    # display may have found it may not play sound; one touch lets it (displays.md).
    page.locator("#app[data-sound=allowed], #app[data-sound=blocked]").wait_for()
    if page.locator("#app[data-sound=blocked]").count():
        page.locator("#sound").click()
    page.locator("#app[data-sound=allowed]").wait_for()


def _counter(page: Page, s: Scene) -> None:
    login = page.context.request.post(
        f"{s.server.url}/api/session", data={"username": "sato", "password": s.password}
    )
    assert login.status == 200, login.text()
    page.goto(f"{s.server.url}/counter/?site={SITE}&counter={SITE}-2")
    page.locator("#hand-number").wait_for()
    page.locator("#queues li").first.wait_for()


def _phone(page: Page, s: Scene) -> None:
    page.goto(f"{s.server.url}/t/{s.phone_token}")
    page.locator("#ahead").wait_for()


OPENERS = {"kiosk": _kiosk, "display": _display, "counter": _counter, "phone": _phone}


def take(browser: Browser, workdir: Path, into: Path | None) -> dict[str, Any]:
    """Play the scene and record every page; with `into`, also write the screenshots there."""
    records: dict[str, Any] = {}
    with scene(workdir) as s:
        for shot in SHOTS_TAKEN:
            page = _open(browser, shot)
            try:
                OPENERS[shot.name](page, s)
                page.wait_for_load_state("networkidle")
                if into is not None:
                    page.screenshot(path=into / f"{shot.name}.png", animations="disabled")
                records[shot.name] = {
                    "viewport": shot.viewport,
                    "scale": shot.scale,
                    **page.evaluate(_RECORD_JS),
                }
            finally:
                page.context.close()
    return records


def differences(recorded: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What a page shows now that its screenshot does not, in words."""
    found = []
    for name in sorted(set(recorded) | set(now)):
        was, is_ = recorded.get(name), now.get(name)
        if was is None or is_ is None:
            found.append(f"{name}: {'no screenshot' if was is None else 'no longer taken'}")
            continue
        if was["text"] != is_["text"]:
            found.append(f"{name}: the text differs:\n  was {was['text']!r}\n  now {is_['text']!r}")
        for element in sorted(set(was["boxes"]) ^ set(is_["boxes"])):
            shown = "now shown" if element in is_["boxes"] else "no longer shown"
            found.append(f"{name}: #{element} is {shown}")
        for element in sorted(set(was["boxes"]) & set(is_["boxes"])):
            a, b = was["boxes"][element], is_["boxes"][element]
            if any(abs(x - y) > TOLERANCE for x, y in zip(a, b, strict=True)):
                found.append(f"{name}: #{element} moved or changed size: {a} → {b}")
    return found


def main() -> int:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            records = take(browser, Path(tmp), SHOTS)
        finally:
            browser.close()
    RECORD.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {', '.join(f'{name}.png' for name in records)} and {RECORD.name} in {SHOTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
