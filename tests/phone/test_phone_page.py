"""The phone page /t/<token>: one ticket's number, place and call, and nothing else."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import requests

from tests.harness import ServerProcess

SENSITIVE_WORDS = ("生活", "福祉", "住居", "welfare", "相談窓口")
STATUS_KEYS = {
    "label",
    "site_name",
    "status",
    "message",
    "ahead",
    "ahead_text",
    "estimate",
    "counter_number",
    "language",
    "desks",
}


def page(server: ServerProcess, public_token: str, suffix: str = "") -> requests.Response:
    """What a phone without any credential gets."""
    with requests.Session() as http:
        return http.get(f"{server.url}/t/{public_token}{suffix}", timeout=30)


def visible(response: requests.Response, public_token: str) -> str:
    """The page's text, tags and the ticket's own token taken out."""
    text = re.sub(
        r"<script.*?</script>|<style.*?</style>|<[^>]+>",
        " ",
        response.text.replace(public_token, ""),
        flags=re.S,
    )
    return " ".join(unescape(text).split())


def issue(server: ServerProcess, site: str, service: str, **options: Any) -> dict[str, Any]:
    reply = server.issue(site, [service], **options)
    assert reply.status == 201, reply.body
    return dict(reply.body)


def test_the_page_shows_the_number_and_people_ahead_and_no_other_number(
    server: ServerProcess, site: str
) -> None:
    first, mine, last = (issue(server, site, "career") for _ in range(3))

    response = page(server, mine["public_token"])

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    text = visible(response, mine["public_token"])
    assert mine["label"] in text
    assert "あなたの前に 1 人" in text
    assert "お待ちください" in text
    assert "待ち時間の目安" in text
    for other in (first, last):
        assert other["label"] not in text
        assert other["public_token"] not in response.text


def test_the_status_json_is_the_same_view_and_only_that(server: ServerProcess, site: str) -> None:
    first, mine = issue(server, site, "career"), issue(server, site, "career", priority=True)

    response = page(server, mine["public_token"], "/status")

    assert response.status_code == 200
    view = response.json()
    assert set(view) == STATUS_KEYS
    assert (view["label"], view["status"], view["ahead"]) == (mine["label"], "waiting", 1)
    assert view["message"] == "お待ちください"
    assert view["ahead_text"] == "あなたの前に 1 人"
    assert view["counter_number"] is None
    assert view["estimate"]["text"] == mine["estimate"]["text"]
    assert first["label"] not in response.text
    assert "priority" not in response.text and "優先" not in response.text


def test_an_unknown_token_is_not_found_everywhere(server: ServerProcess) -> None:
    unknown = "no-such-ticket-token-00000"
    response = page(server, unknown)
    assert response.status_code == 404
    assert "この番号札は見つかりません" in response.text
    status = page(server, unknown, "/status")
    assert status.status_code == 404
    assert status.json()["error"] == "unknown_ticket"
    assert page(server, unknown, "/qr.svg").status_code == 404


def test_the_qr_code_is_an_svg_of_the_page_address(server: ServerProcess, site: str) -> None:
    ticket = issue(server, site, "job")
    assert ticket["qr_svg_url"] == f"/t/{ticket['public_token']}/qr.svg"
    response = page(server, ticket["public_token"], "/qr.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert response.text.lstrip().startswith(("<?xml", "<svg"))


def test_a_welfare_ticket_page_says_nothing_about_its_desk_even_when_called(
    server: ServerProcess, site: str
) -> None:
    ticket = issue(server, site, "welfare")
    assert ticket["desk"] == "相談窓口"  # the kiosk itself only ever names it neutrally

    for suffix in ("", "/status"):
        shown = page(server, ticket["public_token"], suffix)
        assert ticket["label"] in shown.text
        for word in SENSITIVE_WORDS:
            assert word not in visible(shown, ticket["public_token"]), (suffix, word)

    assert server.call_next(site, "c3", staff="staff3").status == 200
    called = page(server, ticket["public_token"], "/status").json()
    assert called["message"] == "呼ばれました: 3番窓口へお越しください"
    assert called["counter_number"] == 3
    text = visible(page(server, ticket["public_token"]), ticket["public_token"])
    assert "呼ばれました: 3番窓口へ" in text
    for word in (*SENSITIVE_WORDS, "生活・福祉相談", "相談員3"):
        assert word not in text, word


def test_an_english_ticket_page_is_in_english(server: ServerProcess, site: str) -> None:
    ticket = issue(server, site, "job", language="en")
    view = page(server, ticket["public_token"], "/status").json()
    assert (view["language"], view["message"], view["ahead_text"]) == (
        "en",
        "Please wait",
        "0 people ahead of you",
    )
    response = page(server, ticket["public_token"])
    assert '<html lang="en">' in response.text
    assert "Your number" in response.text
