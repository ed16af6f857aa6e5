"""Reminders by e-mail the day before, through a real SMTP server (aiosmtpd, STARTTLS and a
login) started by the test, from a real server whose reminder loop runs every second: one
message per booking with a contact, in Japanese, naming a sensitive desk only by its public
name and carrying no booking code; none for a cancelled booking or one without a contact."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.smtp import Inbox, smtp_server
from tests.fakes.tls import Certificates, make_certificates
from tests.harness import ADMIN, ServerProcess, token

SITE = "rm"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Inbox, Path]]:
    certificates: Certificates = make_certificates(tmp_path_factory.mktemp("tls"))
    with smtp_server(certificates) as (port, box):
        yield port, box, certificates.ca_file


@pytest.fixture(scope="module")
def mailing(tmp_path_factory: pytest.TempPathFactory,
            inbox: tuple[int, Inbox, Path]) -> Iterator[ServerProcess]:
    port, _, ca_file = inbox
    env = {"MADOGUCHI_CLOCK": "simulated", "MADOGUCHI_HOUSEKEEPING_SECONDS": "1",
           "MADOGUCHI_SMTP_HOST": "127.0.0.1", "MADOGUCHI_SMTP_PORT": str(port),
           "MADOGUCHI_SMTP_USERNAME": "madoguchi", "MADOGUCHI_SMTP_PASSWORD": "secret",
           "MADOGUCHI_SMTP_CA_FILE": str(ca_file),
           "MADOGUCHI_MAIL_FROM": "madoguchi@city.example.jp"}
    proc = ServerProcess(tmp_path_factory.mktemp("reminders"), [SITE], env=env)
    proc.init()
    proc.start()
    yield proc
    proc.stop()


def book(server: ServerProcess, slot: str, service: str, contact: str | None) -> str:
    body = {"services": [service], "slot": slot, **({"contact": contact} if contact else {})}
    reply = server.request("POST", f"/api/sites/{SITE}/appointments", token(SITE, "staff1"),
                           body, key=uuid.uuid4().hex)
    assert reply.status == 201, reply.body
    return str(reply.body["code"])


def test_the_day_before_each_booking_with_a_contact_gets_one_reminder(
        mailing: ServerProcess, inbox: tuple[int, Inbox, Path]) -> None:
    _, box, _ = inbox
    assert mailing.request("POST", "/api/clock", ADMIN,
                           {"set": "2026-12-06T08:00:00+09:00"}).status == 200
    career = book(mailing, "2026-12-08T10:30:00+09:00", "career", "career@example.jp")
    book(mailing, "2026-12-08T11:00:00+09:00", "welfare", "welfare@example.jp")
    gone = book(mailing, "2026-12-08T13:00:00+09:00", "career", "gone@example.jp")
    book(mailing, "2026-12-08T14:00:00+09:00", "career", None)
    assert mailing.request("POST", f"/api/appointments/{gone}/cancel", json={},
                           key=uuid.uuid4().hex).status == 200
    # Two days ahead: nothing yet. The day before: the two that count.
    assert box.messages == []
    assert mailing.request("POST", "/api/clock", ADMIN,
                           {"set": "2026-12-07T09:00:00+09:00"}).status == 200
    arrived = box.wait(2)
    by_address = {rcpt[0]: message for _, rcpt, message in arrived}
    assert set(by_address) == {"career@example.jp", "welfare@example.jp"}
    first = by_address["career@example.jp"]
    assert first["Subject"] == "ご予約のお知らせ（テスト会場 rm）"
    text = first.get_content()
    assert "2026年12月08日 10:30" in text and "キャリア・カウンセリング" in text
    assert career.replace("-", "") not in text and career not in text
    welfare = by_address["welfare@example.jp"].get_content()
    assert "相談窓口" in welfare and "生活" not in welfare
    # Marked as reminded once the mail server took it: no later round picks it up again.
    def reminded() -> list[tuple[str, bool]]:
        listed = mailing.request("GET", f"/api/sites/{SITE}/appointments?day=2026-12-08",
                                 token(SITE, "staff1")).body["appointments"]
        return sorted((b["slot_at"][11:16], b["reminded"]) for b in listed)

    deadline = time.monotonic() + 30
    while reminded() != [("10:30", True), ("11:00", True), ("13:00", False),
                         ("14:00", False)]:
        assert time.monotonic() < deadline, reminded()
        box.wait(len(box.messages), timeout=0.2)  # (returns at once: a short poll)
