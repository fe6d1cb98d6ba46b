"""ask-sdk's persistence adapter over the journal store: small per-person attributes.

Handlers reach it through ``handler_input.attributes_manager.persistent_attributes``; the rows are
keyed by the same HMAC of the Alexa userId as the journal, and forgetting a person removes them too.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from skill.store.api import AttributeStore


def envelope_user_id(envelope: RequestEnvelope) -> str:
    """The Alexa userId of a request (context.System.user, else session.user)."""
    system = envelope.context.system if envelope.context else None
    if system and system.user and system.user.user_id:
        return str(system.user.user_id)
    if envelope.session and envelope.session.user and envelope.session.user.user_id:
        return str(envelope.session.user.user_id)
    raise PersistenceException("the request names no user, so there is nowhere to keep attributes")


class StorePersistenceAdapter(AbstractPersistenceAdapter):
    """get/save/delete_attributes over :class:`AttributeStore` (StoreUnavailable passes through)."""

    def __init__(self, store: AttributeStore) -> None:
        self.store = store

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        return self.store.get_attributes(envelope_user_id(request_envelope))

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        try:
            self.store.save_attributes(envelope_user_id(request_envelope), attributes)
        except ValueError as exc:
            raise PersistenceException(str(exc)) from exc

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.store.delete_attributes(envelope_user_id(request_envelope))


def adapter_for(store: object) -> StorePersistenceAdapter | None:
    """An adapter over ``store`` when it keeps attributes, else None."""
    if all(callable(getattr(store, name, None)) for name in ("get_attributes", "save_attributes", "delete_attributes")):
        return StorePersistenceAdapter(store)  # type: ignore[arg-type]
    return None
