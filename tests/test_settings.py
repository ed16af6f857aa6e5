"""Server settings: defaults, the layering file → environment → overrides, and refusals."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from server.settings import SETTINGS_HELP, Settings, SettingsError, env_var, load_settings


def write(tmp_path: Path, text: str, name: str = "settings.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def refusal(**kwargs: object) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load_settings(**kwargs)  # type: ignore[arg-type]
    return caught.value


def test_defaults_apply_with_no_file_and_no_environment() -> None:
    assert load_settings(env={}) == Settings()
    assert Settings().database == "sqlite:///madoguchi.db" and Settings().port == 8000


def test_every_setting_has_help_text() -> None:
    assert list(SETTINGS_HELP) == [f.name for f in fields(Settings)]
    assert all(len(text) > 20 for text in SETTINGS_HELP.values())


def test_file_overrides_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = 9000\nenforce_hours = false\nclock = "simulated"\n')
    settings = load_settings(path, env={})
    assert (settings.port, settings.enforce_hours, settings.clock) == (9000, False, "simulated")
    assert settings.host == "127.0.0.1"


def test_file_path_comes_from_the_environment_when_not_given(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 9001\n")
    assert load_settings(env={"MADOGUCHI_SETTINGS": path}).port == 9001


def test_an_explicit_file_wins_over_the_environments_file(tmp_path: Path) -> None:
    chosen = write(tmp_path, "[server]\nport = 9002\n", "a.toml")
    other = write(tmp_path, "[server]\nport = 9003\n", "b.toml")
    assert load_settings(chosen, env={"MADOGUCHI_SETTINGS": other}).port == 9002


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 9000\nresync_limit = 10\n")
    settings = load_settings(path, env={"MADOGUCHI_PORT": "9100"})
    assert (settings.port, settings.resync_limit) == (9100, 10)


def test_overrides_win_over_everything(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 9000\n")
    settings = load_settings(path, env={"MADOGUCHI_PORT": "9100"}, overrides={"port": 9200})
    assert settings.port == 9200


def test_overrides_accept_text_as_the_environment_does() -> None:
    settings = load_settings(env={}, overrides={"port": "0", "enforce_hours": "no"})
    assert (settings.port, settings.enforce_hours) == (0, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("1", True), ("YES", True), ("false", False), ("0", False), ("no", False)],
)
def test_booleans_from_the_environment_accept_common_spellings(text: str, expected: bool) -> None:
    settings = load_settings(env={"MADOGUCHI_ENFORCE_HOURS": text})
    assert settings.enforce_hours is expected


def test_env_var_names_are_the_upper_case_field_name() -> None:
    assert env_var("max_body_bytes") == "MADOGUCHI_MAX_BODY_BYTES"
    assert load_settings(env={"MADOGUCHI_MAX_BODY_BYTES": "2048"}).max_body_bytes == 2048


def test_log_level_is_case_insensitive() -> None:
    assert load_settings(env={"MADOGUCHI_LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_a_relative_sites_file_in_a_settings_file_is_relative_to_that_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "conf").mkdir()
    sites = write(tmp_path / "conf", "", "sites.toml")
    path = write(tmp_path / "conf", '[server]\nsites_file = "sites.toml"\n')
    assert Path(load_settings(path, env={}).sites_file) == Path(sites)


def test_other_tables_in_the_settings_file_are_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path, '[printers]\nkind = "dummy"\n[server]\nport = 9000\n')
    assert load_settings(path, env={}).port == 9000


@pytest.mark.parametrize(
    ("env", "setting", "reason"),
    [
        ({"MADOGUCHI_PORT": "eighty"}, "port", "must be an integer"),
        ({"MADOGUCHI_PORT": "70000"}, "port", "from 0 to 65535"),
        ({"MADOGUCHI_ENFORCE_HOURS": "maybe"}, "enforce_hours", "true/false"),
        ({"MADOGUCHI_CLOCK": "fast"}, "clock", "system, simulated"),
        ({"MADOGUCHI_LOG_LEVEL": "LOUD"}, "log_level", "DEBUG, INFO"),
        ({"MADOGUCHI_DATABASE": "madoguchi.db"}, "database", "not a database URL"),
        ({"MADOGUCHI_SITES_FILE": "/nowhere/sites.toml"}, "sites_file", "no file"),
        ({"MADOGUCHI_HOST": " "}, "host", "not a host"),
        ({"MADOGUCHI_MAX_BODY_BYTES": "10"}, "max_body_bytes", "at least 1024"),
        ({"MADOGUCHI_RESYNC_LIMIT": "0"}, "resync_limit", "at least 1"),
        ({"MADOGUCHI_IDEMPOTENCY_TTL_HOURS": "-1"}, "idempotency_ttl_hours", "at least 1"),
    ],
)
def test_bad_environment_values_are_refused_naming_setting_and_variable(
    env: dict[str, str], setting: str, reason: str
) -> None:
    error = refusal(env=env)
    assert (error.setting, error.source) == (setting, f"environment variable {env_var(setting)}")
    assert reason in error.reason
    assert str(error).startswith(f"setting '{setting}' from environment variable")


def test_a_wrongly_typed_file_value_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = "8000x"\n')
    error = refusal(file=path, env={})
    assert (error.setting, error.source) == ("port", f"settings file {path}")


def test_a_boolean_is_not_an_integer(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = true\n")
    assert "must be an integer" in refusal(file=path, env={}).reason


def test_an_unknown_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nprot = 8000\n")
    error = refusal(file=path, env={})
    assert error.setting == "prot" and "unknown setting" in error.reason


def test_a_setting_outside_the_server_table_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "port = 8000\n")
    assert "[server]" in refusal(file=path, env={}).reason


def test_a_missing_or_broken_settings_file_is_refused(tmp_path: Path) -> None:
    assert "cannot read" in refusal(file=str(tmp_path / "none.toml"), env={}).reason
    broken = write(tmp_path, "[server\n")
    assert "line 1" in refusal(file=broken, env={}).reason


def test_an_unknown_override_is_refused() -> None:
    error = refusal(env={}, overrides={"colour": "red"})
    assert (error.setting, error.source) == ("colour", "overrides")


def test_a_bad_value_from_a_later_layer_names_that_layer(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nclock = "simulated"\n')
    error = refusal(file=path, env={}, overrides={"clock": "wall"})
    assert (error.setting, error.source) == ("clock", "overrides")


@pytest.mark.parametrize(
    "value",
    ["madoguchi.example.jp", "ftp://example.jp", "http://", "https:///path", "http://a b.jp",
     "http://example.jp/?next=1", "http://example.jp/#x", "http://user@example.jp",
     'http://example.jp/"><script>', "http://example.jp:99999"],
)
def test_a_public_url_that_is_not_an_address_is_refused(value: str) -> None:
    """It goes into every ticket's QR code: a malformed one would print a broken link."""
    error = refusal(env={"MADOGUCHI_PUBLIC_URL": value})
    assert error.setting == "public_url"


def test_a_public_url_loses_its_trailing_slash() -> None:
    settings = load_settings(env={"MADOGUCHI_PUBLIC_URL": " https://madoguchi.example.jp/ "})
    assert settings.public_url == "https://madoguchi.example.jp"
