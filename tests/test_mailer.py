"""E-mail through a real SMTP server (aiosmtpd) started by the test: STARTTLS, login, UTF-8."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.domain.errors import Invalid
from server.mailer import Mailer, MailFailed, MailServer, checked_address
from server.settings import SettingsError, load_settings
from tests.fakes.smtp import Inbox, smtp_server
from tests.fakes.tls import Certificates, make_certificates


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def smtp(certificates: Certificates) -> Iterator[tuple[int, Inbox]]:
    with smtp_server(certificates) as running:
        yield running


def mailer(port: int, certificates: Certificates, **changes: object) -> Mailer:
    settings = load_settings(
        env={},
        overrides={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_username": "madoguchi",
            "smtp_password": "secret",
            "smtp_ca_file": str(certificates.ca_file),
            "mail_from": "madoguchi@city.example.jp",
            "mail_from_name": "あいワーク西",
            **changes,
        },
    )
    return Mailer(MailServer.from_settings(settings))


def test_a_message_goes_through_starttls_and_login_in_utf8(
    smtp: tuple[int, Inbox], certificates: Certificates
) -> None:
    port, inbox = smtp
    before = len(inbox.messages)
    mailer(port, certificates).send(
        "visitor@example.jp", "まもなく順番です", "受付番号 A012 の前に3人です。"
    )
    sender, recipients, message = inbox.wait(before + 1)[before]
    assert sender == "madoguchi@city.example.jp" and recipients == ["visitor@example.jp"]
    assert message["Subject"] == "まもなく順番です"
    assert "あいワーク西" in message["From"] and message["To"] == "visitor@example.jp"
    assert message.get_content().strip() == "受付番号 A012 の前に3人です。"
    assert message["Message-ID"].endswith("@city.example.jp>")


def test_a_wrong_password_is_a_failure_not_a_crash(
    smtp: tuple[int, Inbox], certificates: Certificates
) -> None:
    port, inbox = smtp
    before = len(inbox.messages)
    with pytest.raises(MailFailed):
        mailer(port, certificates, smtp_password="wrong").send("v@example.jp", "x", "y")
    assert len(inbox.messages) == before


def test_an_untrusted_certificate_is_refused(
    smtp: tuple[int, Inbox], certificates: Certificates
) -> None:
    with pytest.raises(MailFailed, match="CERTIFICATE_VERIFY_FAILED"):
        mailer(smtp[0], certificates, smtp_ca_file="").send("v@example.jp", "x", "y")


def test_no_mail_server_means_no_mail(tmp_path: Path) -> None:
    quiet = Mailer(MailServer.from_settings(load_settings(env={})))
    assert not quiet.enabled
    with pytest.raises(MailFailed):
        quiet.send("v@example.jp", "x", "y")


def test_a_dead_mail_server_fails_within_the_timeout(certificates: Certificates) -> None:
    from tests.harness import free_port

    with pytest.raises(MailFailed):
        mailer(free_port(), certificates, smtp_timeout_seconds=2).send("v@example.jp", "x", "y")


def test_mail_from_is_needed_with_a_mail_server() -> None:
    with pytest.raises(SettingsError, match="mail_from"):
        load_settings(env={"MADOGUCHI_SMTP_HOST": "mail.city.example.jp"})


@pytest.mark.parametrize("address", ["visitor@example.jp", "  a.b+c@mail.example.co.jp "])
def test_plain_addresses_are_kept(address: str) -> None:
    assert checked_address(address) == address.strip()


@pytest.mark.parametrize(
    "address",
    [
        "",
        "visitor",
        "visitor@localhost",
        "a@b@example.jp",
        "Visitor <v@example.jp>",
        "v@example.jp, w@example.jp",
        "v@example.jp\r\nBcc: x@example.jp",
        "v@.example.jp",
        "v@example..jp",
        42,
        None,
    ],
)
def test_anything_but_one_plain_address_is_refused(address: object) -> None:
    with pytest.raises(Invalid) as refused:
        checked_address(address)
    assert refused.value.code == "email_invalid"


def test_oversized_addresses_are_refused() -> None:
    for address in ("v" * 65 + "@example.jp", "v@" + "a" * 250 + ".jp"):
        with pytest.raises(Invalid) as refused:
            checked_address(address)
        assert refused.value.code == "email_too_long"
