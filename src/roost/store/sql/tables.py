"""The schema, in SQLAlchemy Core; Alembic migrations create it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData()

# The event kinds of changes to a message (MAM lists them as entries, `archive.py`), and the
# condition of their partial index (`events.is_message_change` spells it the same way).
MESSAGE_CHANGES = ("message.edited", "message.deleted", "reaction.changed")
MESSAGE_CHANGES_SQL = f"kind IN ({', '.join(repr(kind) for kind in MESSAGE_CHANGES)})"

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("title", String(200), nullable=False, default=""),
    Column("department", String(200), nullable=False, default=""),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_disabled", Boolean, nullable=False, default=False),
    Column("is_deleted", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True)),
    Column("avatar_sha1", String(40)),  # the avatar's XEP-0084 id, for every listing of people
)

credentials = Table(
    "credentials",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("argon2_hash", String(200), nullable=False),
    Column("scram_sha1_salt", LargeBinary, nullable=False),
    Column("scram_sha1_iterations", Integer, nullable=False),
    Column("scram_sha1_stored_key", LargeBinary, nullable=False),
    Column("scram_sha1_server_key", LargeBinary, nullable=False),
    Column("scram_sha256_salt", LargeBinary, nullable=False),
    Column("scram_sha256_iterations", Integer, nullable=False),
    Column("scram_sha256_stored_key", LargeBinary, nullable=False),
    Column("scram_sha256_server_key", LargeBinary, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("secret_hash", LargeBinary, nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("default_room_id", BigInteger),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

contacts = Table(
    "contacts",
    metadata,
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("contact", String(1024), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("subscription", String(8), nullable=False, default="none"),
    Column("ask", Boolean, nullable=False, default=False),
    Column("groups", Text, nullable=False, default="[]"),
    Index("ix_contacts_contact", "contact"),
)

# RFC 6121 "pending in": someone asked to see the owner's presence and has no answer yet.
subscription_requests = Table(
    "subscription_requests",
    metadata,
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("contact", String(1024), primary_key=True),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(8), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("topic", Text, nullable=False, default=""),
    Column("visibility", String(8), nullable=False),
    Column("is_archived", Boolean, nullable=False, default=False),
    Column("created_by", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_message_id", BigInteger, nullable=False, default=0),
    Column("direct_key", String(40), unique=True),
    Column("address", String(64)),
    Index("ix_conversations_address", "address", unique=True),
)

members = Table(
    "members",
    metadata,
    Column("conversation_id", BigInteger, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(8), nullable=False),
    Column("last_read_id", BigInteger, nullable=False, default=0),
    Column("muted", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_members_user", "user_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("conversation_id", BigInteger, nullable=False),
    Column("sender_id", Integer, nullable=False),
    Column("client_id", String(128)),
    Column("client_ref", String(128)),  # the id the sender's client knows it by, when not client_id (0022)
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("edited_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),
    Column("deleted_by", Integer),  # the sender, or the room admin who removed it
    Column("deletion_reason", Text),
    Column("reply_to", BigInteger),
    Column("mentions", Text, nullable=False, default=""),
    Column("extras", Text),
    Column("encryption", String(64)),
    UniqueConstraint("sender_id", "client_id", name="uq_messages_sender_client"),
    Index("ix_messages_conversation", "conversation_id", "id"),
)

message_versions = Table(
    "message_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", BigInteger, nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
)

reactions = Table(
    "reactions",
    metadata,
    Column("message_id", BigInteger, primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("emoji", String(64), primary_key=True),
)

mentions = Table(
    "mentions",
    metadata,
    Column("conversation_id", BigInteger, primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("message_id", BigInteger, primary_key=True),
)

delivery_marks = Table(
    "delivery_marks",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("message_id", BigInteger, nullable=False),
)

blocks = Table(  # XEP-0191 / the JSON API's blocklist: `owner_id` blocks `blocked_id`
    "blocks",
    metadata,
    Column("owner_id", Integer, primary_key=True),
    Column("blocked_id", Integer, primary_key=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

push_registrations = Table(  # XEP-0357: one row per (person, app server, node)
    "push_registrations",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("service_jid", String(1024), primary_key=True),
    Column("node", String(1024), primary_key=True),
    Column("resource", String(1024), nullable=False),
    Column("options", Text, nullable=False),  # JSON list of [field, value]
    Column("created_at", DateTime(timezone=True), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("conversation_id", BigInteger),
    # The user a member.*, read.* or reaction event is about. NULL for message.created: the
    # message names its sender, and a NULL leaves the (user_id, id) index one hot page to
    # append to instead of one page per sender in every commit (bench/README.md).
    Column("user_id", Integer),
    Column("ref_id", BigInteger),
    Index("ix_events_conversation", "conversation_id", "id"),
    Index("ix_events_user", "user_id", "id"),
    # The changes MAM lists (edits, deletions, reactions: `MESSAGE_CHANGES`), alone.
    Index(
        "ix_events_message_changes",
        "conversation_id",
        "id",
        sqlite_where=text(MESSAGE_CHANGES_SQL),
        postgresql_where=text(MESSAGE_CHANGES_SQL),
    ),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", Integer, nullable=False, index=True),
    Column("conversation_id", BigInteger),
    Column("name", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("is_slot", Boolean, nullable=False, default=False),
    Column("put_token_hash", LargeBinary, unique=True),
    Column("link_hash", LargeBinary),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("has_thumbnail", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

files = Table(
    "files",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("uploader_id", Integer, nullable=False, index=True),
    Column("conversation_id", BigInteger),
    Column("message_id", BigInteger, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("link_hash", LargeBinary, unique=True),
)

avatars = Table(
    "avatars",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("sha1", String(40), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("content_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("small_sha256", String(64), nullable=False, index=True),
    Column("small_size", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

pep_nodes = Table(
    "pep_nodes",
    metadata,
    Column("owner_id", Integer, primary_key=True),
    Column("node", String(255), primary_key=True),
    Column("access_model", String(16), nullable=False),
    Column("persist_items", Boolean, nullable=False),
    Column("max_items", Integer, nullable=False),
    Column("send_last", String(32), nullable=False),
    Column("notify_retract", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

pep_items = Table(
    "pep_items",
    metadata,
    Column("owner_id", Integer, primary_key=True),
    Column("node", String(255), primary_key=True),
    Column("item_id", String(1024), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Index("ix_pep_items_node", "owner_id", "node", "seq"),
    Index("ix_pep_items_last", "node", "seq"),
)

private_xml = Table(
    "private_xml",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("payload", Text, nullable=False),
)

# Changes to accounts by any process (the CLI's included), read by every running server:
# core/accounts/service.py `follow_elsewhere`. Kept a day.
account_changes = Table(
    "account_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("change", String(16), nullable=False),  # UserChanged.change
    Column("origin", String(32), nullable=False),  # the process that made it
    Column("at", DateTime(timezone=True), nullable=False),
)

server_keys = Table(
    "server_keys",
    metadata,
    Column("name", String(64), primary_key=True),  # file_links: signs files' capability links
    Column("value", LargeBinary, nullable=False),
)
