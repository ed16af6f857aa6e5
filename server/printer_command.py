"""`madoguchi printer test URL`: find a printer, say what state it is in, print a test ticket."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from printers.device import make_printer
from printers.model import PrinterConfig, PrinterStatus, PrintOutcome, TicketSlip

MEANING = {
    PrintOutcome.CONFIRMED: "the printer says the test ticket is out",
    PrintOutcome.SENT_UNCONFIRMED: "sent; the printer did not confirm it: look at the printer",
    PrintOutcome.NOT_SENT: "nothing was sent",
    PrintOutcome.STUCK_CLEARED: "the printer stopped partway and dropped the ticket",
    PrintOutcome.STUCK_HELD: "the printer stopped partway and holds the ticket: it prints "
    "once the fault is put right",
}


@click.group()
def printer() -> None:
    """Ticket printers."""


@printer.command("test")
@click.argument("url")
@click.option(
    "--commands",
    type=click.Choice(["escpos", "star"]),
    default="escpos",
    show_default=True,
    help="The printer's command set (site-file key commands).",
)
@click.option(
    "--width",
    type=click.Choice(["512", "576"]),
    default="512",
    show_default=True,
    help="Paper width in dots (site-file key width).",
)
@click.option("--status-only", is_flag=True, help="Ask the printer's state; print nothing.")
def test(url: str, commands: str, width: str, status_only: bool) -> None:
    """Find the printer at URL (tcp://, usb://, serial://, file://, cups://), report its state
    (paper, cover, errors) and print a test ticket. Exits 1 when it cannot print."""
    try:
        config = PrinterConfig(
            id="test",
            url=url,
            dialect=commands,  # type: ignore[arg-type]
            width_dots=int(width),
            connect_retries=0,
        )  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    device = make_printer(config)
    try:
        status = device.probe()
        _report(status)
        if status_only:
            raise SystemExit(0 if status.state.printable else 1)
        from printers.encode import ticket_job  # numpy and Pillow: for this command only

        slip = TicketSlip(
            site_name="madoguchi プリンターの確認",
            label="TEST",
            desk_label="テスト印刷",
            issued_at=datetime.now(UTC),
            people_ahead=0,
            status_url="https://madoguchi.invalid/printer-test",
        )
        result = device.print_job(ticket_job(slip, config.width_dots, None, config.dialect))
    finally:
        device.close()
    click.echo(f"test ticket: {result.outcome.value}: {MEANING[result.outcome]}")
    if result.detail:
        click.echo(f"  {result.detail}")
    good = result.outcome is PrintOutcome.CONFIRMED or (
        result.outcome is PrintOutcome.SENT_UNCONFIRMED and result.expected
    )
    raise SystemExit(0 if good else 1)


def _report(status: PrinterStatus) -> None:
    click.echo(f"state: {status.state.value} ({status.state.label_ja})")
    for name in ("online", "cover_open", "paper_low", "paper_out", "error"):
        value = getattr(status, name)
        click.echo(f"  {name}: {'unknown' if value is None else 'yes' if value else 'no'}")
    if status.raw:
        click.echo(f"  answer: {status.raw.hex(' ')}")
    if status.detail:
        click.echo(f"  {status.detail}")
