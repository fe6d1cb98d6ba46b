"""Signed requests for the endpoint benchmark, on the simulator's test CA (:mod:`skill.sim.signing`).

``TestAuthority.create(dir)`` writes a root (``root.pem``, to trust), the chain Alexa would publish
(``chain.pem``: an ``echo-api.amazon.com`` leaf and an intermediate) and the leaf's key, which signs
request bodies the way Alexa does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skill.sim.signing import Signer, ensure_test_authority

ALEXA_CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"


@dataclass
class TestAuthority:
    """The test CA's files and a signer with its leaf key."""

    root_pem: Path
    chain_pem: Path
    signer: Signer

    __test__ = False  # not a pytest test class

    @classmethod
    def create(cls, directory: Path) -> TestAuthority:
        authority = ensure_test_authority(directory)
        return cls(authority.root_pem, authority.chain_pem, Signer(authority, ALEXA_CHAIN_URL))

    def signature(self, body: bytes) -> str:
        return self.signer.signature(body)

    def sign(self, body: bytes) -> dict[str, str]:
        """The headers Alexa sends with ``body``."""
        return self.signer.headers(body)
