"""A display in a welfare corner may show its sensitive desks' waiting figures: which desks
(`devices.show_sensitive`, a JSON list of desk ids; NULL for every other device), from the site
file or the admin page.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_display_sensitive_desks"
down_revision = "0008_cluster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("devices", sa.Column("show_sensitive", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("show_sensitive")
