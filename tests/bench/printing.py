"""Benchmark of the printing path, without the server: where a ticket's time goes.

Run from the repository root:

    .venv/bin/python tests/bench/printing.py [--tickets 30] [--pause 0.2] [--json-only]

For each paper width (512, 576) and visitor language (Japanese, English, Vietnamese) it
prints `--tickets` tickets, one after the other, each with its own phone-page token, on the
fake network printer (tests/fakes/fake_printer.py) at the server benchmark's speed
(tests/bench/server.py PRINTER_ROWS_PER_SECOND), through the real LinkPrinter. Each ticket
is timed in parts:

- render: printers.layout.render_ticket (wall and CPU time);
- encode: printers.encode.raster_job, python-escpos's GS v 0 (wall and CPU time);
- connect, status: the TCP connection, and DLE EOT 1, 2 and 4 until their answers are in;
- send: writing the job and its GS r 1;
- confirm: from the end of sending until the printer's GS r answer, i.e. printing and the
  feed to the cutter. `ideal_print_ms` is the paper the fake counted, at its speed.

What the server adds around this (the issue request, its hand-offs, the Socket.IO push) is
in tests/bench/server.py's print_confirmed figures. One JSON object goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from printers.device import LinkPrinter  # noqa: E402
from printers.encode import raster_job  # noqa: E402
from printers.fonts import find_fonts  # noqa: E402
from printers.layout import ROW_BUDGET, render_ticket, warm_up  # noqa: E402
from printers.model import PrinterConfig, PrintOutcome, TicketSlip  # noqa: E402
from printers.transport import Link, open_link  # noqa: E402
from tests.fakes.fake_printer import FakePrinter  # noqa: E402

PRINTER_ROWS_PER_SECOND = 2400.0  # as tests/bench/server.py: 300 mm/s at 8 dots/mm
LINES = {
    "ja": None,
    "en": "Please wait until your number is called. Scan the QR code to follow your turn.",
    "vi": "Xin vui lòng chờ đến khi số của bạn được gọi. Quét mã QR để theo dõi lượt của bạn.",
}


@dataclass
class TimedLink:
    """A link that notes when each write started and ended, and when each read returned."""

    link: Link
    writes: list[tuple[float, float, int]] = field(default_factory=list)
    reads: list[tuple[float, bytes]] = field(default_factory=list)
    can_read: bool = True

    def write(self, data: bytes, timeout: float) -> None:
        start = time.perf_counter()
        self.link.write(data, timeout)
        self.writes.append((start, time.perf_counter(), len(data)))

    def read(self, timeout: float) -> bytes:
        data = self.link.read(timeout)
        if data:
            self.reads.append((time.perf_counter(), data))
        return data

    def close(self) -> None:
        self.link.close()


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """fn's result, its wall time and its CPU time (this thread), in ms."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = fn()
    return result, (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def slip(language: str, n: int) -> TicketSlip:
    return TicketSlip(
        site_name="あいワーク中央",
        label=f"A-{n % 1000:03d}",
        desk_label="職業相談・職業紹介",
        issued_at=datetime.now(UTC),
        people_ahead=n % 30,
        status_url=f"http://127.0.0.1:8080/t/{os.urandom(16).hex()[:22]}",
        estimate_low_min=10,
        estimate_high_min=20,
        language=language,
        translated_line=LINES[language],
    )


def print_one(fake: FakePrinter, width: int, language: str, n: int) -> dict[str, float]:
    fonts = find_fonts()
    image, render_ms, render_cpu = timed(lambda: render_ticket(slip(language, n), width, fonts))
    job, encode_ms, encode_cpu = timed(lambda: raster_job(image))
    links: list[TimedLink] = []
    connect: list[float] = []

    def factory(config: PrinterConfig) -> Link:
        start = time.perf_counter()
        opened = open_link(config)
        link = TimedLink(opened, can_read=opened.can_read)
        connect.append((time.perf_counter() - start) * 1000)
        links.append(link)
        return link

    config = PrinterConfig(id="bench", url=fake.url, width_dots=width)  # type: ignore[arg-type]
    rows_before = fake.rows_printed
    result = LinkPrinter(config, link_factory=factory).print_job(job)
    if result.outcome is not PrintOutcome.CONFIRMED:
        raise RuntimeError(f"ticket {n} was not confirmed: {result}")
    [link] = links
    (status_start, _, _), (send_start, send_end, _) = link.writes[0], link.writes[-1]
    status_done = link.reads[0][0]  # the three answers come in one read
    confirmed = link.reads[-1][0]
    rows = fake.rows_printed - rows_before
    return {
        "raster_rows": image.height,
        "printed_rows": rows,
        "render_ms": render_ms,
        "render_cpu_ms": render_cpu,
        "encode_ms": encode_ms,
        "encode_cpu_ms": encode_cpu,
        "connect_ms": connect[0],
        "status_ms": (status_done - status_start) * 1000,
        "send_ms": (send_end - send_start) * 1000,
        "confirm_ms": (confirmed - send_end) * 1000,
        "ideal_print_ms": rows / PRINTER_ROWS_PER_SECOND * 1000,
        "total_ms": render_ms + encode_ms + (confirmed - status_start) * 1000 + connect[0],
    }


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p90": round(ordered[int(len(ordered) * 0.9)], 2),
        "max": round(ordered[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=30, help="tickets per width and language")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between tickets")
    parser.add_argument("--json-only", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    warm_up(find_fonts(), (512, 576))
    cases: dict[str, Any] = {}
    with FakePrinter(rows_per_second=PRINTER_ROWS_PER_SECOND) as fake:
        for width in (512, 576):
            for language in LINES:
                if not args.json_only:
                    print(f"{width} dots, {language}", file=sys.stderr, flush=True)
                runs = []
                for n in range(args.tickets):
                    runs.append(print_one(fake, width, language, n))
                    time.sleep(args.pause)
                cases[f"{width}_{language}"] = {
                    "raster_rows": runs[0]["raster_rows"],
                    "printed_rows": runs[0]["printed_rows"],
                    **{key: spread([r[key] for r in runs]) for key in runs[0] if "ms" in key},
                }
    result = {
        "row_budget": ROW_BUDGET,
        "printer_rows_per_second": PRINTER_ROWS_PER_SECOND,
        "tickets_per_case": args.tickets,
        "load_average": [round(load, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "cases": cases,
    }
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json_only else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
