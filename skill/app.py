"""create_app(config=None) -> Flask: the skill server."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from skill.builder import build_skill
from skill.config import Settings
from skill.endpoint import AlexaEndpoint
from skill.speech import Speech
from skill.store import JournalStore, open_store
from skill.store.attributes import adapter_for
from skill.verification import RequestVerifier

log = logging.getLogger(__name__)


def make_verifier(settings: Settings) -> RequestVerifier:
    """The request verifier these settings ask for, warning loudly about what it lets through."""
    verifier = RequestVerifier(
        skill_ids=settings.skill_ids,
        verify_signature=settings.verify_signature,
        fetch_timeout_s=settings.cert_fetch_timeout_s,
    )
    verifier.warn_about_configuration()
    if settings.verify_signature:
        verifier.trust_store()  # fail at start, not on the first request, when there is no CA bundle
    return verifier


def create_app(
    config: Settings | None = None,
    *,
    store: JournalStore | None = None,
    verifier: RequestVerifier | None = None,
) -> Flask:
    """The Flask app serving the skill, built from ``config`` (default: KINDNESS_* environment)."""
    settings = config or Settings.from_env()
    app = Flask(__name__)
    # one byte of slack so a body of exactly the limit passes; web.py enforces the limit itself
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes + 1
    journal = store or open_store(settings)
    speech = Speech(settings.templates_dir)
    app.extensions["kindness.settings"] = settings
    app.extensions["kindness.store"] = journal
    app.extensions["kindness.endpoint"] = AlexaEndpoint(
        build_skill(settings, journal, speech=speech, persistence_adapter=adapter_for(journal)),
        verifier or make_verifier(settings),
        speech=speech,
        max_body_bytes=settings.max_body_bytes,
    )

    from skill import web

    app.register_blueprint(web.bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        return jsonify({"error": exc.name}), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.error("unexpected %s", type(exc).__name__, exc_info=exc)
        return jsonify({"error": "internal error"}), 500

    return app
