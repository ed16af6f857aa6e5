"""`madoguchi purge`: sum up and delete the detailed log older than the retention period."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from ..domain.clock import SystemClock
from ..siteconfig import parse_sites
from ..store import db as store_db
from ..store import schema
from .service import ReportService, SiteState
from .store import LIVE


@click.command()
@click.option(
    "--days",
    type=int,
    default=None,
    help="Keep this many days of detail (default: the retention_days setting).",
)
@click.pass_context
def purge(ctx: click.Context, days: int | None) -> None:
    """Purge tickets and events older than the retention period; daily figures remain.

    Safe while the server runs: each site is purged in one short transaction."""
    settings = ctx.obj["settings_of"](ctx)
    keep = settings.retention_days if days is None else days
    if keep < 1:
        raise click.ClickException(
            "nothing to purge: give --days N (at least 1) or set retention_days"
        )
    engine = store_db.open_engine(settings.database)
    store_db.migrate(engine)
    stored = store_db.latest_config(engine)
    if stored is None:
        raise click.ClickException("the database has no site configuration: run 'init' first")
    sites = {s.id: s for s in parse_sites(stored[1], stored[0]).sites}
    now = SystemClock().now()
    live = _live_days(engine)
    states = [
        SiteState(site, site.business_day(now), frozenset(live.get(site.id, ())))
        for site in sites.values()
    ]
    service = ReportService(
        settings.database, sites, SystemClock(), {}, lambda work: work(), lambda ids: states
    )
    for site_id, (tickets, events) in service.purge(states, keep, now).items():
        click.echo(
            f"{site_id}: purged {tickets} ticket(s) and {events} event(s) older than "
            f"{keep} day(s); their daily figures remain"
        )
    engine.dispose()


def _live_days(engine: Any) -> dict[str, set[Any]]:
    t = schema.tickets
    found: dict[str, set[Any]] = {}
    with engine.connect() as conn:
        for row in conn.execute(
            select(t.c.site_id, t.c.business_day).distinct().where(t.c.status.in_(LIVE))
        ):
            found.setdefault(row.site_id, set()).add(row.business_day)
    return found
