"""Reports: daily aggregates (kept when the detailed log is purged), an index that finds a
site's counter events (or any kind of event) by time, and the managers' edits of a site
(notice line, business hours, target waits) kept on top of the site file.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_reports"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_aggregates",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("business_day", sa.Date, primary_key=True),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("source_seq", sa.BigInteger, nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_events_site_kind_at", "events", ["site_id", "kind", "at"])
    op.create_table(
        "site_overrides",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("overrides", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("site_overrides")
    op.drop_index("ix_events_site_kind_at", "events")
    op.drop_table("daily_aggregates")
