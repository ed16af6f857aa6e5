"""`madoguchi user ...` and `madoguchi device ...`: accounts and device tokens from the shell.

They work on the database directly, also while the server runs: the server reads the
change back within a few seconds (a disabled account or a revoked token stops working then,
and its open connections are closed). Each change is written to the audit log as done from
the command line by the operating-system user who ran it.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import Engine

from ..domain.errors import Refusal
from ..siteconfig import parse_sites
from ..store import accounts as account_store
from ..store import db as store_db
from ..store import devices as device_store
from ..store.accounts import Account, AccountExists
from ..store.audit import audit_row
from .accounts import account_view, checked_fields, normalise_username
from .passwords import hash_password
from .strength import WeakPassword, check_strength

SettingsOf = Callable[[click.Context], Any]


def _open(ctx: click.Context) -> tuple[Engine, list[str]]:
    """The database (migrated) and its site ids; refused if `init` was never run."""
    settings = ctx.obj["settings_of"](ctx)
    engine = store_db.open_engine(settings.database)
    store_db.migrate(engine)
    stored = store_db.latest_config(engine)
    if stored is None:
        raise click.ClickException(
            f"the database {settings.database} has no site "
            "configuration yet: run 'madoguchi init' first"
        )
    return engine, [s.id for s in parse_sites(stored[1], stored[0]).sites]


def _cost(ctx: click.Context) -> int:
    """The `password_cost` setting: how hard new password hashes are to compute."""
    return int(ctx.obj["settings_of"](ctx).password_cost)


def _row(
    action: str,
    outcome: int,
    target: str,
    site_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    try:
        actor = getpass.getuser()
    except (KeyError, OSError):
        actor = "unknown"
    return audit_row(
        datetime.now(UTC), actor, "cli", None, site_id, action, outcome, target, detail
    )


def _password(from_stdin: bool, username: str, name: str, sites: list[str]) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_strength(password, username, name, sites)
    except WeakPassword as exc:
        raise click.ClickException(f"{exc.japanese}\n{exc.english}") from None
    return password


def _account(engine: Engine, username: str) -> Account:
    account = account_store.find_account(engine, normalise_username(username))
    if account is None:
        raise click.ClickException(f"there is no account '{username}'")
    return account


@click.group("user")
def user() -> None:
    """Staff, manager and administrator accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["staff", "manager", "admin"]), required=True,
              help="staff: counter work at one site; manager: also its reports and day close; "
              "admin: everything at every site.")
@click.option("--site", default=None, help="The site of a staff or manager account.")
@click.option("--name", default=None, help="The person's name (default: the user name).")
@click.option(
    "--organisation",
    "organisations",
    multiple=True,
    type=click.Choice(["hellowork", "city"]),
    help="Who employs them; give it twice for both. An admin has both.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from one line of standard input instead of asking twice.",
)
@click.pass_context
def add(
    ctx: click.Context,
    username: str,
    role: str,
    site: str | None,
    name: str | None,
    organisations: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create an account; asks for its password."""
    engine, sites = _open(ctx)
    try:
        fields = checked_fields(username, name, role, site, organisations, sites)
    except Refusal as exc:
        raise click.ClickException(exc.message) from None
    hashed = hash_password(_password(password_stdin, fields.username, fields.name, sites),
                           _cost(ctx))
    row = _row(
        "account_created",
        201,
        f"account:{fields.username}",
        fields.site_id,
        {"role": fields.role, "organisations": list(fields.organisations)},
    )
    try:
        account_store.create_account(
            engine,
            fields.username,
            fields.name,
            fields.role,
            fields.site_id,
            fields.organisations,
            hashed,
            row["at"],
            [row],
        )
    except AccountExists:
        raise click.ClickException(f"there is already an account '{fields.username}'") from None
    click.echo(
        f"account {fields.username} created: {fields.role}"
        f"{' at ' + fields.site_id if fields.site_id else ' (every site)'}, "
        f"{' and '.join(fields.organisations)}"
    )


@user.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@click.pass_context
def passwd(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set an account's password; its logins end."""
    engine, sites = _open(ctx)
    account = _account(engine, username)
    hashed = hash_password(_password(password_stdin, account.username, account.name, sites),
                           _cost(ctx))
    row = _row("password_set", 200, f"account:{account.username}", account.site_id)
    account_store.set_password(engine, account.id, hashed, row["at"], [row])
    click.echo(f"password of {account.username} changed; its logins have ended")


def _set_disabled(ctx: click.Context, username: str, disabled: bool) -> None:
    engine, _ = _open(ctx)
    account = _account(engine, username)
    action = "account_disabled" if disabled else "account_enabled"
    row = _row(action, 200, f"account:{account.username}", account.site_id)
    account_store.set_disabled(engine, account.id, disabled, row["at"], [row])
    click.echo(f"{account.username} {'disabled; its logins have ended' if disabled else 'enabled'}")


@user.command("disable")
@click.argument("username")
@click.pass_context
def disable(ctx: click.Context, username: str) -> None:
    """Disable an account: it can no longer log in and its logins end."""
    _set_disabled(ctx, username, True)


@user.command("enable")
@click.argument("username")
@click.pass_context
def enable(ctx: click.Context, username: str) -> None:
    """Enable a disabled account again."""
    _set_disabled(ctx, username, False)


@user.command("unlock")
@click.argument("username")
@click.pass_context
def unlock(ctx: click.Context, username: str) -> None:
    """Lift an account's login locks after failed logins (a running server lifts them
    within a second or two)."""
    engine, _ = _open(ctx)
    account = _account(engine, username)
    row = _row("account_unlocked", 200, f"account:{account.username}", account.site_id)
    account_store.set_unlocked(engine, account.id, row["at"], [row])
    click.echo(f"{account.username}: its login locks are lifted")


@user.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """List the accounts."""
    engine, _ = _open(ctx)
    for account in account_store.all_accounts(engine):
        view = account_view(account)
        click.echo(
            f"{view['username']:24} {view['role']:8} {view['site'] or '*':10} "
            f"{','.join(account.organisations):16} "
            f"{'disabled' if view['disabled'] else 'active'}  {view['name']}"
        )


@click.group("device")
def device() -> None:
    """Kiosk, display and staff device tokens."""


@device.command("list")
@click.option("--site", default=None, help="Only this site's devices.")
@click.pass_context
def list_devices(ctx: click.Context, site: str | None) -> None:
    """List the devices, revoked ones too."""
    engine, _ = _open(ctx)
    for d in device_store.all_devices(engine, site):
        state = f"revoked {d['revoked_at'][:19]}" if d["revoked_at"] else "active"
        place = d["counter"] or d["area"] or ""
        click.echo(
            f"{d['id']:28} {d['role']:8} {d['site'] or '*':10} {place:12} "
            f"{d['source']:7} {state}  {d['name']}"
        )


@device.command("revoke")
@click.argument("device_id")
@click.pass_context
def revoke(ctx: click.Context, device_id: str) -> None:
    """Revoke a device's token (a running server notices within seconds)."""
    engine, _ = _open(ctx)
    site_id = next(
        (d["site"] for d in device_store.all_devices(engine) if d["id"] == device_id), None
    )
    row = _row("device_revoked", 200, f"device:{device_id}", site_id)
    if not device_store.revoke_device(engine, device_id, row["at"], [row]):
        if device_store.device_exists(engine, device_id):
            raise click.ClickException(f"device {device_id} is revoked already")
        raise click.ClickException(f"there is no device '{device_id}'")
    click.echo(f"device {device_id} revoked")
