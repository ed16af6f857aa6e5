"""The printed ticket names the desks as the kiosk's buttons did, in the visitor's language
(やさしい日本語 with its readings above the kanji), but a sensitive desk only neutrally (a
ticket is left behind, dropped, seen over a shoulder), with its facts (目安, 前にお待ちの方,
発券) in that language too, drawn in a face that has every glyph: read back from the bytes
the fake printer got, decoded by npos (not ours)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from printers.fonts import FontFace, TicketFonts, bold_for_language, find_fonts
from printers.layout import fact_rows, render_ticket
from server.desk_words import plain
from server.phone.views import paper_words, visitor_line
from tests.harness import token
from tests.printers.test_decode import same_pixels
from tests.printing.conftest import PrintingServer
from tests.printing.support import decoded, slip_of

SITE = "pwords"
DESKS = ["welfare", "job"]
LANGUAGES = ["ja", "ja-easy", "en", "zh", "ko", "vi"]
NOT_A_CHARACTER = "\U0010fffd"  # no font has it: drawn as the face's "no glyph" box


@pytest.fixture(scope="module")
def fonts() -> TicketFonts:
    return find_fonts()


def kiosk_labels(printing: PrintingServer, language: str) -> list[str]:
    """The desks' words as the kiosk's buttons show them (kiosk.js reads `visitor`)."""
    reply = printing.server.request("GET", f"/api/sites/{SITE}", token(SITE, "kiosk"))
    assert reply.status == 200, reply.body
    words = {s["id"]: s["visitor"] for s in reply.body["services"]}
    return [words[d][language]["label"] for d in DESKS]


def paper_labels(printing: PrintingServer, language: str) -> list[str]:
    """The desks as the ticket names them: the kiosk's words, but the sensitive welfare desk
    by the paper's neutral word for it (Japanese: the desk's public name, 相談窓口)."""
    neutral = dict(paper_words(language)).get("private_desk", "相談窓口")
    labels = kiosk_labels(printing, language)
    return [neutral if desk == "welfare" else label
            for desk, label in zip(DESKS, labels, strict=True)]


def missing_glyphs(face: FontFace, text: str) -> list[str]:
    """The characters of `text` the face would draw as its 'no glyph' box."""
    font = face.at(36)

    def ink(ch: str) -> bytes:
        image = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(image).text((10, 10), ch, font=font, fill=255)
        return image.tobytes()

    box = ink(NOT_A_CHARACTER)
    return [ch for ch in set(text) if not ch.isspace() and ink(ch) == box]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_printed_ticket_says_the_desks_and_its_facts_in_the_visitors_language(
    printing: PrintingServer, fonts: TicketFonts, tmp_path: Path, language: str
) -> None:
    server, [fake] = printing.server, printing.fakes[SITE]
    labels = paper_labels(printing, language)  # with ruby markup in やさしい日本語
    japanese = [plain(label) for label in paper_labels(printing, "ja")]
    before = len(fake.jobs)
    reply = server.issue(SITE, DESKS, language=language)
    assert reply.status == 201, reply.body
    ticket: dict[str, Any] = reply.body
    assert fake.wait_for_jobs(before + 1, timeout=30)
    image = decoded(fake.jobs[before], tmp_path)

    expected = replace(
        slip_of(ticket),
        desk_label=" → ".join(labels),
        desk_fallback=" → ".join(japanese),
        language=language,
        translated_line=visitor_line(language),
        words=paper_words(language),
    )
    assert same_pixels(render_ticket(expected, 512, fonts), image)
    # Every glyph of the desks and the facts is in the face they are drawn in: no box.
    face = bold_for_language(language, fonts)
    assert face is not None and missing_glyphs(face, plain(expected.desk_label)) == []
    if language == "ja-easy":  # the readings are on paper: without them, other ink
        bare = replace(expected, desk_label=plain(expected.desk_label))
        assert not same_pixels(render_ticket(bare, 512, fonts), image)
    facts = fact_rows(expected)
    if language not in ("ja", "ja-easy"):
        assert [label for label, _ in facts] != ["目安", "前にお待ちの方", "発券"]
        # ...and not the Japanese desks: the same ticket with them is other ink
        japanese_desks = replace(expected, desk_label=expected.desk_fallback)
        assert not same_pixels(render_ticket(japanese_desks, 512, fonts), image)
    # The job desk in the visitor's own words; never the welfare desk's, in any language.
    assert plain(expected.desk_label).endswith(plain(kiosk_labels(printing, language)[1]))
    for own in ("ja", "ja-easy", "en", language):
        assert plain(kiosk_labels(printing, own)[0]) not in plain(expected.desk_label)
