"""Signed requests for ``kindness sim --url ... --sign``: a local test certificate authority.

The simulator makes (once, in ``<data dir>/sim-ca/``) a root, an intermediate and a leaf whose SAN is
``echo-api.amazon.com``, and signs each body with the leaf's key (``Signature-256``, RSA PKCS#1 v1.5
SHA-256), naming the chain by an Alexa-shaped URL (:data:`CHAIN_URL`). A server can only accept that if it
trusts the test root and reads the chain locally instead of from S3: :func:`trusting_verifier` builds such
a verifier, and ``python -m skill.sim.signing serve`` runs a development server with it, so signature
verification can be tried end to end without switching it off. Never trust this root in production.
"""

from __future__ import annotations

import argparse
import base64
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CHAIN_URL = "https://s3.amazonaws.com/echo.api/inner-kindness-sim-test.pem"
ECHO_API_SAN = "echo-api.amazon.com"
VALID_DAYS = 365
RENEW_BEFORE = timedelta(days=7)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Inner Kindness simulator (TEST ONLY)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    path_length: int | None,
    now: datetime,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        usage = x509.KeyUsage(True, False, True, False, False, False, False, False, False)
        builder = builder.add_extension(usage, critical=True)
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(ECHO_API_SAN)]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class TestAuthority:
    """The test CA's files: root.pem (to trust), chain.pem (leaf + intermediate), leaf.key (to sign)."""

    directory: Path

    @property
    def root_pem(self) -> Path:
        return self.directory / "root.pem"

    @property
    def chain_pem(self) -> Path:
        return self.directory / "chain.pem"

    @property
    def leaf_key(self) -> Path:
        return self.directory / "leaf.key"

    def valid(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        try:
            certs = x509.load_pem_x509_certificates(self.chain_pem.read_bytes())
            x509.load_pem_x509_certificate(self.root_pem.read_bytes())
            self.leaf_key.read_bytes()
        except (OSError, ValueError):
            return False
        return all(c.not_valid_after_utc - RENEW_BEFORE > now for c in certs)


def ensure_test_authority(directory: Path, now: datetime | None = None) -> TestAuthority:
    """The test CA in ``directory``, made (or renewed) when missing or close to expiry."""
    authority = TestAuthority(Path(directory))
    if authority.valid(now):
        return authority
    now = now or datetime.now(UTC)
    authority.directory.mkdir(parents=True, exist_ok=True)
    root_key, inter_key, leaf_key = _key(), _key(), _key()
    root = _certificate("Inner Kindness Sim Test Root", root_key, None, root_key, ca=True, path_length=1, now=now)
    inter = _certificate(
        "Inner Kindness Sim Test Intermediate", inter_key, root, root_key, ca=True, path_length=0, now=now
    )
    leaf = _certificate(ECHO_API_SAN, leaf_key, inter, inter_key, ca=False, path_length=None, now=now)
    key_bytes = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(authority.leaf_key, key_bytes, private=True)
    _write(authority.chain_pem, _pem(leaf) + _pem(inter))
    _write(authority.root_pem, _pem(root))
    return authority


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    if private:
        tmp.chmod(0o600)
    os.replace(tmp, path)


class Signer:
    """Adds the two headers Alexa sends: SignatureCertChainUrl and Signature-256 over the raw body."""

    def __init__(self, authority: TestAuthority, chain_url: str = CHAIN_URL) -> None:
        key = serialization.load_pem_private_key(authority.leaf_key.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the test leaf key is not an RSA key")
        self.key = key
        self.chain_url = chain_url

    def signature(self, body: bytes) -> str:
        return base64.b64encode(self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")

    def headers(self, body: bytes) -> dict[str, str]:
        return {"SignatureCertChainUrl": self.chain_url, "Signature-256": self.signature(body)}


def trusting_verifier(authority: TestAuthority, **options: Any) -> Any:
    """A :class:`skill.verification.RequestVerifier` that trusts only the test root and reads the chain
    for :data:`CHAIN_URL` from the test CA's files (every other rule stays as strict as in production)."""
    from cryptography.x509 import verification as x509v

    from skill.verification import RequestVerifier

    root = x509.load_pem_x509_certificate(authority.root_pem.read_bytes())
    chain = authority.chain_pem.read_bytes()

    def fetch(url: str) -> bytes:
        if url != CHAIN_URL:
            raise OSError(f"this test server only knows the simulator's chain, not {url}")
        return chain

    return RequestVerifier(trust_store=x509v.Store([root]), fetch=fetch, **options)


def default_directory() -> Path:
    from skill.config import Settings

    return Settings.from_env().data_dir / "sim-ca"


def serve(argv: list[str] | None = None) -> int:
    """A development server whose verifier trusts the simulator's test CA (and nothing else)."""
    parser = argparse.ArgumentParser(
        prog="python -m skill.sim.signing serve",
        description="Run the skill with signature verification ON, trusting only the simulator's test CA.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--ca-dir", type=Path, default=None, help="test CA directory (default: <data dir>/sim-ca)")
    args = parser.parse_args(argv)
    import waitress

    from skill.app import create_app
    from skill.config import Settings

    settings = Settings.from_env().replace(verify_signature=True)
    authority = ensure_test_authority(args.ca_dir or default_directory())
    verifier = trusting_verifier(authority, skill_ids=settings.skill_ids, verify_signature=True)
    app = create_app(settings, verifier=verifier)
    print(f"verifying signatures against the simulator's test CA in {authority.directory}", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=4, ident="inner-kindness-sim-trust")
    return 0


def main(argv: list[str] | None = None) -> int:
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        return serve(args[1:])
    if args[:1] == ["ca"]:
        authority = ensure_test_authority(Path(args[1]) if len(args) > 1 else default_directory())
        print(authority.directory)
        return 0
    print("usage: python -m skill.sim.signing [ca [DIR] | serve [--port N] [--ca-dir DIR]]")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
