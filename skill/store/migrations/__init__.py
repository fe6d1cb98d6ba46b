"""Alembic migrations for the journal (run by :func:`skill.store.migrate.upgrade`)."""
