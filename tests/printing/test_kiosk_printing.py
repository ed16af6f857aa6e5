"""A kiosk's ticket, printed by the real server on fake network printers: once, or honestly not.

Each story has a site of its own (see conftest.py). The ticket is stored before anything is
printed, so every test also checks that the number stands whatever the printers did.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from printers.layout import render_ticket
from tests.harness import ADMIN, ServerProcess
from tests.printers.test_decode import same_pixels, zbar_decode
from tests.printing.conftest import PrintingServer
from tests.printing.support import decoded, journey, recorded, slip_of


def issue(server: ServerProcess, site: str, key: str | None = None) -> dict[str, Any]:
    reply = server.issue(site, ["job"], key=key)
    assert reply.status == 201, reply.body
    assert reply.body["print"] == {"state": "queued"}
    return dict(reply.body)


def printer_alerts(staff: Any, ticket_id: int) -> list[dict[str, Any]]:
    return [
        e
        for e in staff.events("staff_alert")
        if e["data"]["alert"] == "printer_failed" and e["ticket"] == ticket_id
    ]


def test_a_ready_printer_prints_the_ticket_once_with_a_qr_code_of_its_phone_page(
    printing: PrintingServer, watch: Any, tmp_path: Path
) -> None:
    server, [fake] = printing.server, printing.fakes["pready"]
    kiosk, staff = watch(server, "pready", "kiosk"), watch(server, "pready", "staff1")

    ticket = issue(server, "pready")

    pushed = kiosk.wait_for_print(ticket["id"])
    assert pushed == {
        "ticket": ticket["id"],
        "state": "printed",
        "label": ticket["label"],
        "late": False,
        "outcome": "confirmed",
        "printer": "pready-p1",
        "reissue": False,
    }
    assert staff.wait_for_print(ticket["id"]) == pushed
    [printed] = recorded(server, ticket["id"], "printed")
    assert (printed["data"]["outcome"], printed["data"]["printer"]) == ("confirmed", "pready-p1")
    assert fake.wait_idle()
    [job] = fake.jobs

    assert ticket["status_url"] == f"{server.url}/t/{ticket['public_token']}"
    image = decoded(job, tmp_path)
    assert zbar_decode(image, tmp_path) == [ticket["status_url"]]
    assert same_pixels(render_ticket(slip_of(ticket), 512), image)
    assert staff.got("print") == [pushed]  # one ticket, one outcome


@pytest.mark.parametrize(
    "fault",
    [{"paper_rows": 0}, {"cover_open": True}, {"offline": True}],
    ids=["paper_out", "cover_open", "offline"],
)
def test_a_printer_that_cannot_print_gets_nothing_and_the_next_one_prints_the_ticket(
    printing: PrintingServer, watch: Any, fault: dict[str, Any]
) -> None:
    server, (first, second) = printing.server, printing.fakes["pfailover"]
    first.set(**fault)
    before = (len(first.jobs), len(second.jobs))
    kiosk = watch(server, "pfailover", "kiosk")

    ticket = issue(server, "pfailover")

    pushed = kiosk.wait_for_print(ticket["id"])
    assert (pushed["state"], pushed["printer"]) == ("printed", "pfailover-p2")
    [printed] = recorded(server, ticket["id"], "printed")
    assert printed["data"]["outcome"] == "confirmed"
    assert "pfailover-p1: not_sent" in printed["data"]["detail"]
    first.set(paper_rows=1_000_000, cover_open=False, offline=False)  # the fault is put right
    assert first.wait_idle() and second.wait_idle()
    assert (len(first.jobs), len(second.jobs)) == (before[0], before[1] + 1)
    # Staff hear which printer needs them, not the one that printed.
    [alert] = recorded(server, ticket["id"], "staff_alert")
    assert (alert["data"]["alert"], alert["staff"]) == ("printer_failed", "pfailover-p1")


def test_when_every_printer_is_down_the_kiosk_hears_it_staff_are_alerted_and_the_number_stands(
    printing: PrintingServer, watch: Any
) -> None:
    server, (first, second) = printing.server, printing.fakes["pdown"]
    first.set(paper_rows=0)
    second.set(mode="refuse")
    kiosk, staff = watch(server, "pdown", "kiosk"), watch(server, "pdown", "staff1")
    display = watch(server, "pdown", "display")

    ticket = issue(server, "pdown")

    pushed = kiosk.wait_for_print(ticket["id"])
    assert (pushed["state"], pushed["printer"], pushed["outcome"]) == ("failed", None, "not_sent")
    staff.wait_for(lambda c: len(printer_alerts(c, ticket["id"])) == 1)
    [alert] = printer_alerts(staff, ticket["id"])
    assert alert["staff"] == "pdown-p1,pdown-p2"

    stored = server.request("GET", f"/api/tickets/{ticket['id']}", ADMIN).body
    assert stored["ticket"]["status"] == "waiting"
    assert stored["ticket"]["label"] == ticket["label"]
    following = issue(server, "pdown")
    assert following["number"] == ticket["number"] + 1
    kiosk.wait_for_print(following["id"])
    # The alert is for staff only: the waiting room and the kiosk never see it.
    display.wait_for_event(lambda e: e["kind"] == "issued" and e["seq"] > alert["seq"])
    assert kiosk.events("staff_alert") == display.events("staff_alert") == []
    second.set(mode="normal")
    first.load_paper()
    assert first.wait_idle() and second.wait_idle()
    assert first.jobs == second.jobs == []


def test_paper_running_out_mid_ticket_is_not_printed_again_when_paper_is_loaded(
    printing: PrintingServer, watch: Any
) -> None:
    server, [fake] = printing.server, printing.fakes["pjam"]
    fake.set(paper_rows=300)  # the probe says ready; the paper ends partway down the ticket
    kiosk = watch(server, "pjam", "kiosk")

    ticket = issue(server, "pjam")

    pushed = kiosk.wait_for_print(ticket["id"])
    assert (pushed["state"], pushed["outcome"]) == ("failed", "stuck_cleared")
    fake.load_paper()
    assert fake.wait_idle()
    assert fake.jobs == []  # the printer dropped it: nobody gets a second copy later
    assert fake.discarded_jobs == 1
    following = issue(server, "pjam")
    assert kiosk.wait_for_print(following["id"])["state"] == "printed"
    assert fake.wait_idle()
    # Before the next ticket, a cut takes off whatever of the torn one reached the paper.
    cut_off, printed = fake.jobs
    assert cut_off == b"\x1b@\x1dVA\x00"
    assert b"\x1dv0" in printed


def test_a_jammed_job_the_printer_keeps_is_neither_resent_nor_failed_over_and_prints_once(
    printing: PrintingServer, watch: Any
) -> None:
    server, (held, spare) = printing.server, printing.fakes["pheld"]
    held.set(paper_rows=300)  # this printer cannot drop its buffer: the job waits for paper
    kiosk = watch(server, "pheld", "kiosk")

    ticket = issue(server, "pheld")

    pushed = kiosk.wait_for_print(ticket["id"])
    assert (pushed["state"], pushed["outcome"], pushed["printer"]) == (
        "failed",
        "stuck_held",
        "pheld-p1",
    )
    # It may still come out, and the kiosk and staff are told for whom.
    assert (pushed["late"], pushed["label"]) == (True, ticket["label"])
    held.load_paper()
    assert held.wait_for_jobs(1)
    assert held.wait_idle() and spare.wait_idle()
    assert len(held.jobs) == 1
    assert spare.jobs == []  # a second printer would have made a duplicate
    assert [e["data"]["outcome"] for e in recorded(server, ticket["id"], "printed")] == [
        "stuck_held"
    ]


def test_a_retried_issue_request_gets_the_same_ticket_and_prints_nothing_more(
    printing: PrintingServer, watch: Any
) -> None:
    server, [fake] = printing.server, printing.fakes["pretry"]
    kiosk = watch(server, "pretry", "kiosk")
    key = uuid.uuid4().hex

    ticket = issue(server, "pretry", key)
    kiosk.wait_for_print(ticket["id"])
    again = issue(server, "pretry", key)
    assert again == ticket
    # A later ticket is printed after anything the retry could have started.
    later = issue(server, "pretry")
    kiosk.wait_for_print(later["id"])
    assert fake.wait_idle()

    assert len(fake.jobs) == 2
    assert [m["ticket"] for m in kiosk.got("print")] == [ticket["id"], later["id"]]
    assert len(journey(server, ticket["id"], "printed")) == 1


def test_a_device_file_printer_sends_never_confirms_and_staff_see_its_mode(
    printing: PrintingServer, watch: Any, tmp_path: Path
) -> None:
    server, [fake] = printing.server, printing.fakes["pfile"]
    kiosk, staff = watch(server, "pfile", "kiosk"), watch(server, "pfile", "staff1")
    [listed] = staff.snapshots()[0]["printers"]
    assert (listed["mode"], listed["connection"], listed["fault"]) == ("sent", "file", False)

    ticket = issue(server, "pfile")

    pushed = kiosk.wait_for_print(ticket["id"])
    # Never "printed" (the kiosk would say "take your ticket"): "sent".
    assert (pushed["state"], pushed["outcome"], pushed["late"]) == (
        "sent",
        "sent_unconfirmed",
        False,
    )
    assert fake.wait_for_jobs(1)
    image = decoded(fake.jobs[-1], tmp_path)
    assert same_pixels(render_ticket(slip_of(ticket), 512), image)
