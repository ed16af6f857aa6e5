"""The `madoguchi` command: init, serve, demo, backup, close-day, user, device, printer."""

from gevent import monkey

monkey.patch_all()  # before anything else imports socket, ssl or threading

import json  # noqa: E402
import sys  # noqa: E402

# The server never uses python-socketio's client side, yet importing socketio loads it, and with
# it requests, urllib3 and websocket-client (installed for the tests' clients): ~5 MB of the
# server's memory. python-engineio imports both guarded, as optional; here they are left out.
for _client_library in ("requests", "websocket"):
    sys.modules.setdefault(_client_library, None)  # type: ignore[arg-type]
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from .auth import commands  # noqa: E402
from .cluster.command import cluster as cluster_command  # noqa: E402
from .printer_command import printer as printer_command  # noqa: E402
from .reports.commands import purge as purge_command  # noqa: E402
from .settings import Settings, SettingsError, load_settings  # noqa: E402
from .siteconfig import ConfigError, SiteConfig, default_sites_path, load_sites  # noqa: E402


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    given = {k: v for k, v in {**ctx.obj["overrides"], **overrides}.items() if v is not None}
    try:
        return load_settings(ctx.obj["settings_file"], overrides=given)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.option("--settings", "settings_file", envvar="MADOGUCHI_SETTINGS", default=None,
              help="Settings TOML file ([server] table).")
@click.option("--database", default=None, help="Database URL (overrides the settings).")
@click.pass_context
def main(ctx: click.Context, settings_file: str | None, database: str | None) -> None:
    """madoguchi: reception, ticketing and calling for public service counters."""
    ctx.obj = {"settings_file": settings_file, "overrides": {"database": database},
               "settings_of": _settings}


main.add_command(commands.user)
main.add_command(commands.device)
main.add_command(purge_command)
main.add_command(printer_command)
main.add_command(cluster_command)


def initialise(settings: Settings, sites_file: str | None, renew_tokens: bool) -> tuple[
        SiteConfig, dict[str, str]]:
    """Create or migrate the database and load a site configuration into it."""
    from datetime import UTC, datetime

    from .auth.secret import NoSecretKey, load_or_create, secret_key_path
    from .store import db as store_db
    from .store.devices import Device, sync_devices

    path = Path(sites_file or settings.sites_file or default_sites_path())
    try:
        config = load_sites(path)
    except ConfigError as exc:
        raise click.ClickException(f"the site configuration was refused: {exc}") from None
    try:
        load_or_create(secret_key_path(settings))  # the key that signs login cookies
    except (NoSecretKey, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    engine = store_db.open_engine(settings.database)
    try:
        store_db.check_reachable(engine)
        store_db.migrate(engine)
    except (store_db.DatabaseUnreachable, store_db.SchemaTooNew) as exc:
        raise click.ClickException(str(exc)) from None
    now = datetime.now(UTC)
    store_db.save_config(engine, str(path), path.read_text(encoding="utf-8"), now)
    wanted = [(Device(d.id, d.role, d.site_id, d.name, d.area, d.counter_id,
                      show_sensitive=d.show_sensitive), d.token) for d in config.devices]
    tokens = sync_devices(engine, wanted, now, renew=renew_tokens)
    engine.dispose()
    return config, tokens


@main.command()
@click.option("--config", "sites_file", default=None,
              help="Site configuration TOML (default: the settings' sites_file, else Sapporo).")
@click.option("--renew-tokens", is_flag=True, help="Give every device without a configured "
              "token a new one.")
@click.pass_context
def init(ctx: click.Context, sites_file: str | None, renew_tokens: bool) -> None:
    """Create or migrate the database and load a site configuration."""
    settings = _settings(ctx)
    config, tokens = initialise(settings, sites_file, renew_tokens)
    click.echo(f"database ready: {settings.database}; {len(config.sites)} site(s) loaded")
    for notice in config.notices:  # loaded all the same: an old form is not an error
        click.echo(f"note: {notice}", err=True)
    _print_tokens(config, tokens)


def _print_tokens(config: SiteConfig, tokens: dict[str, str]) -> None:
    if not tokens:
        return
    click.echo("new device tokens (shown once; keep them safe):")
    for device in config.devices:
        if device.id in tokens:
            where = device.site_id or "all sites"
            click.echo(f"  {device.role:8} {device.id:28} {where:10} {tokens[device.id]}")


@main.command()
@click.option("--host", default=None, help="Address to listen on.")
@click.option("--port", type=int, default=None, help="Port to listen on.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Run the server."""
    settings = _settings(ctx, host=host, port=port)
    _serve(settings)


@main.command()
@click.option("--host", default=None, help="Address to listen on.")
@click.option("--port", type=int, default=None, help="Port to listen on.")
@click.option("--database", "demo_db", default="sqlite:///madoguchi-demo.db",
              show_default=True, help="Database for the demo.")
@click.pass_context
def demo(ctx: click.Context, host: str | None, port: int | None, demo_db: str) -> None:
    """Init with the ten Sapporo sites, print the tokens and URLs, and serve."""
    settings = _settings(ctx, host=host, port=port, database=demo_db, enforce_hours=False)
    config, tokens = initialise(settings, str(default_sites_path()), renew_tokens=True)
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"madoguchi demo: {len(config.sites)} Sapporo sites, database {settings.database}")
    click.echo(f"API description: {base}/api/openapi.json")
    click.echo(f"site snapshot:   {base}/api/sites/kita/snapshot  (send a token below)")
    _print_tokens(config, tokens)
    password = _demo_account(settings)
    _print_pages(base, config, tokens, password)
    kiosk = next((d for d in config.devices if d.role == "kiosk" and d.id in tokens), None)
    if kiosk is not None:
        click.echo("try it:")
        click.echo(f"  curl -s -X POST {base}/api/sites/{kiosk.site_id}/tickets "
                   f"-H 'Authorization: Bearer {tokens[kiosk.id]}' "
                   "-H 'Content-Type: application/json' "
                   "-d '{\"services\": [\"career\", \"job_referral\"]}'")
    _serve(settings, demo=True)


def _demo_account(settings: Settings) -> str:
    """An administrator 'demo' with a fresh password, for the console, reports and admin page."""
    import secrets
    from datetime import UTC, datetime

    from .auth.passwords import hash_password
    from .store import accounts as account_store
    from .store import db as store_db
    from .store.audit import audit_row

    password = secrets.token_urlsafe(9)
    engine = store_db.open_engine(settings.database)
    now = datetime.now(UTC)
    row = audit_row(now, "demo", "cli", None, None, "account_created", 201, "account:demo", {})
    found = account_store.find_account(engine, "demo")
    hashed = hash_password(password, settings.password_cost)
    if found is None:
        account_store.create_account(engine, "demo", "デモ管理者", "admin", None,
                                     ("hellowork", "city"), hashed, now, [row])
    else:
        account_store.set_password(engine, found.id, hashed, now)
    engine.dispose()
    return password


def _print_pages(base: str, config: SiteConfig, tokens: dict[str, str], password: str) -> None:
    """The screens to open for the first site, with their device tokens."""
    site = config.sites[0].id
    kiosk = next((d for d in config.devices if d.site_id == site and d.role == "kiosk"), None)
    display = next((d for d in config.devices if d.site_id == site and d.role == "display"),
                   None)
    click.echo("open these (the token is kept by the page and removed from the address):")
    if kiosk is not None and kiosk.id in tokens:
        click.echo(f"  kiosk (発券機):        {base}/kiosk/?token={tokens[kiosk.id]}")
    if display is not None and display.id in tokens:
        click.echo(f"  display (呼出表示盤):  {base}/display/?token={tokens[display.id]}")
    click.echo(f"  counter (窓口端末):    {base}/counter/   user demo, password {password}")
    click.echo(f"  reports (管理者):      {base}/reports/   same login")
    click.echo(f"  admin page:            {base}/admin/     same login")


def _serve(settings: Settings, demo: bool = False) -> None:
    from .app import NotInitialised, PublicUrlMissing, create_app
    from .auth.secret import NoSecretKey
    from .cluster.setup import ClusterRefused
    from .serving import run_server
    from .store.db import DatabaseUnreachable, SchemaTooNew
    from .store.lock import DatabaseInUse

    try:
        app, socketio = create_app(settings, require_public_url=not demo)
    except (NotInitialised, DatabaseInUse, ConfigError, NoSecretKey, PublicUrlMissing,
            DatabaseUnreachable, ClusterRefused, SchemaTooNew) as exc:
        raise click.ClickException(str(exc)) from None
    run_server(app, settings.host, settings.port)


@main.command()
@click.argument("destination")
@click.pass_context
def backup(ctx: click.Context, destination: str) -> None:
    """Copy the live SQLite database to DESTINATION (safe while the server runs)."""
    from .store import db as store_db

    settings = _settings(ctx)
    try:
        pages = store_db.backup(settings.database, destination)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {destination} ({pages} pages, integrity ok)")


@main.command("close-day")
@click.option("--site", "site_ids", multiple=True, help="Site id (default: every site).")
@click.option("--url", default=None, callback=lambda ctx, param, value: _server_url(value),
              help="A running server's address, e.g. http://127.0.0.1:8000; without it the "
              "database is closed directly.")
@click.option("--token", envvar="MADOGUCHI_TOKEN", default=None,
              help="Manager or admin token for --url.")
@click.pass_context
def close_day(ctx: click.Context, site_ids: tuple[str, ...], url: str | None,
              token: str | None) -> None:
    """End the day: live tickets are closed, counters closed, all history kept."""
    if url is not None:
        _close_day_remote(url, token, site_ids)
        return
    from .app import NotInitialised, create_app
    from .services import services_of
    from .store.lock import DatabaseInUse

    settings = _settings(ctx)
    try:
        app, _ = create_app(settings, require_public_url=False)
    except DatabaseInUse as exc:
        raise click.ClickException(
            f"{exc} To close the day of a running server, add --url and --token.") from None
    except NotInitialised as exc:
        raise click.ClickException(str(exc)) from None
    services = services_of(app)
    engine = services.engine
    for site_id in site_ids or tuple(services.sites):
        if site_id not in services.sites:
            raise click.ClickException(f"there is no site '{site_id}'")
        _, body = engine.run(site_id, lambda q, now: q.close_day(now, "cli"),
                             lambda n: (200, {"closed_tickets": n}))
        engine.append_audit([cli_audit_row(services.clock.now(), "close_day", site_id,
                                           body)])
        click.echo(f"{site_id}: closed {body['closed_tickets']} live ticket(s)")
    services.reports.settle()  # the closed days are summed up and stored
    engine.stop()


def cli_audit_row(at: Any, action: str, site_id: str, detail: dict[str, Any]) -> dict[str, Any]:
    import getpass

    from .store.audit import audit_row

    return audit_row(at, getpass.getuser(), "cli", None, site_id, action, 200,
                     f"site:{site_id}", detail)


def _server_url(value: str | None) -> str | None:
    """A running server's http(s) address: urllib would also open file: and ftp: ones."""
    if value is None:
        return None
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(
            f"{value!r} is not a server's address: give one that starts with http:// or "
            "https://, e.g. http://127.0.0.1:8000", param_hint="'--url'")
    return value.rstrip("/")


def _http_only() -> urllib.request.OpenerDirector:
    """An opener that speaks http(s) alone and follows no redirect (urllib's default one
    also opens file: and ftp: addresses, and a redirect may lead there)."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler, urllib.request.HTTPSHandler,
                    urllib.request.HTTPDefaultErrorHandler, urllib.request.HTTPErrorProcessor):
        opener.add_handler(handler())
    return opener


def _close_day_remote(url: str, token: str | None, site_ids: tuple[str, ...]) -> None:
    if not token:
        raise click.ClickException("--token (or MADOGUCHI_TOKEN) is needed with --url")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    opener = _http_only()

    def call(path: str, data: bytes | None, timeout: float) -> Any:
        req = urllib.request.Request(f"{url}{path}", data=data, headers=headers,
                                     method="POST" if data is not None else "GET")
        try:
            with opener.open(req, timeout=timeout) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as exc:
            raise click.ClickException(f"{path}: {exc.code} {exc.read().decode()}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise click.ClickException(f"cannot reach {url}: {exc}") from None

    if not site_ids:
        site_ids = tuple(s["id"] for s in call("/api/sites", None, 10)["sites"])
    for site_id in site_ids:
        body = call(f"/api/sites/{site_id}/close-day", b"{}", 30)
        click.echo(f"{site_id}: closed {body['closed_tickets']} live ticket(s)")


if __name__ == "__main__":
    sys.exit(main())
