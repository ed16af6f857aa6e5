"""The admin page's printers: each one's state, whether it confirms or only sends, its last
ticket, and a test print, as ward IT staff use them in Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.admin.conftest import PASSWORD
from tests.fakes.fake_printer import FakePrinter
from tests.harness import ServerProcess
from tests.printers.test_decode import npos_decode, zbar_decode

SITE = "eprinter"


@pytest.fixture(scope="module")
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


@pytest.fixture(scope="module")
def printer_server(
    tmp_path_factory: pytest.TempPathFactory, printer: FakePrinter
) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("admin-printers"), [SITE],
                         printers={SITE: printer.url})  # fmt: skip
    proc.init({"root": ["--role", "admin", "--name", "管理 太郎"]}, PASSWORD)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP",
                                  service_workers="block")  # fmt: skip
    yield context.new_page()
    context.close()


def test_an_administrator_sees_each_printer_and_prints_a_test_ticket(
    page: Page, printer_server: ServerProcess, printer: FakePrinter, tmp_path: Path
) -> None:
    ticket = printer_server.issue(SITE, ["job"]).body
    assert printer.wait_for_jobs(1)
    page.goto(printer_server.url + "/admin/")
    page.locator("input[name=username]").fill("root")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(f"{printer_server.url}/admin/sites/{SITE}")
    row = page.locator(f"#printer-{SITE}-p1")
    expect(row.locator(".printer-state")).to_contain_text("印刷できます")
    expect(row.locator(".printer-mode")).to_have_text("確認")
    expect(row.locator(".printer-last")).to_have_text(
        f"{ticket['label']}：印刷されました（プリンターが確認）")

    row.get_by_role("button", name="テスト印刷").click()
    expect(page.locator(".message.ok")).to_contain_text("テスト印刷：印刷されました")
    assert printer.wait_for_jobs(2)
    image, _ = npos_decode(printer.jobs[-1], tmp_path)
    assert zbar_decode(image, tmp_path) == ["https://madoguchi.invalid/printer-test"]

    printer.set(paper_rows=0)
    page.locator(f"#printer-{SITE}-p1").get_by_role("button", name="テスト印刷").click()
    expect(page.locator(".message.error")).to_contain_text("送れませんでした（用紙切れ）")
    expect(page.locator(f"#printer-{SITE}-p1 .printer-state")).to_contain_text("用紙切れ")
    expect(page.locator(f"#printer-{SITE}-p1")).to_have_class("fault")
    printer.load_paper()
    assert printer.cut_count == 2
