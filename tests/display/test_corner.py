"""A display in the welfare corner shows its own sensitive desks' waiting figures, live, below
the public desks; the main hall's display beside it shows none of them. In Chromium."""

from __future__ import annotations

from tests.display.display_page import DisplayPage
from tests.display.test_privacy import SENSITIVE, issue
from tests.harness import ADMIN

ROWS = """() => Array.from(document.querySelectorAll('#waiting tr')).map(r => [
  r.dataset.service, r.querySelector('.desk').textContent,
  r.querySelector('.count strong').textContent, r.querySelector('.wait').textContent,
  r.classList.contains('corner')])"""


def corner_rows(display: DisplayPage) -> list[list[object]]:
    return [r for r in display.page.evaluate(ROWS) if r[4]]


def wait_for_count(display: DisplayPage, desk: str, count: int) -> None:
    display.page.wait_for_function(
        """([desk, count]) => Array.from(document.querySelectorAll('#waiting tr.corner')).some(
             r => r.dataset.service === desk
               && r.querySelector('.count strong').textContent === String(count))""",
        arg=[desk, count])


def test_the_corner_display_shows_its_desks_figures_live_and_the_main_hall_none(
    display: DisplayPage, second_display: DisplayPage
) -> None:
    server, site = display.server, display.site
    shown = server.request("PATCH", f"/api/sites/{site}/configuration/devices/"
                           f"{site}-display-welfare", ADMIN,
                           {"show_sensitive": ["welfare", "housing"]})
    assert shown.status == 200, shown.body
    corner = display.open(device="display-welfare")
    main = second_display.open()
    for page in (corner, main):
        page.wait_for("room")
        page.wait_until_live()
    assert [r[:3] for r in corner_rows(corner)] == [
        ["welfare", "暮らし・お金の相談", "0"], ["housing", "家賃の支援", "0"]]

    first = issue(display, "welfare")
    issue(display, "welfare")
    issue(display, "housing")
    wait_for_count(corner, "welfare", 2)
    wait_for_count(corner, "housing", 1)
    assert server.call_next(site, "c3", staff="staff3").status == 200
    corner.wait_for_call(first, "3番窓口")  # called by number and counter, as ever
    wait_for_count(corner, "welfare", 1)
    corner.page.wait_for_function(  # and the estimated wait, from the displays' forecast
        "() => /^(約|まもなく)/.test(document.querySelector("
        "'#waiting tr.corner[data-service=welfare] .wait').textContent)")
    # The public desks come first; the corner's own follow, set apart.
    rows = corner.page.evaluate(ROWS)
    assert [r[0] for r in rows] == ["job", "search", "career", "welfare", "housing"]
    calls = corner.page.locator("#calls").inner_text()
    assert not [w for w in ("暮らし", "家賃", "生活", "住居") if w in calls], calls

    job = issue(display, "job")  # something the main hall does see, to know it is up to date
    assert server.call_next(site, "c1").status == 200
    main.wait_for_call(job, "1番窓口")
    seen = main.everything()
    for word in (*SENSITIVE, "暮らし", "家賃"):
        assert word not in seen["text"], word
        assert word not in seen["html"], word
    assert main.page.locator("#waiting tr.corner").count() == 0
