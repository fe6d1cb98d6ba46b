"""Alembic environment: migrate the connection handed over by :mod:`skill.store.migrate`.

A new revision is written with ``python -m skill.store.revision "what changed"`` after editing schema.py.
"""

from __future__ import annotations

from alembic import context

from skill.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the journal migrations run from skill.store.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
