"""An index on the idempotency keys' `commands.created_at`: a cluster's process that takes a
site over reads the keys stored since its last read (not a day's keys of every site again),
and the purge of keys past their time deletes by it.

Landed migrations are never edited: change the schema with a new, later migration.
"""

from alembic import op

revision = "0010_command_times"
down_revision = "0009_display_sensitive_desks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_commands_created_at", "commands", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_commands_created_at", table_name="commands")
