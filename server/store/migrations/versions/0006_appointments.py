"""Appointments (予約, issue #17): the `bookings` table, and the slot of an appointment's
ticket (`tickets.slot_at`).

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_appointments"
down_revision = "0005_account_unlocks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("seat", sa.Integer),
        sa.Column("day_seat", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("contact", sa.String(254)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.BigInteger),
        sa.Column("checked_in_at", sa.DateTime(timezone=True)),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        # Two numbered places per booking, each unique: no slot or day is ever overbooked,
        # whoever races for its last place (see server/domain/appointments.py).
        sa.UniqueConstraint("site_id", "service_id", "slot_at", "seat", name="uq_bookings_seat"),
        sa.UniqueConstraint("site_id", "service_id", "day", "day_seat",
                            name="uq_bookings_day_seat"),
    )
    op.create_index("ix_bookings_site_day", "bookings", ["site_id", "day"])
    # A nullable column: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("tickets", sa.Column("slot_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("slot_at")
    op.drop_index("ix_bookings_site_day", table_name="bookings")
    op.drop_table("bookings")
