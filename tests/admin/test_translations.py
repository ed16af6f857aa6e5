"""A desk added on site speaks the kiosk's other languages: an administrator gives its label
per language, checked like the rest of the desk, and the kiosk in Debian's chromium shows
it at once in that language (and the Japanese name in Japanese)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.admin.test_config_api import PENSION, config, put, refused
from tests.harness import ServerProcess
from tests.kiosk.conftest import PORTRAIT, open_kiosk_page
from tests.kiosk.kiosk_page import KioskPage

TRANSLATED = {
    **PENSION,
    "translations": {
        "en": {"label": "Pension advice", "description": "Questions about your pension"},
        "vi": {"label": "Tư vấn lương hưu"},
    },
}


@pytest.fixture
def kiosk(browser: Browser, server: ServerProcess, site: str) -> Iterator[KioskPage]:
    yield from open_kiosk_page(browser, server, site, PORTRAIT)


def test_a_new_desk_shows_its_own_label_in_each_language_at_once(
    server: ServerProcess, site: str, kiosk: KioskPage
) -> None:
    kiosk.open().wait_for("start")
    assert put(server, site, "services", "pension", TRANSLATED).status == 200
    button = kiosk.purpose("pension")
    button.wait_for(state="visible")  # pushed to the open page, no reload
    assert "年金相談" in button.inner_text()
    kiosk.language("en")
    assert "Pension advice" in button.inner_text()
    assert "Questions about your pension" in button.inner_text()
    kiosk.language("vi")
    assert "Tư vấn lương hưu" in button.inner_text()
    kiosk.language("zh")  # no words given for Chinese: the Japanese name, not nothing
    assert "年金相談" in button.inner_text()

    stored = next(s for s in config(server, site)["services"] if s["id"] == "pension")
    assert stored["translations"]["en"] == TRANSLATED["translations"]["en"]  # type: ignore[index]


def test_bad_translations_are_refused_with_the_field_named(
    server: ServerProcess, site: str
) -> None:
    no_label = {**PENSION, "translations": {"en": {"description": "no label"}}}
    reply = refused(put(server, site, "services", "pension", no_label), 422, "invalid_field")
    assert reply.body["field"] == "body.translations.en.label"
    bad_language = {**PENSION, "translations": {"English!": {"label": "Pension"}}}
    reply = refused(put(server, site, "services", "pension", bad_language), 422,
                    "invalid_field")
    assert reply.body["field"] == "body.translations.English!"
    assert "is not a language code" in reply.body["message"]
    assert "pension" not in {s["id"] for s in config(server, site)["services"]}
