"""A count of the changes to each table of credentials, kept by triggers, so that a process
reads the accounts, devices or sessions again only when another process (or the command line)
changed them, rather than all of them every second: at a prefecture's scale (ten thousand
accounts) a full read cost a fifth of a second of CPU.

Sessions count only their updates and deletions (revoked, ended, swept): a session made on
another process is looked up when it is first used (server/auth/registry.py), so the logins of
a busy morning do not make every process read the sessions again.

Landed migrations are never edited: change the schema with a new, later migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_credential_changes"
down_revision = "0011_pairings"
branch_labels = None
depends_on = None

COUNTED = {"accounts": ("INSERT", "UPDATE", "DELETE"), "devices": ("INSERT", "UPDATE", "DELETE"),
           "sessions": ("UPDATE", "DELETE")}


def upgrade() -> None:
    changes = op.create_table(
        "credential_changes",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(changes, [{"name": name, "version": 0} for name in COUNTED])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION credential_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE credential_changes SET version = version + 1 "
            "WHERE name = TG_TABLE_NAME; RETURN NULL; END $$"
        )
        for table, verbs in COUNTED.items():
            op.execute(f"CREATE TRIGGER {table}_changed AFTER {' OR '.join(verbs)} ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION credential_changed()")
    else:
        for table, verbs in COUNTED.items():
            for verb in verbs:
                op.execute(
                    f"CREATE TRIGGER {table}_changed_{verb.lower()} AFTER {verb} ON {table} "
                    "BEGIN UPDATE credential_changes SET version = version + 1 "
                    f"WHERE name = '{table}'; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in COUNTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS credential_changed()")
    else:
        for table, verbs in COUNTED.items():
            for verb in verbs:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_changed_{verb.lower()}")
    op.drop_table("credential_changes")
