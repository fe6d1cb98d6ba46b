"""A throwaway certificate authority for the verification tests: root, intermediate and leaf.

Everything is generated at test time with ``cryptography``; the chain is served by an injected fetch
function, so the tests exercise the real chain validation without any network.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-13.pem"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(
    subject: str, issuer: x509.Name, key: rsa.RSAPrivateKey, not_before: datetime, not_after: datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def ca_certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    *,
    issuer_cert: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
    not_before: datetime = NOW - timedelta(days=365),
    not_after: datetime = NOW + timedelta(days=3650),
) -> x509.Certificate:
    """A CA certificate: self-signed root when no issuer is given, else an intermediate."""
    issuer = issuer_cert.subject if issuer_cert else _name(subject)
    signer = issuer_key or key
    builder = (
        _builder(subject, issuer, key, not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None if issuer_cert is None else 0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def leaf_certificate(
    key: rsa.RSAPrivateKey,
    issuer_cert: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    *,
    san: str = "echo-api.amazon.com",
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=300),
) -> x509.Certificate:
    """A server certificate like Amazon's echo-api signing certificate."""
    return (
        _builder(san, issuer_cert.subject, key, not_before, not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    """Signature-256: base64 RSA PKCS#1 v1.5 SHA-256 over the raw body."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class Authority:
    """A root, an intermediate and an echo-api leaf, with their keys and a fetch that serves chains."""

    root_key: rsa.RSAPrivateKey
    root: x509.Certificate
    intermediate_key: rsa.RSAPrivateKey
    intermediate: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    leaf: x509.Certificate
    served: dict[str, bytes] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, root_key: rsa.RSAPrivateKey, intermediate_key: rsa.RSAPrivateKey, leaf_key: rsa.RSAPrivateKey):
        root = ca_certificate("Kindness Test Root CA", root_key)
        intermediate = ca_certificate(
            "Kindness Test Intermediate CA", intermediate_key, issuer_cert=root, issuer_key=root_key
        )
        leaf = leaf_certificate(leaf_key, intermediate, intermediate_key)
        authority = cls(root_key, root, intermediate_key, intermediate, leaf_key, leaf)
        authority.serve(CERT_URL, authority.chain())
        return authority

    def chain(self, leaf: x509.Certificate | None = None) -> bytes:
        return pem(leaf or self.leaf, self.intermediate)

    def serve(self, url: str, data: bytes) -> None:
        self.served[url] = data

    def fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        if url not in self.served:
            raise OSError(f"nothing served at {url}")
        return self.served[url]

    def leaf_with(self, **changes: object) -> x509.Certificate:
        return leaf_certificate(self.leaf_key, self.intermediate, self.intermediate_key, **changes)  # type: ignore[arg-type]


class Clock:
    """A settable clock for the verifier."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def signed(payload: dict[str, Any], key: rsa.RSAPrivateKey, url: str = CERT_URL) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers Alexa would send for ``payload``."""
    body = json.dumps(payload).encode()
    return body, {"SignatureCertChainUrl": url, "Signature-256": sign(key, body)}
