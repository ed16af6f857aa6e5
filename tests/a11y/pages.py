"""Every page a person sees, walked through in the states axe should check.

A `Journey` opens one kind of page in a fresh browser page and yields a name each time the
page shows something to check (a screen, a language, a zoom); the test runs axe there. To
check a new page, add a function that yields its states and one `Journey` to JOURNEYS.
Walking through states in one page, rather than opening the page for each, keeps the run
short: an axe run costs a few hundred milliseconds, a page load and a login more.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize, expect

from tests.conftest import KIOSK_SITE
from tests.harness import ADMIN, ServerProcess, token

LANGUAGES = [
    p.stem for p in (Path(__file__).resolve().parents[2] / "kiosk" / "i18n").glob("*.json")
]
PASSWORD = "correct horse battery"
KIOSK: ViewportSize = {"width": 1080, "height": 1920}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
TV: ViewportSize = {"width": 1920, "height": 1080}


def zoomed(size: ViewportSize, percent: int = 200) -> ViewportSize:
    """The layout viewport of a browser zoomed to `percent`: as many CSS pixels fewer."""
    return {"width": size["width"] * 100 // percent, "height": size["height"] * 100 // percent}


@dataclass
class Visit:
    page: Page
    server: ServerProcess
    site: str  # a site of this module's own on the pooled server

    def go(self, path: str) -> None:
        self.page.goto(self.server.url + path)

    def issue(self, services: list[str], language: str | None = None) -> dict[str, Any]:
        reply = self.server.issue(self.site, services, language=language)
        assert reply.status == 201, reply.body
        ticket: dict[str, Any] = reply.body
        return ticket

    def log_in(self, path: str, username: str) -> None:
        """Log in through the page's own form (the admin page's and the reports' fields)."""
        self.go(path)
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(PASSWORD)
        self.page.locator("button[type=submit]").click()
        self.page.wait_for_load_state()


@dataclass
class Journey:
    name: str
    viewport: ViewportSize
    walk: Callable[[Visit], Iterator[str]]


def account(server: ServerProcess, username: str, role: str, site: str | None) -> str:
    """An account on the pooled server (made once; the server outlives the test)."""
    body: dict[str, Any] = {
        "username": username,
        "role": role,
        "password": PASSWORD,
        "name": "試験 太郎",
    }
    if site:
        body.update(site=site, organisations=["hellowork", "city"])
    reply = server.request("POST", "/api/accounts", ADMIN, body, key=uuid.uuid4().hex)
    assert reply.status in (201, 409), reply.body
    return username


# ---- the kiosk ------------------------------------------------------------------------------


def kiosk(visit: Visit) -> Iterator[str]:
    page = visit.page
    visit.go(f"/kiosk/?token={token(KIOSK_SITE, 'kiosk')}")
    page.locator("#screen-start").wait_for(state="visible")
    yield "start ja"
    for code in LANGUAGES:
        if code != "ja":
            page.locator(f'button.lang[data-lang="{code}"]').click()
            expect(page.locator(f'button.lang[data-lang="{code}"]')).to_have_attribute(
                "aria-pressed", "true"
            )
            yield f"start {code}"
    page.locator('button.lang[data-lang="ja"]').click()
    page.set_viewport_size(zoomed(KIOSK))
    yield "start 200%"
    page.locator("#larger").click()
    page.locator('.purpose[data-service="job"]').click()
    page.locator("#screen-confirm").wait_for(state="visible")
    yield "confirm 200% larger text"
    page.locator("#larger").click()
    page.set_viewport_size(KIOSK)
    yield "confirm"
    page.locator("#issue").click()
    page.locator("#screen-ticket").wait_for(state="visible")
    expect(page.locator("#ticket-qr-box")).to_be_visible()
    yield "ticket"
    page.set_viewport_size(zoomed(KIOSK))
    yield "ticket 200%"


# ---- the displays ---------------------------------------------------------------------------


def display(visit: Visit) -> Iterator[str]:
    visit.issue(["job"])
    visit.issue(["welfare"])
    visit.issue(["career"])
    # the counter may hold an earlier call of this site's: the display shows that one then
    assert visit.server.call_next(visit.site, "c1").status in (200, 409)
    for device, name in (
        ("display", "waiting room"),
        ("display-welfare", "welfare corner"),
        ("display-c1", "over a counter"),
    ):
        visit.go(f"/display/?token={token(visit.site, device)}")
        visit.page.wait_for_function(
            "() => document.getElementById('app').dataset.connection === 'live'"
        )
        if device == "display":
            expect(visit.page.locator("#calls .call").first).to_be_visible()
        yield name
    # Set to show its own sensitive desks' figures (tests/display/test_corner.py).
    shown = visit.server.request(
        "PATCH",
        f"/api/sites/{visit.site}/configuration/devices/{visit.site}-display-welfare",
        ADMIN,
        {"show_sensitive": ["welfare", "housing"]},
    )
    assert shown.status == 200, shown.body
    visit.go(f"/display/?token={token(visit.site, 'display-welfare')}")
    expect(visit.page.locator("#waiting tr.corner").first).to_be_visible()
    yield "welfare corner, with its desks' figures"


# ---- the phone page -------------------------------------------------------------------------


def phone(visit: Visit) -> Iterator[str]:
    for language in ("ja", "ja-easy", "vi"):
        ticket = visit.issue(["career", "job"], language=language)
        visit.go(f"/t/{ticket['public_token']}")
        expect(visit.page.locator("#number")).to_be_visible()
        yield language
    visit.page.set_viewport_size(zoomed(PHONE))
    yield "vi 200%"


# ---- staff: the console ---------------------------------------------------------------------


def console(visit: Visit) -> Iterator[str]:
    page = visit.page
    staff = account(visit.server, f"a11y-{visit.site}", "staff", visit.site)
    visit.issue(["job"])
    visit.issue(["welfare"])
    visit.go("/counter/")
    page.locator("#screen-login").wait_for(state="visible")
    yield "login"
    page.locator("#login-username").fill(staff)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.locator("#screen-choose").wait_for(state="visible")
    yield "counters"
    page.locator(f'.choice[data-value="{visit.site}-c2"]').click()
    page.locator("#screen-console").wait_for(state="visible")
    expect(page.locator("#live-state")).to_have_attribute("data-on", "true")
    yield "live"
    call = page.locator('#actions button[data-action="call-next"]')
    if call.is_enabled():  # an earlier walk may have left a call in hand
        call.click()
    expect(page.locator("#in-hand")).to_have_attribute("data-state", "called")
    yield "called"


# ---- managers and administrators ------------------------------------------------------------


def reports(visit: Visit) -> Iterator[str]:
    manager = account(visit.server, f"a11y-m-{visit.site}", "manager", visit.site)
    visit.go("/reports/")
    yield "login"
    visit.log_in("/reports/", manager)
    for path, name in (
        ("", "dashboard"),
        ("figures", "figures"),
        ("targets", "targets"),
        ("settings", "settings"),
    ):
        visit.go(f"/reports/{path}")
        expect(visit.page.locator("nav.tabs")).to_be_visible()
        visit.page.wait_for_load_state("networkidle")
        yield name


def admin(visit: Visit) -> Iterator[str]:
    root = account(visit.server, "a11y-admin", "admin", None)
    visit.go("/admin/")
    yield "login"
    visit.log_in("/admin/", root)
    expect(visit.page.locator("#site-settings")).to_be_visible()
    yield "devices and accounts"
    visit.go(f"/admin/sites/{visit.site}")
    visit.page.wait_for_load_state("networkidle")
    yield "site"
    visit.go("/counter/")  # the same login: an administrator's console asks for the site
    visit.page.locator("#screen-choose").wait_for(state="visible")
    yield "console site picker"


# ---- the public status pages -----------------------------------------------------------------


def status(visit: Visit) -> Iterator[str]:
    for path, name in (
        ("/status/", "all sites"),
        (f"/status/{visit.site}", "a site"),
        (f"/status/{visit.site}?lang=en", "a site en"),
        (f"/status/{visit.site}?lang=ja-easy", "a site ja-easy"),
        (f"/status/{visit.site}/poster", "poster"),
    ):
        visit.go(path)
        visit.page.wait_for_load_state("networkidle")
        yield name
    visit.page.set_viewport_size(zoomed(PHONE))
    visit.go(f"/status/{visit.site}")
    visit.page.wait_for_load_state("networkidle")
    yield "a site 200%"


JOURNEYS: list[Journey] = [
    Journey("kiosk", KIOSK, kiosk),
    Journey("display", TV, display),
    Journey("phone page", PHONE, phone),
    Journey("console", DESKTOP, console),
    Journey("reports", DESKTOP, reports),
    Journey("admin", DESKTOP, admin),
    Journey("status", PHONE, status),
]
