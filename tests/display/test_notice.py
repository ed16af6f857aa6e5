"""The notice line comes from the site file: one short line per site, shown on its displays."""

from __future__ import annotations

import pytest

from server.siteconfig import ConfigError, parse_sites
from tests.harness import site_file


def test_a_site_has_no_notice_unless_its_file_gives_one() -> None:
    config = parse_sites(site_file(["a", "b"], extra={"b": 'notice = "本日は16時で受付終了"'}))
    assert [s.notice for s in config.sites] == ["", "本日は16時で受付終了"]


@pytest.mark.parametrize("notice", ['"一行目\\n二行目"', '"' + "あ" * 81 + '"', "3"])
def test_a_notice_is_one_line_of_at_most_80_characters(notice: str) -> None:
    with pytest.raises(ConfigError, match="notice"):
        parse_sites(site_file(["a"], extra={"a": f"notice = {notice}"}))
