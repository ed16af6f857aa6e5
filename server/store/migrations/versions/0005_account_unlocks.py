"""An administrator lifts an account's login locks: when it was last done
(`accounts.unlocked_at`), so that the running server hears of an unlock made from the
command line.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_account_unlocks"
down_revision = "0004_site_layers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("accounts", sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("unlocked_at")
