"""Printing tickets after they are stored: one worker per printer, failover, honest outcomes.

The ticket is committed before anything is printed, and printing never decides the number.
Each kiosk has printers in failover order. A job moves to the next printer only when the last
one cannot have printed it; when none could, the kiosk keeps the ticket on screen and staff
are alerted. Every outcome goes into the event log, and printer states reach staff screens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import gevent
from flask_socketio import SocketIO
from gevent.threadpool import ThreadPool

from printers.device import TicketPrinter, make_printer
from printers.fonts import TicketFonts, find_fonts
from printers.model import (
    PrinterConfig,
    PrinterState,
    PrinterStatus,
    PrintOutcome,
    PrintResult,
    TicketSlip,
)
from printers.render_process import RenderError, RenderProcess
from printers.router import RoutedPrint, print_with_failover
from printers.worker import PrinterWorker, run_on_workers

from .desk_words import route_text
from .domain.estimate import Estimate
from .domain.model import Ticket
from .engine import Engine
from .forecasting import Forecasting
from .presenters import people_ahead
from .printer_events import LastOutcome, PrinterEvent, PrinterEvents
from .siteconfig import SiteConfig
from .staff_rooms import rooms_seeing

log = logging.getLogger(__name__)
Offload = Callable[[Callable[[], bytes]], bytes]


@dataclass
class PrintRequest:
    site_id: str
    ticket_id: int
    printer_ids: tuple[str, ...]
    status_url: str
    reissue: bool = False
    estimate: Estimate | None = None  # what the kiosk showed, so paper and screen agree
    shown: bool = False  # True when `estimate` was given (None then means "none shown")


class PrintService:
    """Owns the printer workers of every site and prints tickets in the background."""

    def __init__(self, config: SiteConfig, engine: Engine, estimator: Forecasting,
                 socketio: SocketIO, offload: Offload,
                 translations: Callable[[str], str | None],
                 paper_words: Callable[[str], tuple[tuple[str, str], ...]] = lambda _: ()
                 ) -> None:
        self.engine = engine
        self.estimator = estimator
        self.socketio = socketio
        self.offload = offload
        self.translations = translations
        self.paper_words = paper_words
        self.site_of = dict(config.printer_sites)
        self.configs = {p.id: p for p in config.printers}
        self.kiosk_printers = {d.id: d.printers for d in config.devices if d.printers}
        self.printers: dict[str, TicketPrinter] = {}
        self.workers: dict[str, PrinterWorker] = {}
        self.events = PrinterEvents()
        self.events.subscribe(self._tell_staff)
        self.fonts: TicketFonts | None = None
        self.renderer: RenderProcess | None = None
        self._drawing: ThreadPool | None = None

    def start(self) -> None:
        if not self.configs:
            return
        self.fonts = find_fonts()  # fail at start-up, not at the first visitor
        self._start_renderer()  # it draws a sample ticket of each width as it starts
        for printer_id, config in self.configs.items():
            printer = make_printer(config, blocking=self.offload)
            self.printers[printer_id] = printer
            self.workers[printer_id] = PrinterWorker(printer, on_status=self._status).start()

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop(timeout=2)
        if self.renderer is not None:
            self.renderer.stop()
        if self._drawing is not None:
            self._drawing.kill()

    def _start_renderer(self) -> None:
        """Tickets are drawn in a process of their own (printers/render_process.py), talked
        to from one thread of its own: drawing in the server held its lock long enough to
        slow every call reaching the displays while kiosks printed."""
        if self.renderer is None:
            self.renderer = RenderProcess().start()
            self._drawing = ThreadPool(1)

    def draw(self, slip: TicketSlip, config: PrinterConfig) -> bytes:
        """A ticket's job for this printer: drawn by the drawing process, or here if that
        process cannot (it is started again for the next ticket)."""
        renderer, drawing = self.renderer, self._drawing
        if renderer is not None and drawing is not None:
            try:
                job: bytes = drawing.apply(renderer.render,
                                           (slip, config.width_dots, config.dialect))
                return job
            except RenderError:
                log.exception("the drawing process failed; drawing in the server")
        # Drawing here loads numpy and the fonts' glyphs into the server: only as a last resort.
        from printers.encode import ticket_job

        fonts = self.fonts
        return self.offload(lambda: ticket_job(slip, config.width_dots, fonts, config.dialect))

    def set_site_printers(self, site_id: str, configs: Iterable[PrinterConfig],
                          kiosks: Mapping[str, tuple[str, ...]]) -> None:
        """An administrator changed a site's printers or which kiosk prints where: workers
        start for new or changed printers; removed or changed ones finish the job in hand,
        then stop. `kiosks` is every kiosk of the site that prints, with its printers."""
        wanted = {p.id: p for p in configs}
        old = {p for p, s in self.site_of.items() if s == site_id}
        for printer_id in old:
            if wanted.get(printer_id) != self.configs.get(printer_id):
                worker = self.workers.pop(printer_id, None)
                self.printers.pop(printer_id, None)
                self.configs.pop(printer_id, None)
                self.site_of.pop(printer_id, None)
                if worker is not None:
                    gevent.spawn(worker.stop, 2)
        for printer_id, config in wanted.items():
            self.site_of[printer_id] = site_id
            if printer_id not in self.workers:
                self.fonts = self.fonts or find_fonts()
                self._start_renderer()
                self.configs[printer_id] = config
                self.printers[printer_id] = make_printer(config, blocking=self.offload)
                self.workers[printer_id] = PrinterWorker(
                    self.printers[printer_id], on_status=self._status).start()
        for kiosk in [k for k, ids in self.kiosk_printers.items() if set(ids) & old]:
            del self.kiosk_printers[kiosk]
        self.kiosk_printers.update({k: tuple(v) for k, v in kiosks.items() if v})

    # ---- what screens need ----------------------------------------------------------------

    def state_for(self, device: Any) -> str:
        """What the kiosk should expect: a printed ticket, or none (show it on screen)."""
        return "queued" if self.kiosk_printers.get(device.id) else "no_printer"

    def site_printers(self, site_id: str) -> list[dict[str, Any]]:
        return [self.view(pid) for pid, site in self.site_of.items() if site == site_id]

    def view(self, printer_id: str) -> dict[str, Any]:
        """A printer as staff screens and the admin page show it: its state, whether it can
        confirm what it prints (mode "confirmed") or only send (a device file, CUPS: "sent"),
        the last ticket's outcome, and whether it needs a person (fault)."""
        config = self.configs[printer_id]
        status = self.workers[printer_id].status if printer_id in self.workers else None
        state = status.state if status is not None else None
        last = self.events.last.get(printer_id)
        return {"id": printer_id, "name": config.name or printer_id,
                "state": state.value if state else "unknown",
                "label": state.label_ja if state else "状態不明",
                "detail": status.detail if status else "",
                "mode": "confirmed" if config.reads_back else "sent",
                "connection": config.scheme, "commands": config.dialect,
                "last": last.as_dict() if last else None,
                "fault": self._fault(printer_id)}

    def _fault(self, printer_id: str) -> bool:
        status = self.workers[printer_id].status if printer_id in self.workers else None
        last = self.events.last.get(printer_id)
        # A printer that cannot answer (a device file) is always "unknown": no fault in that.
        silent = status is not None and status.state is PrinterState.UNKNOWN \
            and not self.configs[printer_id].reads_back
        return (status is not None and not status.state.printable and not silent) or (
            last is not None and not last.expected)

    def test_print(self, printer_id: str, timeout: float = 180.0) -> PrintResult:
        """A test ticket on one printer, through its worker (the admin page's button)."""
        config = self.configs[printer_id]
        slip = TicketSlip(site_name=config.name or printer_id, label="TEST",
                          desk_label="テスト印刷", issued_at=datetime.now(UTC), people_ahead=0,
                          status_url="https://madoguchi.invalid/printer-test")
        return self.workers[printer_id].submit(self.draw(slip, config)).result(timeout)

    # ---- printing ---------------------------------------------------------------------------

    def print_for_kiosk(self, device_id: str, site_id: str, ticket_id: int, status_url: str,
                        estimate: Estimate | None = None) -> gevent.Greenlet | None:
        printer_ids = self.kiosk_printers.get(device_id, ())
        if not printer_ids:
            return None
        return gevent.spawn(self.run, PrintRequest(site_id, ticket_id, printer_ids, status_url,
                                                   estimate=estimate, shown=True))

    def reprint(self, site_id: str, ticket_id: int, status_url: str,
                printer_id: str | None = None) -> gevent.Greenlet:
        """A staff reprint, marked 再発行: on the chosen printer, else the site's in order."""
        ids = (printer_id,) if printer_id else tuple(
            p for p, s in self.site_of.items() if s == site_id)
        return gevent.spawn(self.run, PrintRequest(site_id, ticket_id, ids, status_url,
                                                   reissue=True))

    def run(self, request: PrintRequest) -> RoutedPrint | None:
        try:
            return self._print(request)
        except Exception:  # printing must never take the server down
            log.exception("printing ticket %s failed", request.ticket_id)
            self._finish(request, None)
            return None

    def _print(self, request: PrintRequest) -> RoutedPrint:
        slip = self._slip(request)
        printers = [self.printers[p] for p in request.printer_ids if p in self.printers]
        jobs: dict[tuple[int, str], bytes] = {}

        def job_for(config: PrinterConfig) -> bytes:
            """Drawn when a printer of that width and command set is tried: a spare of
            another kind waits."""
            key = (config.width_dots, config.dialect)
            if key not in jobs:
                jobs[key] = self.draw(slip, config)
            return jobs[key]

        routed = print_with_failover(job_for, printers, run_on_workers(self.workers))
        self._finish(request, routed)
        return routed

    def _staff_seeing(self, request: PrintRequest) -> list[str]:
        queue = self.engine.queue(request.site_id)
        ticket = queue.tickets.get(request.ticket_id)
        return rooms_seeing(self.socketio.server, queue.site,
                            ticket.service_id if ticket else None)

    def _label(self, request: PrintRequest) -> str:
        try:
            label: str = self.engine.queue(request.site_id).ticket(request.ticket_id).label
        except Exception:  # a ticket of a day already closed: the id still says which
            return str(request.ticket_id)
        return label

    def _slip(self, request: PrintRequest) -> TicketSlip:
        engine = self.engine
        queue = engine.queue(request.site_id)
        ticket: Ticket = queue.ticket(request.ticket_id)
        # The desks as the visitor chose them at the kiosk, in their language (desk_words.py).
        desks = [queue.services[s] for s in ticket.purposes[ticket.purpose_index:]]
        words = self.paper_words(ticket.language)
        more = dict(words).get("more", "{desk} ほか")
        neutral = dict(words).get("private_desk")  # a sensitive desk's name (ja: public_name)
        estimate = request.estimate if request.shown else \
            self.estimator.estimate(request.site_id, ticket)
        return TicketSlip(
            site_name=queue.site.name, label=ticket.label,
            desk_label=route_text(desks, ticket.language, more, ruby=True, neutral=neutral),
            desk_fallback=route_text(desks, "ja"),
            issued_at=ticket.issued_at, people_ahead=people_ahead(queue, ticket),
            status_url=request.status_url,
            estimate_low_min=estimate.low_min if estimate else None,
            estimate_high_min=estimate.high_min if estimate else None,
            language=ticket.language,
            translated_line=self.translations(ticket.language),
            words=words,
            reissue=request.reissue)

    def _finish(self, request: PrintRequest, routed: RoutedPrint | None) -> None:
        outcome = routed.outcome.value if routed else "error"
        printer = routed.printer_id if routed else None
        failed = routed is None or routed.show_on_screen
        detail = "; ".join(f"{a.printer_id}: {a.outcome.value}" for a in routed.attempts) \
            if routed else "internal error"
        engine = self.engine
        # The alert names the printers that let the visitor down, not the one that may
        # have printed after a failover: that is the one staff need not walk to.
        failing = ",".join(a.printer_id for a in routed.attempts if not a.expected) \
            if routed else ""

        def record(queue: Any, now: Any) -> None:
            queue.record_print(request.ticket_id, outcome, now, printer, request.reissue, detail)
            if routed is None or routed.alert_staff:
                queue.alert_staff("printer_failed", now, request.ticket_id, failing or None)

        # The printer's answer is a fact already, not a change of queue state: the kiosk and
        # staff hear it at once rather than after the log's disk flush (tens of ms, more on
        # a busy disk).
        # "printed" only on the printer's word: a device file or a CUPS queue that took the
        # ticket has "sent" it, and the kiosk keeps the number on screen.
        confirmed = routed is not None and routed.outcome is PrintOutcome.CONFIRMED
        state = "failed" if failed else "printed" if confirmed else "sent"
        label = self._label(request)
        late = self._outcomes(request, routed, label) if routed is not None else False
        message = {"ticket": request.ticket_id, "state": state, "label": label, "late": late,
                   "outcome": outcome, "printer": printer, "reissue": request.reissue}
        self.socketio.emit("print", message, to=f"public:{request.site_id}")
        # Staff are told of it if they see the ticket's desk: another organisation's number
        # is not theirs to know.
        staff = self._staff_seeing(request)
        if staff:  # (an empty list would send it to everyone)
            self.socketio.emit("print", message, to=staff)
        try:
            engine.run(request.site_id, record, lambda _: (200, {}))
        except Exception:
            log.exception("could not log the print outcome of ticket %s", request.ticket_id)

    def _status(self, printer_id: str, status: PrinterStatus) -> None:
        """A worker saw its printer change state."""
        site_id = self.site_of.get(printer_id)
        if site_id is not None:
            fault = self._fault(printer_id)
            self.events.publish(PrinterEvent("state", site_id, printer_id, self.view(printer_id),
                                             fault, was_fault=not fault))

    def _outcomes(self, request: PrintRequest, routed: RoutedPrint, label: str) -> bool:
        """Note each attempt's outcome per printer and publish it; True when some of the
        ticket may still come out although nobody confirmed it."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        late = False
        for attempt in routed.attempts:
            maybe = attempt.outcome.printed_maybe and attempt.outcome is not PrintOutcome.CONFIRMED
            late = late or (maybe and not attempt.expected)
            was_fault = self._fault(attempt.printer_id)
            self.events.last[attempt.printer_id] = LastOutcome(
                attempt.outcome.value, request.ticket_id, label, at, attempt.detail,
                attempt.expected, maybe and not attempt.expected)
            self.events.publish(PrinterEvent(
                "outcome", request.site_id, attempt.printer_id, self.view(attempt.printer_id),
                self._fault(attempt.printer_id), was_fault,
                self.events.last[attempt.printer_id]))
        return late

    def _tell_staff(self, event: PrinterEvent) -> None:
        """The staff screens hear of every change of state, and of outcomes that make or
        end a fault."""
        if event.kind == "state" or event.fault or event.was_fault:
            self.socketio.emit("printer", event.view, to=f"staff:{event.site_id}")
