"""Choosing the handler: the SDK's rule (the first handler, in order, whose ``can_handle`` is true),
asking only the handlers that could say yes.

A :class:`~skill.handlers.base.Handler` with the default ``can_handle`` answers by its ``intents`` and
``request_types`` alone, so for each kind of request (type, intent name) the handlers worth asking are
known; handlers with a ``can_handle`` of their own are always asked. The SDK's mapper asks all twenty
or so in turn on every request.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest
from ask_sdk_runtime.dispatch_components.request_components import GenericRequestMapper

from skill.handlers.base import Handler

RequestKind = tuple[str | None, bool, str | None]  # (request type, has an intent, intent name)
KINDS_KEPT = 256  # intent names come from requests: only a bounded number of them is remembered


def request_kind(handler_input: HandlerInput) -> RequestKind:
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent:
        return request.object_type, True, request.intent.name
    return getattr(request, "object_type", None), False, None


def may_handle(handler: Any, kind: RequestKind) -> bool:
    """False only when ``handler.can_handle`` is sure to say no to requests of this kind."""
    if not isinstance(handler, Handler) or type(handler).can_handle is not Handler.can_handle:
        return True
    request_type, has_intent, name = kind
    if handler.intents and has_intent:
        return name in handler.intents
    return bool(handler.request_types) and request_type in handler.request_types


class IndexedRequestMapper(GenericRequestMapper):
    """:class:`GenericRequestMapper` asking, in the same order, only the handlers that may say yes."""

    def __init__(self, request_handler_chains: list[Any]) -> None:
        super().__init__(request_handler_chains=request_handler_chains)
        self._asked: dict[RequestKind, list[Any]] = {}

    def get_request_handler_chain(self, handler_input: Any) -> Any:
        kind = request_kind(handler_input)
        chains = self._asked.get(kind)
        if chains is None:
            chains = [c for c in self.request_handler_chains if may_handle(c.request_handler, kind)]
            if len(self._asked) >= KINDS_KEPT:
                self._asked.clear()
            self._asked[kind] = chains
        for chain in chains:
            if chain.request_handler.can_handle(handler_input=handler_input):
                return chain
        return None
