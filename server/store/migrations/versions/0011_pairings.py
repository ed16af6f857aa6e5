"""Kiosks and displays waiting to be paired, stored rather than held in one process's
memory: a cluster's processes share them (a device may ask for its code on one process and
be approved on another). Only the hash of a pairing's id is kept, and the token it will
collect only sealed, until it is collected or expires.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_pairings"
down_revision = "0010_command_times"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pairings",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("address", sa.String(64)),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("sealed_token", sa.String(64)),
        sa.Column("device_id", sa.String(64)),
    )
    op.create_index("ix_pairings_expires_at", "pairings", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_pairings_expires_at", table_name="pairings")
    op.drop_table("pairings")
