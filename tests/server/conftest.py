"""Fixtures for the server tests: a generated certificate authority and signed requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import verification as x509v

from skill.verification import RequestVerifier
from tests.server.pki import NOW, Authority, Clock, new_key


@pytest.fixture(scope="session")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    """RSA keys are slow to make: one set for the whole run."""
    return {name: new_key() for name in ("root", "intermediate", "leaf", "other_root", "other")}


@pytest.fixture
def authority(keys: dict[str, rsa.RSAPrivateKey]) -> Authority:
    return Authority.create(keys["root"], keys["intermediate"], keys["leaf"])


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def make_verifier(authority: Authority, clock: Clock) -> Callable[..., RequestVerifier]:
    """A verifier that trusts the test root and fetches from the test authority."""

    def make(**overrides: Any) -> RequestVerifier:
        options: dict[str, Any] = {
            "skill_ids": ("amzn1.ask.skill.test",),
            "fetch": authority.fetch,
            "clock": clock,
            "trust_store": x509v.Store([authority.root]),
        }
        options.update(overrides)
        return RequestVerifier(**options)

    return make
