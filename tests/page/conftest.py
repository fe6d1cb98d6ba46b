"""The page tests share the play tests' rendered library and server fixtures."""

from tests.play.conftest import app_settings, http_server, library, manifest  # noqa: F401
