"""`madoguchi cluster`: which process of a cluster owns which site, from the database."""

from __future__ import annotations

import click


@click.command("cluster")
@click.pass_context
def cluster(ctx: click.Context) -> None:
    """Show which server process owns which site (a cluster on PostgreSQL)."""
    from ..store import db as store_db
    from ..store import leases as lease_store

    settings = ctx.obj["settings_of"](ctx)
    if not store_db.is_postgresql(settings.database):
        click.echo("not a cluster: one server serves every site of this SQLite database")
        return
    engine = store_db.open_engine(settings.database, writer=False)
    try:
        store_db.check_reachable(engine)
        found = lease_store.leases(engine)
    except store_db.DatabaseUnreachable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    if not found:
        click.echo("no process has taken a site yet")
    for lease in found:
        state = "live" if lease.live else "expired"
        click.echo(f"{lease.site_id:16} {lease.owner or '-':36} {lease.address or '-':28} "
                   f"epoch {lease.epoch:<5} {state}")
