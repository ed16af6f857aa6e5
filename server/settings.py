"""Server settings: declared once with defaults and help, layered file → environment → overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import urlsplit

ENV_PREFIX = "MADOGUCHI_"
SETTINGS_FILE_ENV = "MADOGUCHI_SETTINGS"
CLOCKS = ("system", "simulated")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")

T = TypeVar("T")


def _setting(default: T, help: str) -> T:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """How this server runs. Sites, desks and devices live in the site file, not here."""

    database: str = _setting(
        "sqlite:///madoguchi.db",
        "SQLAlchemy URL of the database; a relative SQLite path is relative to the working "
        "directory.",
    )
    sites_file: str = _setting(
        "",
        "Site configuration TOML (sites, desks, counters, devices); empty means the packaged "
        "sapporo.toml. Relative paths in a settings file are relative to that file.",
    )
    host: str = _setting("127.0.0.1", "Address to listen on; 0.0.0.0 serves the whole network.")
    port: int = _setting(8000, "TCP port to listen on; 0 picks a free port.")
    max_body_bytes: int = _setting(
        16384, "Largest request body accepted, in bytes; a bigger one is refused with 413."
    )
    clock: str = _setting(
        "system",
        "Where 'now' comes from: 'system', or 'simulated' (demos and tests move time by hand).",
    )
    enforce_hours: bool = _setting(
        True, "Refuse to issue tickets outside a site's opening hours and closed dates."
    )
    resync_limit: int = _setting(
        1000,
        "Most missed events replayed to a reconnecting client; beyond this it reloads the "
        "full state.",
    )
    idempotency_ttl_hours: int = _setting(
        48, "How long a command's idempotency key is remembered, in hours."
    )
    log_level: str = _setting("INFO", "Logging level: DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    public_url: str = _setting(
        "",
        "Address visitors' phones use to reach this server, e.g. https://madoguchi.example.jp "
        "(put in the QR code on tickets). Required when a site has a kiosk or a printer (the "
        "demo needs none); empty means the address the server listens on, never the address "
        "a client says it asked for.",
    )
    voice_cache_dir: str = _setting(
        "voice-cache",
        "Folder for the spoken calls made so far (WAV, one per number and counter; the least "
        "recently used are removed beyond 3000); relative to the working directory.",
    )
    voice_languages: str = _setting(
        "ja",
        "Languages of the spoken call, Japanese first: 'ja', or 'ja,en' to repeat it in "
        "English (needs the espeak-ng package).",
    )
    session_hours: int = _setting(
        10, "How long a staff login lasts, in hours; after that the person logs in again."
    )
    secret_key_file: str = _setting(
        "",
        "File holding the key that signs login cookies, created (readable by its owner only) "
        "if missing; empty means the SQLite database's file name plus .secret, beside it.",
    )
    secure_cookies: bool = _setting(
        False,
        "Send the login cookie over HTTPS only: turn on when people reach the server over "
        "https (it is on by itself when public_url starts with https://).",
    )
    login_attempts: int = _setting(
        5,
        "Failed logins allowed for one user name from one client address before that name is "
        "refused there for a while; one address may fail four times as often (under any "
        "names), and the name itself, from everywhere, twenty times as often.",
    )
    login_lock_seconds: int = _setting(
        60,
        "How long logins are refused after too many failures, in seconds; each further lock "
        "doubles it, up to an hour.",
    )
    password_cost: int = _setting(
        15,
        "Work of the scrypt password hash, as a power of two: 15 costs each login and each "
        "new password about a tenth of a second of CPU and 32 MiB, which slows the guessing "
        "of anyone who copies the database; each step up doubles it. A password is stored "
        "again at the new cost at its next login. Below 15 only for tests.",
    )
    pairing_minutes: int = _setting(
        10, "How long the code a new kiosk or display shows for pairing stays valid, in minutes."
    )
    request_header_seconds: int = _setting(
        20,
        "How long a client may take to send a request's line and headers, in seconds; also "
        "how long a kept-alive connection may wait idle. A slower one is closed.",
    )
    request_body_seconds: int = _setting(
        30, "How long a client may take to send a request's body, in seconds; a slower one "
        "is answered 400 and closed.",
    )
    max_connections_per_address: int = _setting(
        256,
        "Most connections one client address may hold at once (Socket.IO ones of displays, "
        "consoles and phones included; phones behind one NAT share an address); more are "
        "answered 503. 0: no cap (behind a reverse proxy, where every client has its "
        "address: let the proxy limit).",
    )
    cluster: bool = _setting(
        False,
        "Run as one of several processes sharing a PostgreSQL database: each site is served by "
        "the process holding its lease, the others forward its requests there, and a process "
        "takes over the sites of one that stopped (docs/operating/cluster.md).",
    )
    message_queue: str = _setting(
        "",
        "Redis URL through which the processes of a cluster push Socket.IO messages to each "
        "other's clients and share their counts of failed logins, e.g. "
        "redis://127.0.0.1:6379/0; empty: both stay in the process.",
    )
    advertise_url: str = _setting(
        "",
        "The address at which the other processes of a cluster reach this one, e.g. "
        "http://10.0.0.5:8000; empty: http://<host>:<port> of this process.",
    )
    lease_seconds: int = _setting(
        3,
        "How long a cluster process's hold on its sites lasts without renewal (renewed three "
        "times as often): the longest a stopped process's sites wait for a new owner.",
    )
    housekeeping_seconds: int = _setting(
        60,
        "How often the server closes business days left open and forgets old idempotency "
        "keys and expired pairing codes, in seconds.",
    )
    retention_days: int = _setting(
        0,
        "Keep the detailed event log (tickets and their events) this many days; older days "
        "are purged and only their daily report figures remain. 0 keeps everything.",
    )
    smtp_host: str = _setting(
        "",
        "The city's mail server for e-mail to visitors (\"your turn is near\", reminders); "
        "empty: no e-mail is sent or offered.",
    )
    smtp_port: int = _setting(587, "The mail server's port: 587 with starttls, 465 with tls.")
    smtp_security: str = _setting(
        "starttls",
        "How the connection to the mail server is protected: 'starttls', 'tls' (implicit, "
        "port 465) or 'none' (only for a relay on the same machine or network).",
    )
    smtp_username: str = _setting("", "User name at the mail server; empty: no login.")
    smtp_password: str = _setting(
        "", "Password at the mail server; better given in the environment than in a file."
    )
    smtp_ca_file: str = _setting(
        "", "A CA certificate (PEM) to trust for the mail server besides the system's ones."
    )
    smtp_timeout_seconds: int = _setting(
        10, "How long to wait for the mail server at each step, in seconds."
    )
    mail_from: str = _setting(
        "", "The sender address of e-mail to visitors; needed when smtp_host is set."
    )
    mail_from_name: str = _setting(
        "", "The sender's name shown with mail_from, e.g. 札幌市就業サポートセンター."
    )
    push_hosts: str = _setting(
        "",
        "Push services to send Web Push to besides the browsers' own (Google, Mozilla, "
        "Microsoft, Apple), comma-separated host names, '*.example.com' for a domain: "
        "endpoints on any other host are refused.",
    )
    push_ca_file: str = _setting(
        "", "A CA certificate (PEM) to trust for push services besides the system's ones."
    )
    push_subject: str = _setting(
        "",
        "Who runs this server, for the push services (VAPID 'sub'): a mailto: or https: "
        "address; empty: public_url, else mailto: of mail_from.",
    )
    vapid_key_file: str = _setting(
        "",
        "File holding the server's Web Push (VAPID) key, created (readable by its owner "
        "only) if missing; empty means the SQLite database's file name plus .vapid.pem.",
    )
    public_requests_per_minute: int = _setting(
        120,
        "Requests one client address may make to the public crowding pages and their JSON "
        "(/status/, /api/public/) a minute, in bursts of as many; more are answered 429. 0: "
        "no limit (behind a reverse proxy, where every request has the proxy's address).",
    )

SETTINGS_HELP: dict[str, str] = {f.name: f.metadata["help"] for f in fields(Settings)}
_KINDS: dict[str, type] = {f.name: type(f.default) for f in fields(Settings)}
_KIND_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


class SettingsError(Exception):
    """A setting that cannot be used, naming the setting and where its value came from."""

    def __init__(self, setting: str | None, source: str, reason: str) -> None:
        self.setting, self.source, self.reason = setting, source, reason
        where = f"setting '{setting}' from {source}" if setting else source
        super().__init__(f"{where}: {reason}")


def env_var(name: str) -> str:
    """The environment variable that sets a setting: MADOGUCHI_<NAME>."""
    return ENV_PREFIX + name.upper()


def load_settings(
    file: str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Defaults, then the settings file's [server] table, then MADOGUCHI_* variables, then
    `overrides`; each later layer wins. The file is `file`, else $MADOGUCHI_SETTINGS."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    sources = {name: "the defaults" for name in _KINDS}
    path = file or env.get(SETTINGS_FILE_ENV)
    if path:
        _layer_file(Path(path), values, sources)
    for name, kind in _KINDS.items():
        if env_var(name) in env:
            source = f"environment variable {env_var(name)}"
            values[name] = _from_text(name, kind, env[env_var(name)], source)
            sources[name] = source
    for name, value in (overrides or {}).items():
        _layer_value(name, value, "overrides", values, sources)
    settings = Settings(**values)  # type: ignore[arg-type]
    return _validated(settings, sources)


def _layer_file(path: Path, values: dict[str, object], sources: dict[str, str]) -> None:
    source = f"settings file {path}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(None, source, f"cannot read it: {exc}") from None
    for key, value in data.items():
        if not isinstance(value, dict):
            raise SettingsError(key, source, "server settings belong in the [server] table")
    server = cast(dict[str, object], data.get("server", {}))
    for name, value in server.items():
        if name in ("sites_file", "secret_key_file") and isinstance(value, str) and value:
            value = str(path.parent / value)  # an absolute value stays as it is
        _layer_value(name, value, source, values, sources)


def _layer_value(
    name: str, value: object, source: str, values: dict[str, object], sources: dict[str, str]
) -> None:
    kind = _KINDS.get(name)
    if kind is None:
        raise SettingsError(name, source, f"unknown setting; known: {', '.join(_KINDS)}")
    if isinstance(value, str) and kind is not str:
        value = _from_text(name, kind, value, source)
    elif not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise SettingsError(name, source, f"must be {_KIND_NAMES[kind]}, not {value!r}")
    values[name] = value
    sources[name] = source


def _from_text(name: str, kind: type, text: str, source: str) -> object:
    if kind is bool:
        if text.strip().lower() in _TRUE + _FALSE:
            return text.strip().lower() in _TRUE
        raise SettingsError(name, source, f"must be true/false, 1/0 or yes/no, not {text!r}")
    if kind is int:
        try:
            return int(text.strip())
        except ValueError:
            raise SettingsError(name, source, f"must be an integer, not {text!r}") from None
    return text


def _at_least(minimum: int, note: str = "") -> Callable[[object], object]:
    def check(value: object) -> object:
        if cast(int, value) < minimum:
            raise ValueError(f"must be at least {minimum}{note}, not {value}")
        return value

    return check


def _at_most(maximum: int, then: Callable[[object], object]) -> Callable[[object], object]:
    def check(value: object) -> object:
        if cast(int, value) > maximum:
            raise ValueError(f"must be at most {maximum}, not {value}")
        return then(value)

    return check


def _one_of(options: tuple[str, ...], fold: bool = False) -> Callable[[object], object]:
    def check(value: object) -> object:
        text = cast(str, value).upper() if fold else value
        if text not in options:
            raise ValueError(f"must be one of {', '.join(options)}, not {value!r}")
        return text

    return check


def _database(value: object) -> object:
    if "://" not in cast(str, value):
        raise ValueError(f"{value!r} is not a database URL like sqlite:///madoguchi.db")
    return value


def _public_url(value: object) -> object:
    text = cast(str, value).strip()
    if not text:
        return ""
    if not text.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} must start with http:// or https://")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an address: {exc}") from None
    if not parts.hostname or parts.query or parts.fragment or parts.username or any(
            c.isspace() or c in "\"'<>\\" for c in text):
        raise ValueError(f"{value!r} is not an address like https://madoguchi.example.jp")
    return text.rstrip("/")


def _voice_languages(value: object) -> object:
    parts = [part.strip() for part in cast(str, value).split(",")]
    if not parts or parts[0] != "ja" or any(p not in ("ja", "en") for p in parts) or len(
            set(parts)) != len(parts):
        raise ValueError(f"must be 'ja' or 'ja,en', not {value!r}")
    return ",".join(parts)


def _sites_file(value: object) -> object:
    if value and not Path(cast(str, value)).is_file():
        raise ValueError(f"there is no file {value!r}")
    return value


def _at_least_a_name(value: object) -> object:
    if not cast(str, value).strip():
        raise ValueError("must name a folder")
    return value


def _host_list(value: object) -> object:
    hosts = [h.strip().lower() for h in cast(str, value).split(",") if h.strip()]
    for host in hosts:
        name = host.removeprefix("*.")
        if not name or any(c.isspace() or c in "/:@?#[]" for c in name):
            raise ValueError(f"{host!r} is not a host name like push.example.jp")
    return ",".join(hosts)


def _push_subject(value: object) -> object:
    text = cast(str, value).strip()
    if text and not (text.startswith("https://") or (text.startswith("mailto:") and "@" in text)):
        raise ValueError(f"{value!r} must be a mailto: or https:// address")
    return text


def _host(value: object) -> object:
    if not cast(str, value).strip() or any(c.isspace() for c in cast(str, value)):
        raise ValueError(f"{value!r} is not a host name or address")
    return value


def _port(value: object) -> object:
    if not 0 <= cast(int, value) <= 65535:
        raise ValueError(f"must be from 0 to 65535, not {value}")
    return value


_CHECKS: dict[str, Callable[[object], object]] = {
    "database": _database,
    "sites_file": _sites_file,
    "host": _host,
    "port": _port,
    "max_body_bytes": _at_least(1024, " bytes"),
    "clock": _one_of(CLOCKS),
    "resync_limit": _at_least(1),
    "idempotency_ttl_hours": _at_least(1),
    "log_level": _one_of(LOG_LEVELS, fold=True),
    "public_url": _public_url,
    "voice_cache_dir": _at_least_a_name,
    "voice_languages": _voice_languages,
    "session_hours": _at_most(24 * 31, _at_least(1)),
    "login_attempts": _at_least(1),
    "login_lock_seconds": _at_most(3600, _at_least(1)),
    "password_cost": _at_most(17, _at_least(10)),
    "pairing_minutes": _at_most(24 * 60, _at_least(1)),
    "retention_days": _at_least(0),
    "housekeeping_seconds": _at_most(3600, _at_least(1)),
    "request_header_seconds": _at_most(3600, _at_least(1)),
    "request_body_seconds": _at_most(3600, _at_least(1)),
    "max_connections_per_address": _at_least(0),
    "smtp_port": _port,
    "push_hosts": _host_list,
    "public_requests_per_minute": _at_least(0),
    "push_subject": _push_subject,
    "smtp_security": _one_of(("starttls", "tls", "none")),
    "smtp_timeout_seconds": _at_most(300, _at_least(1)),
    "message_queue": lambda v: _message_queue(v),
    "advertise_url": lambda v: _public_url(v),
    "lease_seconds": _at_most(60, _at_least(2)),
}


def _message_queue(value: object) -> object:
    text = cast(str, value).strip()
    if text and not text.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"{value!r} is not a Redis URL like redis://127.0.0.1:6379/0")
    return text


def _validated(settings: Settings, sources: Mapping[str, str]) -> Settings:
    checked: dict[str, object] = {}
    for name in _KINDS:
        value = getattr(settings, name)
        try:
            checked[name] = _CHECKS[name](value) if name in _CHECKS else value
        except ValueError as exc:
            raise SettingsError(name, sources[name], str(exc)) from None
    if checked["smtp_host"] and "@" not in cast(str, checked["mail_from"]):
        raise SettingsError("mail_from", sources["mail_from"],
                            "must be the sender's address when smtp_host is set")
    return Settings(**checked)  # type: ignore[arg-type]
