"""Answering a turn: speech, reprompt, the pending yes/no offer, and what "repeat" says again.

Conventions other handlers rely on (see skill/README.md, "Offers"):

- ``session_attributes["offer"]`` holds the pending yes/no offer, ``{"kind": "...", ...payload}``. Every
  answer made with :func:`reply` sets it (or clears it), so a later "yes" never wakes a stale offer.
- ``session_attributes["last_said"]`` holds ``{"speech", "reprompt"}`` of the last answer, for RepeatIntent.
- :class:`OfferRequestInterceptor` / :class:`OfferResponseInterceptor` keep both true for handlers that do
  not answer through :func:`reply` (help, meditation, ...): an offer such a handler left untouched is
  dropped, and what it said becomes the answer "repeat" says again.
"""

from __future__ import annotations

import copy
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.directive import Directive

OFFER = "offer"
LAST_SAID = "last_said"
_INCOMING_OFFER = "kindness.incoming_offer"
_REPLIED = "kindness.replied"


def session_attributes(handler_input: HandlerInput) -> dict[str, Any]:
    """The session attributes (an empty throwaway dict for requests that carry no session)."""
    if handler_input.request_envelope.session is None:
        return {}
    attributes = handler_input.attributes_manager.session_attributes
    assert isinstance(attributes, dict)
    return attributes


def pending_offer(handler_input: HandlerInput) -> dict[str, Any] | None:
    """The yes/no offer waiting for an answer, if any."""
    offer = session_attributes(handler_input).get(OFFER)
    return offer if isinstance(offer, dict) and isinstance(offer.get("kind"), str) else None


def reply(
    handler_input: HandlerInput,
    speech: str,
    reprompt: str | None = None,
    *,
    offer: dict[str, Any] | None = None,
    end: bool = False,
    directive: Directive | None = None,
) -> Response:
    """The response for this turn; sets (or clears) the pending offer and remembers what was said."""
    attributes = session_attributes(handler_input)
    handler_input.attributes_manager.request_attributes[_REPLIED] = True
    if offer is None:
        attributes.pop(OFFER, None)
    else:
        attributes[OFFER] = offer
    attributes[LAST_SAID] = {"speech": speech, "reprompt": reprompt}
    builder = handler_input.response_builder.speak(speech)
    if reprompt and not end:
        builder.ask(reprompt)
    if directive is not None:
        builder.add_directive(directive)
    if end:
        builder.set_should_end_session(True)
    elif not reprompt:
        builder.set_should_end_session(False)
    return builder.response


def join(*parts: str) -> str:
    """SSML fragments spoken one after another."""
    return " ".join(p for p in parts if p)


def _fragment(output_speech: Any) -> str | None:
    """The SSML of an output speech without its ``<speak>`` wrapper."""
    ssml = getattr(output_speech, "ssml", None)
    if not isinstance(ssml, str):
        return None
    ssml = ssml.strip()
    if ssml.startswith("<speak>") and ssml.endswith("</speak>"):
        ssml = ssml[len("<speak>") : -len("</speak>")]
    return ssml.strip() or None


class OfferRequestInterceptor(AbstractRequestInterceptor):
    """Notes the offer pending when the request arrived."""

    def process(self, handler_input: HandlerInput) -> None:
        if handler_input.request_envelope.session is not None:
            incoming = copy.deepcopy(session_attributes(handler_input).get(OFFER))
            handler_input.attributes_manager.request_attributes[_INCOMING_OFFER] = incoming


class OfferResponseInterceptor(AbstractResponseInterceptor):
    """After a handler that did not use :func:`reply`: drop the offer it ignored, remember what it said."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        requests = handler_input.attributes_manager.request_attributes
        if handler_input.request_envelope.session is None or response is None or requests.get(_REPLIED):
            return
        attributes = session_attributes(handler_input)
        if OFFER in attributes and attributes[OFFER] == requests.get(_INCOMING_OFFER):
            del attributes[OFFER]
        speech = _fragment(response.output_speech)
        if speech:
            reprompt = _fragment(getattr(response.reprompt, "output_speech", None))
            attributes[LAST_SAID] = {"speech": speech, "reprompt": reprompt}
