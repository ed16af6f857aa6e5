"""The managers' pages in Debian's chromium: the live dashboard follows the queue as it
moves, the report page draws its charts, and staff are kept out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.harness import ADMIN, ServerProcess, token
from tests.reports.conftest import PASSWORD
from tests.reports.log import KnownLog


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="ja-JP", service_workers="block"
    )
    yield context.new_page()
    context.close()


def log_in(page: Page, server: ServerProcess, username: str, path: str = "/reports/") -> None:
    page.goto(server.url + path)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()


def test_the_dashboard_follows_issues_and_calls_live(page: Page, server: ServerProcess) -> None:
    server.request("POST", "/api/clock", ADMIN, {"set": "2026-05-11T10:00:00+09:00"})
    server.request("POST", "/api/sites/d/close-day", ADMIN, {})
    log_in(page, server, "dman")
    expect(page.locator("#dashboard")).to_have_attribute("data-connected", "1")
    expect(page.locator("#waiting-total")).to_have_text("0")
    expect(page.locator("#printers [data-printer='d-p1']")).to_have_count(1)

    ticket = server.issue("d", ["job"])
    assert ticket.status == 201
    job = page.locator("#services tr[data-service='job']")
    expect(page.locator("#waiting-total")).to_have_text("1")
    expect(job.locator(".waiting")).to_have_text("1")
    expect(page.locator("#longest-detail")).to_contain_text(ticket.body["label"])

    reply = server.request(
        "POST",
        "/api/sites/d/counters/d-c1/call-next",
        token("d", "staff1"),
        {},
        key=uuid.uuid4().hex,
    )
    assert reply.status == 200
    counter = page.locator("#counters tr[data-counter='d-c1']")
    expect(counter.locator(".activity")).to_have_text("呼出中")
    expect(counter.locator(".ticket")).to_contain_text(ticket.body["label"])
    expect(page.locator("#waiting-total")).to_have_text("0")

    server.act("d", ticket.body["id"], "start")
    expect(counter.locator(".activity")).to_have_text("対応中")
    server.request(
        "POST", "/api/sites/d/counters/d-c2/pause", token("d", "staff2"), {}, key=uuid.uuid4().hex
    )
    expect(page.locator("#counters tr[data-counter='d-c2'] .activity")).to_have_text("休止中")


def test_staff_cannot_open_the_reports(page: Page, server: ServerProcess) -> None:
    responses = []
    page.on("response", lambda r: responses.append(r) if r.url.endswith("/reports/") else None)
    log_in(page, server, "clerk")
    expect(page.locator("#forbidden")).to_contain_text("このページは管理者用です")
    assert responses[-1].status == 403
    assert page.locator("#dashboard").count() == 0
    page.goto(server.url + "/reports/figures")
    expect(page.locator("#forbidden")).to_be_visible()
    assert page.locator("#summary").count() == 0


def test_without_a_login_the_pages_ask_for_one(page: Page, server: ServerProcess) -> None:
    page.goto(server.url + "/reports/figures")
    expect(page.locator("input[name=password]")).to_be_visible()
    assert page.locator("#summary").count() == 0


def test_the_report_page_shows_tables_charts_and_csv_links(
    page: Page, server: ServerProcess, known_log: KnownLog
) -> None:
    log_in(page, server, "mboth")
    page.goto(server.url + "/reports/figures?from=2026-04-06&to=2026-04-07&group=day")
    total = page.locator("#summary tr[data-row='total'] td")
    expect(total.first).to_have_text("7")
    expect(page.locator("#summary tr[data-row='org-city'] th")).to_have_text("札幌市")
    charts = page.evaluate("Object.keys(window.madoguchiCharts || {}).sort()")
    assert charts == [
        "chart-arrivals",
        "chart-heatmap",
        "chart-service-level",
        "chart-staffing",
        "chart-waits",
    ]
    drawn = page.evaluate("window.madoguchiCharts['chart-arrivals'].data.datasets[0].data")
    assert drawn == [8, 1]  # arrivals (joins of a queue) on 04-06 and 04-07, as in the table
    href = page.locator("#wait-log-csv").get_attribute("href")
    assert href is not None and "format=csv" in href
    response = page.request.get(server.url + href)
    assert response.status == 200 and response.body().startswith(b"\xef\xbb\xbf")


def test_the_targets_page_draws_the_year_against_the_targets(
    page: Page, server: ServerProcess, known_log: KnownLog
) -> None:
    log_in(page, server, "mboth")
    page.goto(server.url + "/reports/targets?year=2026")
    expect(page.locator("#targets tr[data-site='r'] .visitors")).to_have_text("7")
    expect(page.locator("#targets tr[data-site='r'] .placements")).to_have_text("1")
    assert page.evaluate("Object.keys(window.madoguchiCharts)") == ["chart-targets"]


def test_a_manager_changes_the_notice_on_the_settings_page(
    page: Page, server: ServerProcess
) -> None:
    log_in(page, server, "dman")
    page.goto(server.url + "/reports/settings")
    page.locator("input[name=notice]").fill("午後は2番窓口のみです")
    page.locator("input[name=target_job]").fill("35")
    page.locator("#settings-form button[type=submit]").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("input[name=notice]")).to_have_value("午後は2番窓口のみです")
    kiosk = server.request("GET", "/api/sites/d/snapshot", token("d", "kiosk")).body
    assert kiosk["notice"] == "午後は2番窓口のみです"
    page.locator("input[name=hours_mon]").fill("17:00-09:00")
    page.locator("input[name=hours_mon]").evaluate("el => el.removeAttribute('pattern')")
    page.locator("#settings-form button[type=submit]").click()
    expect(page.locator(".message.error")).to_contain_text("受付時間")
