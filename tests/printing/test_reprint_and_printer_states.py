"""Staff's side of printing: reprints marked 再発行, and printer states pushed to their screens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from printers.layout import render_ticket
from tests.harness import token
from tests.printers.test_decode import same_pixels, zbar_decode
from tests.printing.conftest import PrintingServer
from tests.printing.support import decoded, recorded, slip_of


def test_staff_reprint_prints_the_same_ticket_marked_reissued_on_the_chosen_printer(
    printing: PrintingServer, watch: Any, tmp_path: Path
) -> None:
    server, (first, second) = printing.server, printing.fakes["preprint"]
    staff = watch(server, "preprint", "staff1")
    earlier = (len(first.jobs), len(second.jobs))
    ticket = server.issue("preprint", ["job"]).body
    staff.wait_for_print(ticket["id"])
    assert first.wait_idle()
    [original] = first.jobs[earlier[0] :]

    again = server.act("preprint", ticket["id"], "reprint", {"printer": "preprint-p2"})

    assert again.status == 202, again.body
    assert again.body == {"ticket": ticket["id"], "print": {"state": "queued"}}
    staff.wait_for(lambda c: len(c.got("print")) == 2)
    assert staff.got("print")[1] == {
        "ticket": ticket["id"],
        "state": "printed",
        "label": ticket["label"],
        "late": False,
        "outcome": "confirmed",
        "printer": "preprint-p2",
        "reissue": True,
    }
    assert [
        (e["data"]["reissue"], e["data"]["printer"])
        for e in recorded(server, ticket["id"], "printed", 2)
    ] == [(False, "preprint-p1"), (True, "preprint-p2")]
    assert second.wait_idle()
    [reprinted] = second.jobs[earlier[1] :]
    assert first.jobs[earlier[0] :] == [original]

    image = decoded(reprinted, tmp_path / "reprint")
    # A reprint carries the place and estimate of the moment it is printed: read them back
    # from the ticket's phone status, which uses the same estimator.
    now = server.request("GET", f"/t/{ticket['public_token']}/status").body
    current = {**ticket, "people_ahead": now["ahead"], "estimate": now["estimate"]}
    assert same_pixels(render_ticket(slip_of(current, reissue=True), 512), image)
    assert not same_pixels(decoded(original, tmp_path / "original"), image)
    assert zbar_decode(image, tmp_path) == [ticket["status_url"]]
    waiting = server.request("GET", f"/api/tickets/{ticket['id']}", token("preprint", "staff1"))
    assert waiting.body["ticket"]["status"] == "waiting"  # a reprint changes nothing else


def test_a_reprint_without_a_printer_uses_the_site_printers_in_order(
    printing: PrintingServer, watch: Any
) -> None:
    server, (first, second) = printing.server, printing.fakes["preprint"]
    staff = watch(server, "preprint", "staff1")
    ticket = server.issue("preprint", ["job"]).body
    staff.wait_for_print(ticket["id"])
    before = (len(first.jobs), len(second.jobs))

    assert server.act("preprint", ticket["id"], "reprint").status == 202

    staff.wait_for(lambda c: [m["reissue"] for m in c.got("print")] == [False, True])
    assert staff.got("print")[1]["printer"] == "preprint-p1"
    assert first.wait_idle()
    assert (len(first.jobs), len(second.jobs)) == (before[0] + 1, before[1])


def test_a_reprint_on_a_printer_the_site_does_not_have_is_refused(
    printing: PrintingServer,
) -> None:
    server = printing.server
    ticket = server.issue("preprint", ["job"]).body
    for printer in ("preprint-p9", "pready-p1"):  # unknown, and another site's
        reply = server.act("preprint", ticket["id"], "reprint", {"printer": printer})
        assert (reply.status, reply.error) == (404, "unknown_printer")
    reply = server.act("preprint", 10**9, "reprint")
    assert (reply.status, reply.error) == (404, "unknown_ticket")
    refused = server.request(
        "POST", f"/api/tickets/{ticket['id']}/reprint", token("preprint", "kiosk"), {}, key="k" * 16
    )
    assert (refused.status, refused.error) == (403, "forbidden_role")


def test_staff_see_a_printer_run_out_of_paper_and_come_back(
    printing: PrintingServer, watch: Any
) -> None:
    server, [fake] = printing.server, printing.fakes["pstate"]
    staff, kiosk = watch(server, "pstate", "staff1"), watch(server, "pstate", "kiosk")
    [listed] = staff.snapshots()[0]["printers"]
    assert (listed["id"], listed["name"]) == ("pstate-p1", "発券機プリンター1")

    fake.set(paper_rows=0)
    first = server.issue("pstate", ["job"]).body
    staff.wait_for(lambda c: any(m["state"] == "paper_out" for m in c.got("printer")))
    out = [m for m in staff.got("printer") if m["state"] == "paper_out"][-1]
    assert set(out) == {"id", "name", "state", "label", "detail", "mode", "connection",
                        "commands", "last", "fault"}  # fmt: skip
    assert (out["id"], out["name"], out["label"]) == ("pstate-p1", "発券機プリンター1", "用紙切れ")
    assert (out["mode"], out["connection"], out["commands"], out["fault"]) == (
        "confirmed", "tcp", "escpos", True)
    assert staff.wait_for_print(first["id"])["state"] == "failed"
    snapshot = server.request("GET", "/api/sites/pstate/snapshot", token("pstate", "staff1"))
    assert [p["state"] for p in snapshot.body["printers"]] == ["paper_out"]

    fake.load_paper()
    second = server.issue("pstate", ["job"]).body  # the next ticket finds the paper back
    assert staff.wait_for_print(second["id"])["state"] == "printed"
    back = staff.got("printer")[-1]
    assert (back["state"], back["label"], back["fault"]) == ("ready", "印刷できます", False)
    assert (back["last"]["outcome"], back["last"]["label"]) == ("confirmed", second["label"])
    snapshot = server.request("GET", "/api/sites/pstate/snapshot", token("pstate", "staff1"))
    assert [p["state"] for p in snapshot.body["printers"]] == ["ready"]
    assert kiosk.got("printer") == []  # printer states are for staff screens
    assert "printers" not in kiosk.snapshots()[0]
