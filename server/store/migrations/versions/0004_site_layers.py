"""Administrators edit desks, counters, kiosks, displays and printers of a running site:
their changes to a site (`site_layers`, laid over the site file at every start), and devices
that can be switched off and back on (`devices.disabled_at`).

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_site_layers"
down_revision = "0003_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_layers",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("layer", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    # A nullable column: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("devices", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("disabled_at")
    op.drop_table("site_layers")
