"""The first schema: configuration, devices, tickets, counters, numbering, events, commands.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "site_config",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("loaded_at", TZ, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("site_id", sa.String(64)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("area", sa.String(64)),
        sa.Column("counter_id", sa.String(64)),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("business_day", sa.Date, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
        sa.Column("purposes", sa.JSON, nullable=False),
        sa.Column("purpose_index", sa.Integer, nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("priority", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("public_token", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("rank_at", TZ, nullable=False),
        sa.Column("counter_id", sa.String(64)),
        sa.Column("staff", sa.String(64)),
        sa.Column("called_at", TZ),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("requeues", sa.Integer, nullable=False),
        sa.Column("transferred_from", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.Column("updated_at", TZ),
        sa.Column("closed_reason", sa.String(32)),
    )
    op.create_index("ix_tickets_site_status", "tickets", ["site_id", "status"])
    op.create_index("ix_tickets_site_day", "tickets", ["site_id", "business_day"])
    op.create_table(
        "counter_states",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("counter_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ticket_id", sa.BigInteger, sa.ForeignKey("tickets.id")),
        sa.Column("staff", sa.String(64)),
        sa.Column("streak_priority", sa.Boolean, nullable=False),
        sa.Column("streak", sa.Integer, nullable=False),
        sa.Column("updated_at", TZ),
    )
    op.create_table(
        "band_cursors",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("band", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ticket_id", sa.BigInteger, sa.ForeignKey("tickets.id")),
        sa.Column("stage", sa.Integer),
        sa.Column("service_id", sa.String(64)),
        sa.Column("counter_id", sa.String(64)),
        sa.Column("staff", sa.String(64)),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_site_seq", "events", ["site_id", "seq"])
    op.create_index("ix_events_ticket", "events", ["ticket_id"])
    op.create_table(
        "commands",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("commands", "events", "band_cursors", "counter_states", "tickets",
                  "devices", "site_config"):
        op.drop_table(table)
