"""Desks that share one number band: a sensitive desk's numbers look like any other's.

In the packaged Sapporo file the city's desks share 501–899, so 生活・福祉の相談 and
住居確保給付金 draw their numbers from the same sequence as career counselling and reception,
and a number called aloud says nothing of why its visitor came.
"""

from __future__ import annotations

import pytest

from server.siteconfig import ConfigError, default_sites_path, load_sites, parse_sites
from tests.domain.builders import Desk
from tests.test_siteconfig import BASE


def test_desks_with_the_very_same_band_share_it_and_partial_overlaps_are_refused() -> None:
    site = parse_sites(BASE.replace("numbers = [601, 699]", "numbers = [1, 199]")).sites[0]
    assert {(s.first_number, s.last_number) for s in site.services} == {(1, 199)}
    with pytest.raises(ConfigError, match="could both hand out number 100"):
        parse_sites(BASE.replace("numbers = [601, 699]", "numbers = [100, 199]"))


def test_sapporo_sensitive_desks_draw_numbers_from_the_city_desks_one_sequence() -> None:
    kita = next(s for s in load_sites(default_sites_path()).sites if s.id == "kita")
    desk = Desk(kita)
    desks = ["welfare", "career", "housing", "reception", "welfare", "job_referral"]
    assert [desk.issue(d).label for d in desks] == ["501", "502", "503", "504", "505", "1"]


def test_a_shared_band_skips_numbers_still_live_at_its_other_desks() -> None:
    kita = next(s for s in load_sites(default_sites_path()).sites if s.id == "kita")
    desk = Desk(kita)
    first = desk.issue("career")
    for _ in range(397):  # the band has 399 numbers: all handed out and still live
        desk.issue("welfare")
    last = desk.issue("housing")
    assert last.label == "899"
    desk.queue.cancel(first.id, desk.now)
    assert desk.issue("reception").label == "501"  # wraps to the one number free again
