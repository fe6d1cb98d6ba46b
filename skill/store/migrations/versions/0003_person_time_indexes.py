"""Indexes by person and time (and the open-practice look-up), replacing the person-only and time-only ones.

The streak, a person's entries and check-ins by date, and completing a practice all look up one
person's rows by time or by kind and item: with the person and the time in one index, SQLite and
PostgreSQL read only the rows asked for (the streak's day list straight from the index). No query
looks rows up by time alone, so the time-only indexes go: every entry written updates one index less.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, old person-only index, new index, its columns)
REPLACED = [
    (
        "gratitude_entries",
        "ix_gratitude_entries_person",
        "ix_gratitude_entries_person_created_at",
        ["person", "created_at"],
    ),
    ("checkins", "ix_checkins_person", "ix_checkins_person_created_at", ["person", "created_at"]),
    ("practices", "ix_practices_person", "ix_practices_person_started_at", ["person", "started_at"]),
]
# time-only indexes no query uses: (table, index, column)
DROPPED = [
    ("gratitude_entries", "ix_gratitude_entries_created_at", "created_at"),
    ("checkins", "ix_checkins_created_at", "created_at"),
    ("practices", "ix_practices_started_at", "started_at"),
]
OPEN_PRACTICE = ("practices", "ix_practices_open_lookup", ["person", "kind", "item", "completed", "started_at"])


def upgrade() -> None:
    for table, old, new, columns in REPLACED:
        op.create_index(new, table, columns)
        op.drop_index(old, table_name=table)
    table, name, columns = OPEN_PRACTICE
    op.create_index(name, table, columns)
    for table, name, _ in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, column in DROPPED:
        op.create_index(name, table, [column])
    table, name, _ = OPEN_PRACTICE
    op.drop_index(name, table_name=table)
    for table, old, new, _ in REPLACED:
        op.create_index(old, table, ["person"])
        op.drop_index(new, table_name=table)
