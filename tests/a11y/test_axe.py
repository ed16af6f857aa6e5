"""Every page passes axe-core's WCAG 2.0/2.1/2.2 A and AA rules, in Chromium.

Each page state's one-line result is printed: `pytest tests/a11y -rP` shows them all.
The pages and their states are listed in tests/a11y/pages.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.a11y.axe import audit
from tests.a11y.pages import JOURNEYS, Journey, Visit
from tests.harness import ServerProcess

SHOTS = os.environ.get("MADOGUCHI_A11Y_SHOTS")  # a folder: a screenshot of every state


@pytest.fixture
def journey_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    journey: Journey = request.param
    # axe is injected as a script of the test's own: the pages' Content-Security-Policy
    # (scripts from our server only) is set aside for it, in this browser context alone.
    context = browser.new_context(
        viewport=journey.viewport,
        device_scale_factor=1,
        locale="ja-JP",
        service_workers="block",
        bypass_csp=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("journey_page", JOURNEYS, ids=[j.name for j in JOURNEYS], indirect=True)
def test_every_state_of_the_page_has_no_wcag_a_or_aa_violation(
    journey_page: Page, server: ServerProcess, module_site: str, request: pytest.FixtureRequest
) -> None:
    journey: Journey = request.node.callspec.params["journey_page"]
    failed = []
    for state in journey.walk(Visit(journey_page, server, module_site)):
        name = f"{journey.name}: {state}"
        if SHOTS:
            journey_page.screenshot(path=f"{SHOTS}/{name.replace(' ', '_')}.png", full_page=True)
        result = audit(journey_page, name)
        print(result.summary())
        if result.violations:
            failed.append(result.summary() + "\n" + result.details())
    assert not failed, "\n\n".join(failed)
