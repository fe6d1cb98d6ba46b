"""Fixtures for the end-to-end tests: see servers.py."""

from tests.e2e.servers import gunicorn_server, kindness_server, node, verifying_server

__all__ = ["gunicorn_server", "kindness_server", "node", "verifying_server"]
