"""The same protective headers on every answer, and pages that still work under them.

Every response says `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`,
and carries a Content-Security-Policy that loads nothing from elsewhere, runs no inline code
and lets no other site frame it. The phone page `/t/<token>` had none of them (its address
is the ticket's key: no Referer may carry it anywhere).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import Browser

from tests.harness import ServerProcess, token

STRICT = ("default-src", "base-uri 'none'", "frame-ancestors 'none'")
VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def assert_protected(response: requests.Response, what: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", (what, dict(headers))
    assert headers.get("Referrer-Policy") == "no-referrer", (what, dict(headers))
    policy = headers.get("Content-Security-Policy", "")
    for directive in STRICT:
        assert directive in policy, (what, policy)
    assert "unsafe-eval" not in policy, (what, policy)
    if what != "GET /api/docs":  # Swagger UI sets style attributes as it draws
        assert "unsafe-inline" not in policy, (what, policy)


def test_every_answer_carries_the_same_protective_headers(server: ServerProcess, site: str) -> None:
    ticket = server.issue(site, ["job"]).body
    phone = f"/t/{ticket['public_token']}"
    kiosk, manager = token(site, "kiosk"), token(site, "manager")
    asked: list[tuple[str, str, dict[str, str], int]] = [
        ("GET", phone, {}, 200),
        ("GET", phone + "/status", {}, 200),
        ("GET", phone + "/qr.svg", {}, 200),
        ("GET", "/t/no-such-ticket", {}, 404),
        ("GET", "/", {}, 200),
        ("GET", "/kiosk/", {}, 200),
        ("GET", "/display/", {}, 200),
        ("GET", "/counter/", {}, 200),
        ("GET", "/admin/", {}, 200),
        ("GET", "/reports/", {}, 200),
        ("GET", "/api/docs", {}, 200),
        ("GET", "/api/health", {}, 200),
        ("GET", "/api/openapi.json", {}, 200),
        ("GET", f"/api/sites/{site}", {"Authorization": f"Bearer {kiosk}"}, 200),
        ("GET", f"/api/sites/{site}/queues", {"Authorization": f"Bearer {kiosk}"}, 403),
        ("GET", f"/api/sites/{site}/queues", {}, 401),
        ("GET", f"/api/sites/{site}/events", {"Authorization": f"Bearer {manager}"}, 200),
        ("GET", "/api/no-such-thing", {}, 404),
        ("PUT", "/api/health", {}, 405),
        ("GET", "/static/js/realtime.js", {}, 200),
        ("GET", "/static/vendor/socket.io.min.js", {}, 200),
        ("GET", "/socket.io/?EIO=4&transport=polling", {}, 200),
        ("GET", "/socket.io/?EIO=4&transport=nonsense", {}, 400),
    ]
    for method, path, headers, status in asked:
        response = requests.request(method, server.url + path, headers=headers, timeout=30)
        assert response.status_code == status, (method, path, response.text[:300])
        assert_protected(response, f"{method} {path}")
    big = requests.post(
        f"{server.url}/api/sites/{site}/tickets",
        data=b"x" * 70_000,
        headers={"Authorization": f"Bearer {kiosk}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert big.status_code == 413
    assert_protected(big, "an oversized body")


def page_violations(browser: Browser, url: str, ready: str) -> list[str]:
    """Open `url`, wait for the element `ready` (a selector: it appears once the page's
    scripts have drawn it), and give every content security policy violation the page met
    (a blocked script, style, image or request)."""
    context = browser.new_context(locale="ja-JP", service_workers="block")
    try:
        page = context.new_page()
        page.add_init_script(VIOLATIONS)
        refused: list[str] = []
        page.on(
            "console",
            lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(url)
        page.wait_for_selector(ready, timeout=15_000)
        found: list[str] = page.evaluate("window.__violations")
        return found + refused
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/kiosk/?token={kiosk}", "text=職業相談・職業紹介"),
        ("/display/?token={display}", "#app[data-connection='live'] #screen-room"),
        ("/counter/", "input[type=password]"),
        ("/admin/", "input[type=password]"),
        ("/reports/", "input[type=password]"),
        ("/api/docs", ".swagger-ui .info"),
    ],
)
def test_every_page_works_under_its_policy(
    server: ServerProcess, site: str, browser: Browser, path: str, ready: str
) -> None:
    ticket: dict[str, Any] = server.issue(site, ["job"]).body
    url = server.url + path.format(
        public_token=ticket["public_token"],
        kiosk=token(site, "kiosk"),
        display=token(site, "display"),
    )
    assert page_violations(browser, url, ready) == []


def test_the_phone_page_follows_its_ticket_under_its_policy(
    server: ServerProcess, site: str, browser: Browser
) -> None:
    """The phone page now has a policy: its scripts still run and its socket still follows
    the ticket live, with nothing blocked."""
    ticket = server.issue(site, ["job"]).body
    context = browser.new_context(locale="ja-JP", service_workers="block")
    try:
        page = context.new_page()
        page.add_init_script(VIOLATIONS)
        frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
        response = page.goto(f"{server.url}/t/{ticket['public_token']}")
        assert response is not None
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        for _ in range(200):  # the page's own socket has its first status: it follows live
            if any('"status"' in frame for frame in frames):
                break
            page.wait_for_timeout(50)
        assert any('"status"' in frame for frame in frames), frames
        assert server.call_next(site, "c1").body["ticket"]["id"] == ticket["id"]
        page.wait_for_selector("#message:has-text('呼ばれました')", timeout=15_000)
        assert page.evaluate("() => window.__violations") == []
    finally:
        context.close()
