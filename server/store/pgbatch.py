"""The group commit on PostgreSQL: a whole batch in one statement, so one round trip, one
transaction and one fsync (repository.write_batch).

Each table's rows travel as one JSON array, which `json_populate_recordset` turns back into
rows of the table's own types for an INSERT (ON CONFLICT DO UPDATE where rows change:
tickets, counters, numbering). The statement's text is the same for every batch, so psycopg
prepares it once and PostgreSQL plans it once. In a cluster, the statement also checks the
batch's leases (store/leases.py `Fence`): it locks their rows (FOR SHARE, until the commit)
and, unless this process holds each under the epoch it loaded the site with, fails by a
division by zero, so that nothing of the batch is stored.

Against the same batch sent as seven statements through SQLAlchemy (BEGIN, the fence, an
INSERT for each table, COMMIT), a batch of three tickets costs the server a fifth of the CPU
and PostgreSQL half (docs/development/benchmarks.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, TextClause, text
from sqlalchemy.exc import DBAPIError

from . import schema
from .leases import Fence, Fenced, lost

# The tables a batch writes, in the order of repository.Batch, with the columns that make a
# row's identity for those whose rows are updated in place.
TABLES: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (schema.tickets, ("id",)),
    (schema.counter_states, ("site_id", "counter_id")),
    (schema.band_cursors, ("site_id", "band")),
    (schema.events, ()),
    (schema.commands, ()),
    (schema.audit_log, ()),
)

DIVISION_BY_ZERO = "22012"  # PostgreSQL's SQLSTATE: the fence's refusal


def columns(table: Table) -> list[str]:
    """The columns a batch gives values for: all but a number the database counts itself."""
    return [c.name for c in table.columns if not (c.primary_key and c.autoincrement is True)]


def _write(table: Table, keys: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns(table))
    sql = (f"w_{table.name} AS (INSERT INTO {table.name} ({names}) SELECT {names} "
           f"FROM json_populate_recordset(NULL::{table.name}, CAST(:{table.name} AS json)) "
           "WITH ORDINALITY AS r ORDER BY r.ordinality")
    if keys:
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns(table) if c not in keys)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    return sql + ")"


# Locks the lease rows of the batch's sites that this process holds under the right epochs,
# unexpired, and divides by zero unless that is all of them.
FENCE = (
    "fence AS (SELECT 1 / CASE WHEN count(*) = cardinality(CAST(:sites AS text[])) "
    "THEN 1 ELSE 0 END AS held FROM (SELECT 1 FROM site_leases AS l "
    "JOIN unnest(CAST(:sites AS text[]), CAST(:epochs AS bigint[])) AS w(site_id, epoch) "
    "ON l.site_id = w.site_id AND l.epoch = w.epoch "
    "WHERE l.owner = :owner AND l.expires_at > clock_timestamp() FOR SHARE OF l) AS locked)")


def _statement(fenced: bool) -> TextClause:
    parts = [FENCE] if fenced else []
    parts += [_write(table, keys) for table, keys in TABLES]
    return text(f"WITH {', '.join(parts)} SELECT {'held FROM fence' if fenced else '1'}")


STATEMENTS = {fenced: _statement(fenced) for fenced in (False, True)}


def _plain(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # with its offset: PostgreSQL reads the same instant back
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON")


def write(conn: Connection, rows: Sequence[list[dict[str, Any]]], fence: Fence | None) -> None:
    """Write `rows` (a list of row dicts for each of TABLES, in order) in one statement, in a
    transaction of its own; raise Fenced, nothing stored, if `fence` does not hold."""
    params: dict[str, Any] = {}
    for (table, keys), table_rows in zip(TABLES, rows, strict=True):
        if keys:  # a row updated twice in one statement is refused: the last one stands
            table_rows = list({tuple(r[k] for k in keys): r for r in table_rows}.values())
        params[table.name] = json.dumps(table_rows, default=_plain, ensure_ascii=False)
    if fence is not None:
        params.update(owner=fence.owner, sites=list(fence.epochs),
                      epochs=list(fence.epochs.values()))
    conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # no BEGIN and COMMIT to wait for
    try:
        with conn.begin():
            conn.execute(STATEMENTS[fence is not None], params)
    except DBAPIError as exc:
        if fence is None or getattr(exc.orig, "sqlstate", None) != DIVISION_BY_ZERO:
            raise
        # The lease rows may have moved on since: at least one site was not held then.
        raise Fenced(lost(conn, fence) or set(fence.epochs)) from None
