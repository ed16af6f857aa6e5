"""Staff accounts, login sessions, the append-only audit log, and paired devices.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_accounts"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
APPEND_ONLY = "the audit log is append-only"


def upgrade() -> None:
    # Devices paired from the admin page are not in the site file: `init` must leave them be.
    op.add_column(
        "devices", sa.Column("source", sa.String(16), nullable=False, server_default="config")
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("site_id", sa.String(64)),
        sa.Column("organisations", sa.JSON, nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("password_changed_at", TZ, nullable=False),
        sa.Column("disabled_at", TZ),
    )
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
        sa.Column("address", sa.String(64)),
    )
    op.create_index("ix_sessions_account", "sessions", ["account_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16)),
        sa.Column("site_id", sa.String(64)),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("outcome", sa.Integer, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("address", sa.String(64)),
    )
    op.create_index("ix_audit_log_site_seq", "audit_log", ["site_id", "seq"])
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb}")
    for table in ("audit_log", "sessions", "accounts"):
        op.drop_table(table)
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("source")
