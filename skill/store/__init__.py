"""Persistence: the journal contract (:mod:`skill.store.api`) and its SQLAlchemy Core implementation."""

from skill.store.api import JournalStore, StoreUnavailable
from skill.store.engine import open_store

__all__ = ["JournalStore", "StoreUnavailable", "open_store"]
