"""Visitors' notification targets (Web Push subscriptions, e-mail addresses), one ticket each.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_notify_targets"
down_revision = "0006_appointments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_targets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.BigInteger, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_targets_ticket", "notify_targets", ["site_id", "ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_notify_targets_ticket", "notify_targets")
    op.drop_table("notify_targets")
