"""The site file: the packaged Sapporo configuration, mapping into domain types, refusals."""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime, time
from itertools import pairwise
from pathlib import Path

import pytest

from printers.model import PrinterConfig
from server.domain.model import ALWAYS_OPEN, CounterMode, NoShowPolicy, Organisation, Policy
from server.siteconfig import (
    ConfigError,
    SiteConfig,
    default_sites_path,
    load_sites,
    parse_sites,
)
from server.tomlread import LineIndex as _LineIndex  # the locator behind every line number

BASE = """\
[defaults]
timezone = "Asia/Tokyo"
hours.mon = "08:30-17:15"

[services.jobs]
name = "職業相談・職業紹介"
organisation = "hellowork"
numbers = [1, 199]

[services.welfare]
name = "生活・福祉の相談"
organisation = "city"
numbers = [601, 699]
sensitive = true

[[sites]]
id = "kita"
name = "札幌市就業サポートセンター"
ward = "北区"
services = ["jobs", "welfare"]

[[sites.counters]]
id = "kita-1"
name = "職業相談"
number = 1
services = ["jobs"]

[[sites.devices]]
id = "kita-kiosk"
role = "kiosk"
name = "発券機"
"""

SECOND_SITE = """
[[sites]]
id = "chuo"
name = "あいワーク中央"
ward = "中央区"
services = ["jobs"]

[[sites.counters]]
id = "chuo-1"
name = "職業相談"
number = 1
services = ["jobs"]
"""

SITES = {
    "kita": ("札幌市就業サポートセンター", "北区"),
    "chuo": ("あいワーク中央", "中央区"),
    "higashi": ("あいワーク東", "東区"),
    "shiroishi": ("あいワーク白石", "白石区"),
    "atsubetsu": ("あいワーク厚別", "厚別区"),
    "toyohira": ("あいワーク豊平", "豊平区"),
    "kiyota": ("あいワーク清田", "清田区"),
    "minami": ("あいワーク南", "南区"),
    "nishi": ("あいワーク西", "西区"),
    "teine": ("あいワーク手稲", "手稲区"),
}
DESKS = {
    "job_referral": ("職業相談・職業紹介", Organisation.HELLO_WORK),
    "job_search": ("求人検索", Organisation.HELLO_WORK),
    "career": ("キャリア・カウンセリング", Organisation.CITY),
    "welfare": ("生活・福祉の相談", Organisation.CITY),
    "housing": ("住居確保給付金", Organisation.CITY),
    "reception": ("総合受付・はじめての方", Organisation.CITY),
}


def line_of(text: str, needle: str, after: str = "") -> int:
    """The 1-based line of the first `needle` (after the first `after`, if given)."""
    start = text.index(after) if after else 0
    return text[: text.index(needle, start)].count("\n") + 1


def last_line_of(text: str, needle: str) -> int:
    return text[: text.rindex(needle)].count("\n") + 1


def refusal(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_sites(text, "sites.toml")
    return caught.value


@pytest.fixture(scope="module")
def sapporo() -> SiteConfig:
    return load_sites(default_sites_path())


# --- the packaged configuration -----------------------------------------------------------


def test_packaged_file_has_the_ten_sites_with_their_names_and_wards(sapporo: SiteConfig) -> None:
    assert {s.id: (s.name, s.ward) for s in sapporo.sites} == SITES
    assert [s.id for s in sapporo.sites] == list(SITES)


def test_every_site_offers_the_six_desks(sapporo: SiteConfig) -> None:
    for site in sapporo.sites:
        assert {s.id: (s.name, s.organisation) for s in site.services} == DESKS


def test_only_the_two_welfare_desks_are_sensitive(sapporo: SiteConfig) -> None:
    for site in sapporo.sites:
        assert {s.id for s in site.services if s.sensitive} == {"welfare", "housing"}
        assert {s.public_label for s in site.services if s.sensitive} == {"相談窓口"}


def test_no_number_tells_a_sensitive_desk_and_no_prefix(sapporo: SiteConfig) -> None:
    for site in sapporo.sites:
        assert all(s.prefix == "" and s.description for s in site.services)
        band = {s.id: (s.first_number, s.last_number) for s in site.services}
        for desk in (s for s in site.services if s.sensitive):  # shared with an open desk
            assert any(band[o.id] == band[desk.id] for o in site.services if not o.sensitive)
        bands = sorted(set(band.values()))  # one band per desk, or one shared: never partly
        assert all(a_last < b_first for (_, a_last), (b_first, _) in pairwise(bands))


def test_every_desk_is_served_by_some_counter(sapporo: SiteConfig) -> None:
    for site in sapporo.sites:
        served = {sid for counter in site.counters for sid in counter.services}
        assert served == {s.id for s in site.services}, site.id


def test_counters_scale_with_load(sapporo: SiteConfig) -> None:
    counts = {s.id: len(s.counters) for s in sapporo.sites}
    assert counts["kita"] == 8
    assert all(3 <= n <= 4 for sid, n in counts.items() if sid in ("chuo", "minami", "higashi"))
    kita = sapporo.sites[0]
    assert kita.areas == ("main", "welfare")
    assert any(c.weights for c in kita.counters)
    assert all(s.areas == ("main",) for s in sapporo.sites[1:])


def test_devices_are_a_kiosk_a_display_per_area_a_console_per_counter_and_a_manager(
    sapporo: SiteConfig,
) -> None:
    for site in sapporo.sites:
        devices = [d for d in sapporo.devices if d.site_id == site.id]
        roles = [d.role for d in devices]
        assert roles.count("kiosk") == 1 and roles.count("manager") == 1
        assert sorted(d.area or "" for d in devices if d.role == "display") == sorted(site.areas)
        staff = sorted(d.counter_id or "" for d in devices if d.role == "staff")
        assert staff == sorted(c.id for c in site.counters)
    admins = [d for d in sapporo.devices if d.site_id is None]
    assert [d.role for d in admins] == ["admin"]
    assert all(d.token is None for d in sapporo.devices)


def test_packaged_hours_are_weekdays_and_skip_holidays(sapporo: SiteConfig) -> None:
    hours = sapporo.sites[0].hours
    assert hours.is_open(datetime(2026, 6, 1, 8, 30))  # a Monday
    assert not hours.is_open(datetime(2026, 6, 1, 17, 15))
    assert not hours.is_open(datetime(2026, 6, 6, 10, 0))  # a Saturday
    for holiday in (date(2026, 9, 22), date(2027, 1, 1), date(2026, 12, 29), date(2027, 3, 22)):
        assert holiday in hours.closed_dates


def test_packaged_outcomes_mark_only_placement(sapporo: SiteConfig) -> None:
    outcomes = sapporo.sites[0].outcomes
    assert [o.code for o in outcomes if o.placement] == ["placement"]
    assert {o.label for o in outcomes} >= {"相談のみ", "紹介状発行", "就職決定", "その他"}


# --- mapping into domain types ------------------------------------------------------------


def test_minimal_file_maps_into_domain_types() -> None:
    site = parse_sites(BASE).sites[0]
    assert site.timezone == "Asia/Tokyo"
    assert site.policy == Policy()
    assert site.hours.by_weekday == ((0, time(8, 30), time(17, 15)),)
    assert site.service("welfare") is not None and site.service("welfare").sensitive  # type: ignore[union-attr]
    counter = site.counters[0]
    assert (counter.area, counter.mode, counter.services) == (
        "main",
        CounterMode.WEIGHTED,
        ("jobs",),
    )


def test_defaults_become_the_policy() -> None:
    text = BASE.replace(
        "hours.mon",
        'day_starts_at = "05:30"\nno_show = "end"\npriority_ratio = [3, 1]\n'
        "max_wait_boost_minutes = 45\nhours.mon",
    )
    policy = parse_sites(text).sites[0].policy
    assert policy == Policy(3, 1, 45, NoShowPolicy.END, time(5, 30))


def test_without_hours_a_site_is_always_open_except_closed_dates() -> None:
    text = BASE.replace('hours.mon = "08:30-17:15"', 'closed_dates = ["2026-01-01", 2026-01-02]')
    hours = parse_sites(text).sites[0].hours
    assert hours.by_weekday == ALWAYS_OPEN.by_weekday
    assert hours.closed_dates == {date(2026, 1, 1), date(2026, 1, 2)}


def test_a_site_overrides_defaults_and_others_inherit_them() -> None:
    text = BASE.replace('ward = "北区"', 'ward = "北区"\nno_show = "end"\nhours = {}') + SECOND_SITE
    kita, chuo = parse_sites(text).sites
    assert kita.policy.no_show is NoShowPolicy.END and kita.hours.by_weekday == ()
    assert chuo.policy.no_show is NoShowPolicy.REQUEUE_ONCE and len(chuo.hours.by_weekday) == 1


def test_service_overrides_change_one_sites_numbering() -> None:
    text = (
        BASE
        + '\n[sites.service_overrides.jobs]\nnumbers = [1, 399]\ntarget_wait = 45\nprefix = "A"\n'
        + SECOND_SITE
    )
    kita, chuo = parse_sites(text).sites
    jobs = kita.service("jobs")
    assert jobs is not None
    assert (jobs.first_number, jobs.last_number, jobs.target_wait_min, jobs.prefix) == (
        1,
        399,
        45,
        "A",
    )
    assert chuo.service("jobs") is not None and chuo.service("jobs").last_number == 199  # type: ignore[union-attr]


def test_counter_weights_become_pairs_and_mode_defaults_to_weighted() -> None:
    text = BASE.replace(
        'services = ["jobs"]\n',
        'services = ["jobs", "welfare"]\nweights = { jobs = 2, welfare = 0.5 }\n',
    )
    counter = parse_sites(text).sites[0].counters[0]
    assert counter.mode is CounterMode.WEIGHTED
    assert counter.weights == (("jobs", 2.0), ("welfare", 0.5))
    assert counter.weight("welfare") == 0.5


def test_devices_bind_to_areas_and_counters() -> None:
    text = (
        BASE.replace('ward = "北区"', 'ward = "北区"\nareas = ["main", "welfare"]')
        + '\n[[sites.devices]]\nid = "kita-display"\nrole = "display"\nname = "表示盤"\n'
        + '\n[[sites.devices]]\nid = "kita-display-w"\nrole = "display"\nname = "表示盤"\n'
        + 'area = "welfare"\n'
        + '\n[[sites.devices]]\nid = "kita-staff-1"\nrole = "staff"\nname = "端末"\n'
        + 'counter = "kita-1"\ntoken = "s3cret-token-1"\n'
        + '\n[[devices]]\nid = "admin"\nrole = "admin"\nname = "管理"\n'
    )
    devices = {d.id: d for d in parse_sites(text).devices}
    assert devices["kita-display"].area == "main"
    assert devices["kita-display-w"].area == "welfare"
    assert devices["kita-staff-1"].counter_id == "kita-1"
    assert devices["kita-staff-1"].token == "s3cret-token-1"
    assert devices["admin"].site_id is None and devices["kita-kiosk"].site_id == "kita"


def test_bands_may_overlap_with_different_prefixes_or_at_different_sites() -> None:
    text = BASE.replace("numbers = [601, 699]", 'numbers = [1, 99]\nprefix = "F"')
    assert parse_sites(text).sites[0].service("welfare") is not None
    text = BASE.replace("numbers = [601, 699]", "numbers = [1, 99]").replace(
        'services = ["jobs", "welfare"]', 'services = ["jobs"]'
    )
    assert len(parse_sites(text).sites[0].services) == 1


# --- refusals, each at its line -------------------------------------------------------------


def test_syntax_errors_name_the_line_tomllib_reports() -> None:
    text = BASE.replace('ward = "北区"', "ward = 北区")
    error = refusal(text)
    assert error.line == line_of(text, "ward = 北区")
    assert "Invalid value" in error.reason


def test_error_text_is_path_line_reason() -> None:
    error = refusal(BASE.replace("sensitive = true", "sensitive = 1"))
    assert str(error) == f"sites.toml:{error.line}: {error.reason}"
    assert str(ConfigError("x.toml", None, "gone")) == "x.toml: gone"


def test_an_unreadable_file_is_refused_without_a_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_sites(tmp_path / "missing.toml")
    assert caught.value.line is None
    assert str(caught.value).startswith(str(tmp_path / "missing.toml") + ": ")


@pytest.mark.parametrize(
    ("old", "new", "needle", "reason"),
    [
        (
            'services = ["jobs", "welfare"]',
            'sevices = ["jobs"]',
            "sevices",
            "did you mean 'services'",
        ),
        ("number = 1", 'number = 1\nmod = "ordered"', "mod =", "did you mean 'mode'"),
        ("sensitive = true", 'sensitive = true\ncolour = "red"', "colour", "unknown key"),
        ('timezone = "Asia/Tokyo"', 'timezone = "Asia/Tokyo"\nhour = {}', "hour =", "'hours'"),
        ("[defaults]", 'colour = "red"\n[defaults]', "colour", "unknown key"),
    ],
    ids=["site", "counter", "service", "defaults", "top-level"],
)
def test_unknown_keys_are_refused_at_their_line(
    old: str, new: str, needle: str, reason: str
) -> None:
    text = BASE.replace(old, new, 1)
    error = refusal(text)
    assert (error.line, reason in error.reason) == (line_of(text, needle), True), error


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("number = 1", 'number = "1"', "must be an integer, not a string"),
        ("number = 1", "number = true", "must be an integer, not a boolean"),
        ("sensitive = true", 'sensitive = "yes"', "must be true or false"),
        ('name = "発券機"', "name = 3", "must be a string"),
        ('services = ["jobs"]', 'services = "jobs"', "must be an array"),
        ('organisation = "city"', 'organisation = "prefecture"', "'hellowork', 'city'"),
        ('role = "kiosk"', 'role = "printer"', "must be one of kiosk"),
        ('hours.mon = "08:30-17:15"', 'hours.mon = "8:30-17:15"', "not a time of day"),
        ('hours.mon = "08:30-17:15"', 'hours.mon = "08:30-24:00"', "not a time of day"),
        ('hours.mon = "08:30-17:15"', 'hours.mon = "17:15-08:30"', "closes before it opens"),
        ('hours.mon = "08:30-17:15"', 'hours.mon = "08:30"', "not opening hours"),
        ('hours.mon = "08:30-17:15"', 'hours.monday = "08:30-17:15"', "did you mean 'mon'"),
        ('timezone = "Asia/Tokyo"', 'timezone = "Asia/Sapporo"', "not a known time zone"),
        ('timezone = "Asia/Tokyo"', 'day_starts_at = "4am"', "not a time of day"),
        ('timezone = "Asia/Tokyo"', 'no_show = "ignore"', "'requeue_once', 'end'"),
        ('timezone = "Asia/Tokyo"', "priority_ratio = [2]", "two positive integers"),
        ('timezone = "Asia/Tokyo"', "priority_ratio = [2, 0]", "two positive integers"),
        ('timezone = "Asia/Tokyo"', "priority_ratio = [true, 1]", "two positive integers"),
        ('timezone = "Asia/Tokyo"', "max_wait_boost_minutes = 0", "at least 1"),
        ('timezone = "Asia/Tokyo"', 'closed_dates = ["2026-02-30"]', "not a date"),
        ('timezone = "Asia/Tokyo"', 'closed_dates = ["1/1"]', "not a date"),
        ("numbers = [1, 199]", "numbers = [199, 1]", "starts after it ends"),
        ("numbers = [1, 199]", "numbers = [0, 199]", "two numbers from 1 to"),
        ("numbers = [1, 199]", 'numbers = [1, 199]\nprefix = "A1"', "not a prefix"),
        ('services = ["jobs"]', 'services = ["welfare", "jobs", "nope"]', "not a desk this site"),
        ('services = ["jobs"]', "services = []", "at least one"),
        ('services = ["jobs"]', 'services = ["jobs", "jobs"]', "listed twice"),
        ('id = "kita-1"', 'id = "Kita 1"', "not an id"),
    ],
)
def test_bad_values_are_refused_at_their_line(old: str, new: str, reason: str) -> None:
    text = BASE.replace(old, new, 1)
    error = refusal(text)
    assert reason in error.reason, error
    assert error.line == line_of(text, new.splitlines()[-1]), error


def test_a_site_with_an_empty_desk_list_is_refused() -> None:
    text = BASE.replace('services = ["jobs", "welfare"]', "services = []")
    error = refusal(text)
    assert (error.line, "at least one" in error.reason) == (line_of(text, "services = []"), True)


def test_a_site_offering_an_unknown_desk_is_refused() -> None:
    text = BASE.replace('services = ["jobs", "welfare"]', 'services = ["jobs", "wellfare"]')
    error = refusal(text)
    assert error.line == line_of(text, '"wellfare"') and "catalogue" in error.reason


def test_overlapping_bands_of_one_site_are_refused_at_the_second_band() -> None:
    text = BASE.replace("numbers = [601, 699]", "numbers = [150, 250]")
    error = refusal(text)
    assert error.line == line_of(text, "numbers = [150, 250]")
    assert "'jobs' and 'welfare'" in error.reason and "150" in error.reason


def test_an_override_that_makes_bands_overlap_is_refused_at_the_override() -> None:
    text = BASE + "\n[sites.service_overrides.welfare]\nnumbers = [100, 300]\n"
    error = refusal(text)
    assert error.line == line_of(text, "numbers = [100, 300]")


def test_an_override_for_a_desk_the_site_does_not_offer_is_refused() -> None:
    text = (
        BASE.replace('services = ["jobs", "welfare"]', 'services = ["jobs"]')
        + "\n[sites.service_overrides.welfare]\ntarget_wait = 5\n"
    )
    error = refusal(text)
    assert error.line == line_of(text, "[sites.service_overrides.welfare]")


def test_a_counter_serving_a_desk_the_site_does_not_offer_is_refused() -> None:
    counter = 'number = 1\nservices = ["jobs", "welfare"]'
    text = BASE + SECOND_SITE.replace('number = 1\nservices = ["jobs"]', counter)
    error = refusal(text)
    assert error.line == last_line_of(text, 'services = ["jobs", "welfare"]')
    assert "'welfare' is not a desk this site offers" in error.reason


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (SECOND_SITE.replace('id = "chuo"', 'id = "kita"'), 'id = "kita"'),
        (SECOND_SITE.replace('id = "chuo-1"', 'id = "kita-1"'), 'id = "kita-1"'),
        (
            '\n[[sites.devices]]\nid = "kita-kiosk"\nrole = "kiosk"\nname = "2"\n',
            'id = "kita-kiosk"',
        ),
        ('\n[[devices]]\nid = "kita-kiosk"\nrole = "admin"\nname = "2"\n', 'id = "kita-kiosk"'),
    ],
    ids=["site", "counter", "device", "admin-device"],
)
def test_duplicate_ids_are_refused_at_the_second_with_the_first_line(
    extra: str, needle: str
) -> None:
    text = BASE + extra
    error = refusal(text)
    assert error.line == last_line_of(text, needle)
    assert f"first at line {line_of(text, needle)}" in error.reason


def test_duplicate_counter_numbers_in_a_site_are_refused() -> None:
    counter = '\n[[sites.counters]]\nid = "kita-2"\nname = "2"\nnumber = 1\nservices = ["jobs"]\n'
    text = BASE.replace("\n[[sites.devices]]", counter + "\n[[sites.devices]]")
    error = refusal(text)
    assert error.line == line_of(text, "number = 1", after='id = "kita-2"')


def test_a_display_for_an_area_the_site_lacks_is_refused() -> None:
    text = BASE + '\n[[sites.devices]]\nid = "d"\nrole = "display"\nname = "表示"\narea = "annex"\n'
    error = refusal(text)
    assert error.line == line_of(text, 'area = "annex"') and "areas" in error.reason


def test_a_counter_in_an_unknown_area_is_refused() -> None:
    text = BASE.replace("number = 1\n", 'number = 1\narea = "annex"\n')
    assert refusal(text).line == line_of(text, 'area = "annex"')


@pytest.mark.parametrize("role", ["kiosk", "display", "staff", "manager"])
def test_a_site_role_without_a_site_is_refused(role: str) -> None:
    text = BASE + f'\n[[devices]]\nid = "x"\nrole = "{role}"\nname = "x"\n'
    error = refusal(text)
    assert error.line == line_of(text, f'role = "{role}"', after="[[devices]]")
    assert "belongs to a site" in error.reason


def test_an_admin_inside_a_site_is_refused() -> None:
    text = BASE.replace('role = "kiosk"', 'role = "admin"')
    assert refusal(text).line == line_of(text, 'role = "admin"')


def test_a_staff_console_for_a_missing_counter_is_refused() -> None:
    text = BASE + '\n[[sites.devices]]\nid = "s"\nrole = "staff"\nname = "s"\ncounter = "kita-9"\n'
    assert refusal(text).line == line_of(text, 'counter = "kita-9"')


def test_a_kiosk_with_an_area_is_refused() -> None:
    text = BASE.replace('name = "発券機"', 'name = "発券機"\narea = "main"')
    assert "only displays" in refusal(text).reason


def test_short_or_repeated_tokens_are_refused_without_echoing_them() -> None:
    text = BASE.replace('name = "発券機"', 'name = "発券機"\ntoken = "short"')
    assert refusal(text).line == line_of(text, 'token = "short"')
    device = '\n[[sites.devices]]\nid = "k2"\nrole = "kiosk"\nname = "2"\ntoken = "same-token-1"\n'
    text = BASE.replace('name = "発券機"', 'name = "発券機"\ntoken = "same-token-1"') + device
    error = refusal(text)
    assert error.line == line_of(text, "token", after='id = "k2"')
    assert "same-token-1" not in str(error)


@pytest.mark.parametrize(
    "weights", ["{ jobs = 0 }", "{ jobs = -1.5 }", "{ welfare = 1 }", "{ jobs = nan }"]
)
def test_bad_weights_are_refused(weights: str) -> None:
    text = BASE.replace('services = ["jobs"]\n', f'services = ["jobs"]\nweights = {weights}\n')
    assert refusal(text).line == line_of(text, "weights =")


def test_weights_on_an_ordered_counter_are_refused() -> None:
    text = BASE.replace(
        'services = ["jobs"]\n', 'services = ["jobs"]\nmode = "ordered"\nweights = { jobs = 2 }\n'
    )
    assert refusal(text).line == line_of(text, "weights =")


def test_duplicate_outcome_codes_are_refused_at_the_second() -> None:
    outcomes = 'outcomes = [\n  { code = "a", label = "A" },\n  { code = "a", label = "B" },\n]\n'
    text = BASE.replace("[services.jobs]", outcomes + "\n[services.jobs]")
    assert refusal(text).line == line_of(text, 'label = "B"')


def test_a_file_without_sites_or_desks_is_refused() -> None:
    assert "no sites" in refusal(BASE.split("[[sites]]")[0]).reason
    assert "no desks" in refusal('[[sites]]\nid = "x"\n').reason


def test_every_key_of_the_packaged_file_is_located_on_the_line_that_names_it() -> None:
    text = default_sites_path().read_text(encoding="utf-8")
    lines, index = text.splitlines(), _LineIndex(text)

    def keys(value: object, at: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in [at + (k,), *keys(v, at + (k,))]]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in keys(v, at + (i,))]
        return []

    for path in keys(tomllib.loads(text), ()):
        assert str(path[-1]) in lines[index.lines[path] - 1], path


PRINTER = """
[[sites.printers]]
id = "kita-printer"
url = "network://192.0.2.10"
{timeouts}
"""


def test_printer_timeouts_are_optional_seconds_with_the_printer_defaults() -> None:
    plain = parse_sites(BASE + PRINTER.format(timeouts=""))
    short = parse_sites(BASE + PRINTER.format(
        timeouts="connect_timeout = 0.5\nstatus_timeout = 1\nconfirm_timeout = 2.5"))
    [default], [tuned] = plain.printers, short.printers
    assert default == PrinterConfig(id="kita-printer", url="network://192.0.2.10")
    assert (tuned.connect_timeout, tuned.status_timeout, tuned.confirm_timeout) == (0.5, 1.0, 2.5)
    assert tuned.stall_timeout == default.stall_timeout


@pytest.mark.parametrize("value", ["0", "-1", "61", '"2"', "true", "nan"])
def test_a_bad_printer_timeout_is_refused_at_its_line(value: str) -> None:
    text = BASE + PRINTER.format(timeouts=f"confirm_timeout = {value}")
    error = refusal(text)
    assert error.line == line_of(text, "confirm_timeout"), error
    assert "confirm_timeout" in str(error) or "seconds" in error.reason, error


def test_a_desk_carries_its_words_in_other_languages() -> None:
    text = BASE.replace(
        "numbers = [1, 199]",
        'numbers = [1, 199]\ntranslations.en = { label = "Job advice", description = "Work" }\n'
        'translations.ja-easy.label = "{仕事|しごと}の {相談|そうだん}"',
        1,
    )
    jobs = next(s for s in parse_sites(text).sites if s.id == "kita").service("jobs")
    assert jobs is not None
    assert jobs.translated() == {
        "en": {"label": "Job advice", "description": "Work"},
        "ja-easy": {"label": "{仕事|しごと}の {相談|そうだん}", "description": ""},
    }


@pytest.mark.parametrize(
    ("translation", "reason"),
    [
        ('translations.English = { label = "Job advice" }', "is not a language code"),
        ('translations.en = { description = "Work" }', "label"),
        ('translations.en = { label = "Job", note = "x" }', "note"),
    ],
)
def test_bad_translations_are_refused(translation: str, reason: str) -> None:
    error = refusal(BASE.replace("numbers = [1, 199]", f"numbers = [1, 199]\n{translation}", 1))
    assert reason in str(error), error


def test_a_star_printer_with_its_timeouts_reads_and_writes_back_the_same() -> None:
    """The admin page writes a site's printers back from their configs (siteedit's
    printer_table): a Star printer must stay a Star printer, its timeouts its own."""
    from server.siteedit.layer import printer_table

    text = BASE + PRINTER.format(timeouts=(
        'commands = "star"\nwidth = 576\nstall_timeout = 8\njob_timeout = 300'))
    [star] = parse_sites(text).printers
    assert (star.dialect, star.width_dots, star.stall_timeout, star.job_timeout) == (
        "star", 576, 8.0, 300.0)
    table = printer_table(star)
    rewritten = "".join(f"{k} = {json.dumps(v)}\n" for k, v in table.items() if k != "id")
    again = parse_sites(BASE + '\n[[sites.printers]]\nid = "kita-printer"\n' + rewritten)
    assert again.printers == (star,)
    refused = refusal(BASE + PRINTER.format(timeouts='commands = "zpl"'))
    assert "escpos" in refused.reason
