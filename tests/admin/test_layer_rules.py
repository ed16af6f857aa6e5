"""An administrator's change is made to the site's parts as they are in effect and checked by
the site file's rules on the site itself: the edited item read from the body by the site
file's reader, the rules of the whole site (bands, counters, numbers, ids) on the result."""

from __future__ import annotations

from dataclasses import replace

import pytest

from server.siteconfig import parse_sites
from server.siteedit.editor import file_parts
from server.siteedit.layer import (
    FieldError,
    SiteParts,
    TakenElsewhere,
    check_site,
    laid_over,
    part_tables,
    put_counter,
    put_kiosk_printers,
    put_printer,
    put_service,
)
from tests.harness import site_file

PENSION = {"name": "年金相談", "organisation": "city", "prefix": "N", "numbers": [1, 99]}


@pytest.fixture
def parts() -> SiteParts:
    config = parse_sites(site_file(["a", "b"], printers={"a": "memory://a"}))
    return file_parts(config)["a"]


def refused(where: tuple[str | int, ...], check: object) -> None:
    with pytest.raises(FieldError) as error:
        check()  # type: ignore[operator]
    assert error.value.where == where


def test_a_new_desk_is_read_from_the_body_and_added_after_the_others(parts: SiteParts) -> None:
    changed = put_service(parts, "pension", PENSION)
    assert [s.id for s in changed.site.services][-1] == "pension"
    assert changed.site.service("pension").first_number == 1  # type: ignore[union-attr]
    check_site(changed, TakenElsewhere())
    assert changed.site.counters == parts.site.counters  # nothing else is read again


def test_the_body_is_refused_by_the_site_files_reader_naming_the_field(parts: SiteParts) -> None:
    refused(("services", "pension", "prefix"),
            lambda: put_service(parts, "pension", {**PENSION, "prefix": "N1"}))
    refused(("counters", 4, "services", 0),
            lambda: put_counter(parts, "a-c9", {"name": "x", "number": 9,
                                                "services": ["nothing"]}))


def test_a_band_over_another_desks_names_the_later_desk(parts: SiteParts) -> None:
    changed = put_service(parts, "pension", {**PENSION, "prefix": "", "numbers": [250, 320]})
    refused(("services", "pension", "numbers"), lambda: check_site(changed, TakenElsewhere()))


def test_a_counter_number_or_id_used_already_is_refused(parts: SiteParts) -> None:
    twice = put_counter(parts, "a-c9", {"name": "x", "number": 1, "services": ["job"]})
    refused(("counters", 4, "number"), lambda: check_site(twice, TakenElsewhere()))
    elsewhere = put_counter(parts, "b-c1", {"name": "x", "number": 9, "services": ["job"]})
    refused(("counters", 4, "id"),
            lambda: check_site(elsewhere, TakenElsewhere(counters=frozenset({"b-c1"}))))


def test_a_counter_serving_a_desk_the_site_no_longer_offers_is_named(parts: SiteParts) -> None:
    site = parts.site
    without = replace(parts, site=replace(site, services=tuple(
        s for s in site.services if s.id != "welfare")))
    refused(("counters", 2, "services", 0), lambda: check_site(without, TakenElsewhere()))


def test_a_printer_changed_keeps_what_the_change_does_not_name(parts: SiteParts) -> None:
    before = parts.printers[0]
    changed = put_printer(parts, before.id, {"url": "memory://elsewhere"})
    (after,) = changed.printers
    assert (after.url, after.name, after.width_dots) == ("memory://elsewhere", before.name,
                                                           before.width_dots)
    refused(("printers", 0, "width"),
            lambda: put_printer(parts, before.id, {"url": "memory://x", "width": 600}))


def test_a_printers_commands_and_timeouts_outlive_a_change_and_its_storing(
    parts: SiteParts,
) -> None:
    star = replace(parts.printers[0], dialect="star", stall_timeout=9.0, job_timeout=300.0)
    parts = replace(parts, printers=(star,))
    changed = put_printer(parts, star.id, {"url": "memory://elsewhere", "width": 576})
    assert changed.printers[0] == replace(star, url="memory://elsewhere", width_dots=576)
    layer = {"printers": part_tables(changed, "printers")}
    assert laid_over(parts, layer, TakenElsewhere()).printers == changed.printers


def test_a_kiosk_printer_the_site_lacks_is_refused(parts: SiteParts) -> None:
    changed = put_kiosk_printers(parts, "a-kiosk", ["a-p1", "a-p9"])
    refused(("kiosk_printers", "a-kiosk", "printers", 1),
            lambda: check_site(changed, TakenElsewhere()))


def test_a_stored_part_is_read_back_to_the_same_site(parts: SiteParts) -> None:
    changed = put_service(parts, "pension", PENSION)
    layer = {"services": part_tables(changed, "services")}
    assert laid_over(parts, layer, TakenElsewhere()) == changed
