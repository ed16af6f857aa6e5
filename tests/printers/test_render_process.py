"""Tickets drawn by the drawing process are the tickets drawn in the server, and the drawing
process comes back when it dies."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from printers.encode import ticket_job
from printers.fonts import TicketFonts
from printers.render_process import RenderError, RenderProcess
from tests.printers.conftest import make_slip


@pytest.fixture
def renderer() -> Iterator[RenderProcess]:
    process = RenderProcess().start()
    yield process
    process.stop()


def test_the_drawing_process_draws_what_the_server_would(
    renderer: RenderProcess, fonts: TicketFonts
) -> None:
    for width, dialect in ((512, "escpos"), (576, "star")):
        slip = make_slip(label=f"B-{width}", reissue=dialect == "star")
        assert renderer.render(slip, width, dialect) == ticket_job(slip, width, fonts, dialect)


def test_a_dead_drawing_process_is_started_again_for_the_next_ticket(
    renderer: RenderProcess, fonts: TicketFonts
) -> None:
    slip = make_slip()
    renderer.render(slip, 512, "escpos")
    first = renderer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    try:  # seen dead already, or found dead by this ticket (which the server then draws)
        job = renderer.render(slip, 512, "escpos")
    except RenderError:
        job = renderer.render(slip, 512, "escpos")
    assert job == ticket_job(slip, 512, fonts)
    assert renderer.pid not in (None, first)


def test_a_slip_the_process_cannot_draw_is_an_error_and_the_process_stays(
    renderer: RenderProcess,
) -> None:
    with pytest.raises(RenderError, match="512 or 576"):
        renderer.render(make_slip(), 384, "escpos")
    first = renderer.pid
    renderer.render(make_slip(), 576, "escpos")
    assert renderer.pid == first
