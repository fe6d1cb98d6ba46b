"""`kindness serve`: the skill under waitress (gunicorn for production, see README)."""

from __future__ import annotations

import argparse
import logging

from skill.app import create_app
from skill.config import Settings

log = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kindness serve", description="Run the Inner Kindness skill server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    app = create_app(settings)
    import waitress

    log.info("Inner Kindness listening on http://%s:%d/alexa", args.host, args.port)
    waitress.serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="inner-kindness",
        # waitress buffers a body before the app sees it: refuse huge ones outright (the app answers
        # anything over its own 64 KiB limit with a JSON 413)
        max_request_body_size=16 * settings.max_body_bytes,
    )
    return 0
