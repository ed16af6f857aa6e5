"""Tables, in portable SQLAlchemy Core: the same store runs on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

site_config = Table(
    "site_config",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("site_id", String(64)),
    Column("name", String(200), nullable=False),
    Column("area", String(64)),
    Column("counter_id", String(64)),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("source", String(16), nullable=False, server_default="config"),  # or "paired"
    # Switched off by an administrator, and back on: unlike a revoked token, it can return.
    Column("disabled_at", DateTime(timezone=True)),  # migration 0004
    # A display in a welfare corner: the sensitive desks whose waiting figures it shows
    # (a JSON list of desk ids; NULL: none). Migration 0009.
    Column("show_sensitive", JSON),
)

# An administrator's changes to a site's desks, counters and printers (server/siteedit),
# laid over the site file at every start. Migration 0004.
site_layers = Table(
    "site_layers",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("layer", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# A manager's settings of a site (notice line, hours, target waits; server/siteedit), laid
# over the site file and the administrator's changes at every start. Migration 0003.
site_overrides = Table(
    "site_overrides",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("overrides", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# Staff, managers and administrators who log in with a password (issue #4).
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("site_id", String(64)),
    Column("organisations", JSON, nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
    Column("unlocked_at", DateTime(timezone=True)),  # its login locks last lifted
)

# Logins: the cookie carries a random session id; only its hash is stored.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("address", String(64)),
    Index("ix_sessions_account", "account_id"),
)

# Who did what: appended to, never updated or deleted (SQLite triggers refuse both).
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("role", String(16)),
    Column("site_id", String(64)),
    Column("action", String(200), nullable=False),
    Column("target", String(200)),
    Column("outcome", Integer, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("address", String(64)),
    Index("ix_audit_log_site_seq", "site_id", "seq"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("site_id", String(64), nullable=False),
    Column("business_day", Date, nullable=False),
    Column("number", Integer, nullable=False),
    Column("label", String(32), nullable=False),
    Column("purposes", JSON, nullable=False),
    Column("purpose_index", Integer, nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("stage", Integer, nullable=False),
    Column("priority", Boolean, nullable=False),
    Column("language", String(16), nullable=False),
    Column("public_token", String(64), nullable=False, unique=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("rank_at", DateTime(timezone=True), nullable=False),
    Column("counter_id", String(64)),
    Column("staff", String(64)),
    Column("called_at", DateTime(timezone=True)),
    Column("calls", Integer, nullable=False),
    Column("requeues", Integer, nullable=False),
    Column("transferred_from", String(64)),
    Column("note", Text),
    Column("updated_at", DateTime(timezone=True)),
    Column("closed_reason", String(32)),
    Column("slot_at", DateTime(timezone=True)),  # an appointment's slot; migration 0006
    Index("ix_tickets_site_status", "site_id", "status"),
    Index("ix_tickets_site_day", "site_id", "business_day"),
)

counter_states = Table(
    "counter_states",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("counter_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("ticket_id", BigInteger, ForeignKey("tickets.id")),
    Column("staff", String(64)),
    Column("streak_priority", Boolean, nullable=False),
    Column("streak", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True)),
)

band_cursors = Table(
    "band_cursors",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("band", String(64), primary_key=True),
    Column("day", Date, nullable=False),
    Column("last", Integer, nullable=False),
)

# The wait-time log: one row per change, never updated or deleted by the queue.
events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("site_id", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ticket_id", BigInteger, ForeignKey("tickets.id")),
    Column("stage", Integer),
    Column("service_id", String(64)),
    Column("counter_id", String(64)),
    Column("staff", String(64)),
    Column("data", JSON, nullable=False),
    Index("ix_events_site_seq", "site_id", "seq"),
    Index("ix_events_ticket", "ticket_id"),
)

# Idempotency: the first answer to a command, returned again for a retry with the same key.
commands = Table(
    "commands",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Migration 0010: a site taken over reads the keys stored since the last read, and the
    # hourly purge deletes the old ones, by time.
    Index("ix_commands_created_at", "created_at"),
)

# Appointments (issue #17). Migration 0006. A booking holds place `seat` (1…per slot) of its
# slot and place `day_seat` (1…the day's capacity) of its day: both unique, so the database
# itself refuses a place taken twice. A booking that ends (cancelled, checked in) gives its
# places back by setting them NULL (NULLs are never equal, on SQLite and PostgreSQL alike).
# Only a hash of the code is kept; the contact goes after the visit and by retention.
bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", String(64), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("services", JSON, nullable=False),
    Column("slot_at", DateTime(timezone=True), nullable=False),
    Column("day", Date, nullable=False),
    Column("seat", Integer),
    Column("day_seat", Integer),
    Column("status", String(16), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("contact", String(254)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("ticket_id", BigInteger),
    Column("checked_in_at", DateTime(timezone=True)),
    Column("late", Boolean, nullable=False),
    Column("reminded_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    UniqueConstraint("site_id", "service_id", "slot_at", "seat", name="uq_bookings_seat"),
    UniqueConstraint("site_id", "service_id", "day", "day_seat", name="uq_bookings_day_seat"),
    Index("ix_bookings_site_day", "site_id", "day"),
)

# Where to tell a waiting visitor that their turn is near (Web Push, e-mail): personal, so
# kept only while the visit lasts; deleted when it ends, and at start-up for any visit over.
notify_targets = Table(
    "notify_targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", String(64), nullable=False),
    Column("ticket_id", BigInteger, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("target", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_notify_targets_ticket", "site_id", "ticket_id"),
)

# A central deployment's processes (server/cluster): migration 0008. A site's live queue is
# owned by the process holding its lease; `epoch` grows with every change of owner and is
# checked inside every write's transaction (fencing).
site_leases = Table(
    "site_leases",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("address", String(200), nullable=False),  # where the owner takes forwarded requests
    Column("epoch", BigInteger, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

cluster_members = Table(
    "cluster_members",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("address", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Ticket ids and sequence numbers of a process are generation << 24 onwards: a generation
# taken later is larger than any taken before, so a site's new owner numbers after its old.
id_generations = Table(
    "id_generations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(64), nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
)

# Kiosks and displays waiting to be paired (server/auth/pairing.py): migration 0011. Shared
# by a cluster's processes, so a device may ask for its code on one and be approved on
# another. The device holds the pairing id; only its hash is kept. The token it will collect
# is kept sealed with a key made from that id (useless without it) until it is collected,
# when the row goes; `device_id` is set by the one approval a code gets. Rows go an hour
# after they expire (a late poll still hears "expired"), their sealed token at expiry.
pairings = Table(
    "pairings",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("address", String(64)),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("sealed_token", String(64)),
    Column("device_id", String(64)),
    Index("ix_pairings_expires_at", "expires_at"),
)

# How many times each table of credentials (accounts, devices, sessions) was changed, counted
# by triggers: a process reads one again only when its count moved (server/auth/registry.py).
# Migration 0012.
credential_changes = Table(
    "credential_changes",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("version", BigInteger, nullable=False),
)
