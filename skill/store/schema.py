"""The journal's tables (SQLAlchemy Core). People are keyed by an HMAC of their Alexa id."""

from __future__ import annotations

import sqlalchemy as sa

# Named constraints, so later migrations can alter them (SQLite alters tables by copying them).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

UtcDateTime = sa.DateTime(timezone=True)

people = sa.Table(
    "people",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("first_seen", UtcDateTime, nullable=False),
    sa.Column("last_seen", UtcDateTime, nullable=False),
)


def _person(index: bool = True) -> sa.Column:
    return sa.Column(
        "person", sa.String(64), sa.ForeignKey("people.key", ondelete="CASCADE"), nullable=False, index=index
    )


gratitude = sa.Table(
    "gratitude_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _person(index=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # a person's entries by time (streaks, "what was I grateful for"): the person's own index, sorted
    sa.Index("ix_gratitude_entries_person_created_at", "person", "created_at"),
)

checkins = sa.Table(
    "checkins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _person(index=False),
    sa.Column("feeling_id", sa.String(64), nullable=True),
    sa.Column("feeling_text", sa.Text, nullable=False),
    sa.Column("intensity", sa.Integer, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_checkins_person_created_at", "person", "created_at"),
)

practices = sa.Table(
    "practices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _person(index=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("item", sa.String(64), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("completed", sa.Boolean, nullable=False, default=False),
    sa.Column("completed_at", UtcDateTime, nullable=True),
    sa.Index("ix_practices_person_started_at", "person", "started_at"),
    # the open practice of a kind and item (completing one): found without reading the person's history
    sa.Index("ix_practices_open_lookup", "person", "kind", "item", "completed", "started_at"),
)

preferences = sa.Table(
    "preferences",
    metadata,
    _person(),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("person", "name"),
)

playback = sa.Table(
    "playback_state",
    metadata,
    sa.Column("person", sa.String(64), sa.ForeignKey("people.key", ondelete="CASCADE"), primary_key=True),
    sa.Column("token", sa.String(1024), nullable=False),
    sa.Column("offset_ms", sa.Integer, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

attributes = sa.Table(
    "person_attributes",
    metadata,
    sa.Column("person", sa.String(64), sa.ForeignKey("people.key", ondelete="CASCADE"), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),  # a small JSON object (ask-sdk persistent attributes)
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
