"""Schema versions: Alembic migrations shipped inside the package, run when the store opens.

No alembic.ini is needed: the configuration is built here. Two server processes starting at once
against one database are safe: the whole upgrade runs in one transaction that first takes a lock
(PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE), so the second waits, then finds the schema
already current. DDL is transactional on both, so a failed upgrade leaves the old version intact.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from skill.store.api import StoreUnavailable
from skill.store.sql import WRITE_OPTION

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema as first created by metadata.create_all, before versions existed
ADVISORY_LOCK_KEY = 0x4B494E44  # "KIND": serialises schema upgrades across server processes


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged migrations (``connection`` is used by env.py)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` in place, under a lock; StoreUnavailable if unreachable."""
    _migrate(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` ("base": no tables), under the same lock; data may be lost."""
    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
                config = alembic_config(conn)
                inspector = sa.inspect(conn)
                if inspector.has_table("people") and not inspector.has_table("alembic_version"):
                    command.stamp(config, BASELINE)  # a journal made before schema versions existed
                step(config)
    except (DBAPIError, PoolTimeout) as exc:
        if isinstance(exc, DBAPIError) and not isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
            raise
        raise StoreUnavailable(f"cannot upgrade the journal schema: {type(exc).__name__}") from exc
