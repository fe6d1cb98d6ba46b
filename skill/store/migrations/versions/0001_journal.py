"""The journal: people (by HMAC), gratitude, check-ins, practices, preferences, playback.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UtcDateTime = sa.DateTime(timezone=True)


def _person(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "person",
        sa.String(64),
        sa.ForeignKey("people.key", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("first_seen", UtcDateTime, nullable=False),
        sa.Column("last_seen", UtcDateTime, nullable=False),
    )
    op.create_table(
        "gratitude_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _person(),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _person(),
        sa.Column("feeling_id", sa.String(64), nullable=True),
        sa.Column("feeling_text", sa.Text, nullable=False),
        sa.Column("intensity", sa.Integer, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "practices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _person(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "preferences",
        _person(primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "playback_state",
        _person(primary_key=True),
        sa.Column("token", sa.String(1024), nullable=False),
        sa.Column("offset_ms", sa.Integer, nullable=False),
        sa.Column("finished", sa.Boolean, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    for table, column in (
        ("gratitude_entries", "person"),
        ("gratitude_entries", "created_at"),
        ("checkins", "person"),
        ("checkins", "created_at"),
        ("practices", "person"),
        ("practices", "started_at"),
        ("preferences", "person"),
    ):
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in ("playback_state", "preferences", "practices", "checkins", "gratitude_entries", "people"):
        op.drop_table(table)
