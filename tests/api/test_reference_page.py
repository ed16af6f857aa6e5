"""/api/docs shows the OpenAPI document in Chromium, and nothing leaves the machine."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from playwright.sync_api import Browser, ConsoleMessage, Route

from tests.harness import ServerProcess

LOCAL = ("127.0.0.1", "localhost")


def test_the_reference_page_renders_every_operation_with_nothing_from_outside(
    browser: Browser, server: ServerProcess
) -> None:
    document = requests.get(server.url + "/api/openapi.json", timeout=30).json()
    operations = [
        (method.upper(), path, op["summary"])
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    outside: list[str] = []
    problems: list[str] = []

    def only_this_machine(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.route("**/*", only_this_machine)
        page = context.new_page()
        page.on("console", note)
        page.on("pageerror", lambda error: problems.append(str(error)))
        answer = page.goto(server.url + "/api/docs")
        assert answer is not None and answer.status == 200
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        blocks = page.locator(".opblock")
        blocks.nth(len(operations) - 1).wait_for()
        assert blocks.count() == len(operations)
        shown = page.locator(".opblock-summary").all_inner_texts()
        for method, path, summary in operations:
            assert any(method in text and path in text and summary in text for text in shown), (
                method,
                path,
            )
        assert "madoguchi" in page.locator(".info .title").inner_text()

        # Opening an operation shows its answers, error codes included.
        page.locator(".opblock-summary", has_text="/api/sites/{site_id}/tickets").first.click()
        page.get_by_text("Error codes:", exact=False).first.wait_for()
    finally:
        context.close()
    assert outside == []
    assert problems == []
