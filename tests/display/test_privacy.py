"""What the display never shows or says: priority, sensitive desks, other areas' counters."""

from __future__ import annotations

import re

from tests.display.display_page import DisplayPage

SENSITIVE = (
    "生活・福祉の相談",
    "住居確保給付金",
    "福祉",
    "住居",
    "生活",
    "給付",
    "welfare",
    "housing",
)
PRIORITY = re.compile(r"priority|優先|urgent", re.IGNORECASE)


def issue(display: DisplayPage, service: str, priority: bool = False) -> str:
    issued = display.server.issue(display.site, [service], priority=priority)
    assert issued.status == 201, issued.body
    return str(issued.body["label"])


def test_a_priority_ticket_is_shown_and_spoken_like_any_other(display: DisplayPage) -> None:
    display.open().wait_for("room")
    display.wait_until_live()
    urgent = issue(display, "job", priority=True)
    plain = issue(display, "career")
    called = display.server.call_next(display.site, "c1")
    assert called.body["ticket"]["priority"] is True  # staff see it; the room must not
    assert display.server.call_next(display.site, "c4").status == 200
    display.wait_for_call(urgent, "1番窓口")
    display.wait_for_call(plain, "4番窓口")

    blocks = display.page.locator("#calls .call")
    classes = {str(blocks.nth(i).get_attribute("class")) for i in range(blocks.count())}
    assert len(classes) == 1  # both calls look the same
    seen = display.everything()
    assert not PRIORITY.search(seen["text"])
    assert not [a for a in seen["attributes"] if PRIORITY.search(a)]
    spoken = display.wait_for_announcements(1)[0]
    assert spoken["text"] == f"受付番号{urgent}番の方、1番窓口へお越しください。"
    assert set(spoken) == {
        "seq",
        "label",
        "counter",
        "counter_number",
        "kind",
        "text",
        "queued",
        "start",
        "end",
        "error",
    }


def test_a_sensitive_desk_is_never_named_on_either_display_or_in_the_audio(
    display: DisplayPage,
    second_display: DisplayPage,
) -> None:
    room = display.open()
    welfare_room = second_display.open(device="display-welfare")
    room.wait_for("room")
    welfare_room.wait_for("room")
    room.wait_until_live()
    welfare_room.wait_until_live()
    welfare = issue(display, "welfare")
    issue(display, "housing")
    assert display.server.call_next(display.site, "c3", staff="staff3").status == 200

    welfare_room.wait_for_call(welfare, "3番窓口")
    spoken = welfare_room.wait_for_announcements(1)[0]
    assert spoken["text"] == f"受付番号{welfare}番の方、3番窓口へお越しください。"
    job = issue(display, "job")  # something the main room does see, to know it is up to date
    assert display.server.call_next(display.site, "c1").status == 200
    room.wait_for_call(job, "1番窓口")
    assert room.calls() == [(job, "1番窓口")]  # the welfare area's counter is not here

    for screen in (room, welfare_room):
        seen = screen.everything()
        page_text = seen["html"] + " ".join(seen["attributes"])
        assert not [word for word in SENSITIVE if word in page_text]
        assert not [
            a for a in seen["announcements"] if any(word in str(a["text"]) for word in SENSITIVE)
        ]
        desks = screen.page.eval_on_selector_all(
            "#waiting tr", "rows => rows.map(r => r.dataset.service)"
        )
        assert desks == ["job", "search", "career"]
