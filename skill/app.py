"""create_app(config=None) -> Flask: the skill server."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from skill.builder import build_skill
from skill.config import Settings
from skill.endpoint import AlexaEndpoint
from skill.store import JournalStore, open_store
from skill.store.attributes import adapter_for

log = logging.getLogger(__name__)


def create_app(config: Settings | None = None, *, store: JournalStore | None = None) -> Flask:
    """The Flask app serving the skill, built from ``config`` (default: KINDNESS_* environment)."""
    settings = config or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    journal = store or open_store(settings)
    app.extensions["kindness.settings"] = settings
    app.extensions["kindness.store"] = journal
    app.extensions["kindness.endpoint"] = AlexaEndpoint(
        build_skill(settings, journal, persistence_adapter=adapter_for(journal))
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
