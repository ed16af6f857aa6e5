"""The console's Japanese: every error a console can meet has its own plain message."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.refusals import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
WORDS = json.loads((ROOT / "counter" / "i18n" / "ja.json").read_text("utf-8"))
# Codes of the catalogue (server/refusals.py) that never reach the console: account, device and
# pairing administration, the administrators' configuration edits (the admin page has its
# own Japanese for them), issuing details of the kiosk, the simulated clock, values the
# console never sends, the visitor's notifications.
NOT_AT_A_CONSOLE = {
    "counter_has_devices",
    "counter_in_use",
    "device_has_printers",
    "desk_shown_on_display",  # a welfare corner's display (show_sensitive): admin page only
    "desk_not_sensitive",
    "not_a_display",
    "numbers_in_use",
    "printer_in_use",
    "service_has_live_tickets",
    "service_served_by_counter",
    "unknown_account",
    "unknown_pairing",
    "pairing_expired",
    "account_exists",
    "device_revoked",
    "weak_password",
    "unknown_device",
    "duplicate_services",
    "no_services",
    "invalid_alert",
    "invalid_status",
    "clock_not_simulated",
    # the visitor's phone page turning notifications on: never a console's request
    "email_invalid",
    "email_too_long",
    "push_subscription_invalid",
    "push_endpoint_not_https",
    "push_service_not_allowed",
    "ticket_ended",
    "notify_channel_unavailable",
    "rate_limited",  # the public crowding pages' limit
}
# Codes the page gives itself, with no server answer behind them.
OF_THE_PAGE = {"network", "no_ticket_in_hand", "no_parked", "choose_counter", "unknown"}


def test_every_error_a_console_can_meet_has_a_japanese_message() -> None:
    wanted = set(CATALOGUE) - NOT_AT_A_CONSOLE
    assert wanted - set(WORDS["errors"]) == set()
    assert {"no_waiting_tickets", "counter_busy", "counter_paused", "session_expired"} <= wanted


def test_the_messages_are_for_codes_that_exist() -> None:
    # "too_many_attempts.address": the words for one kind of a refusal (its `lock`)
    codes = {key.partition(".")[0] for key in WORDS["errors"]}
    assert codes - set(CATALOGUE) - OF_THE_PAGE == set()
    kinds = {key for key in WORDS["errors"] if "." in key}
    known = {f"{e.code}.{value}" for e in CATALOGUE.values() for _, value in e.japanese_when}
    assert kinds - known == set()


def test_the_messages_are_japanese_and_say_the_issue_wording() -> None:
    errors = WORDS["errors"]
    assert errors["no_waiting_tickets"] == "お待ちの方はいません"
    assert errors["counter_busy"] == (
        "対応中の番号があります。終了・転送・不在のいずれかを先に行ってください"
    )
    kana_or_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    assert [code for code, text in errors.items() if not kana_or_kanji.search(text)] == []


def test_every_shortcut_shown_on_the_page_is_named_in_the_docs() -> None:
    page = (ROOT / "counter" / "templates" / "counter" / "index.html").read_text("utf-8")
    section = (ROOT / "docs" / "operating" / "counter-console.md").read_text("utf-8")
    shortcuts = set(re.findall(r'\("[a-z-]+", \[([^\]]+)\]', page))
    keys = {key.strip().strip('"') for group in shortcuts for key in group.split(",")}
    assert len(keys) == 12
    for key in keys:
        assert f"<kbd>{key}</kbd>" in section, key
