"""A throwaway certificate authority and request signing, shaped like Alexa's, for benchmarks and tests.

``TestAuthority.create(dir)`` writes a root CA (``root.pem``), and the chain Alexa would publish
(``chain.pem``: a leaf for ``echo-api.amazon.com`` and its intermediate). ``sign(body)`` gives the
``Signature-256`` and ``SignatureCertChainUrl`` headers for a request body. A server that trusts
``root.pem`` and reads the chain from ``chain.pem`` verifies these requests like real ones.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ALEXA_CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
ALEXA_SAN = "echo-api.amazon.com"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Inner Kindness test authority"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: str,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
    san: str | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(
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
    else:
        builder = (
            builder.add_extension(
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
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(san or ALEXA_SAN)]), critical=False)
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class TestAuthority:
    """A root, an intermediate and an ``echo-api.amazon.com`` leaf; the leaf's key signs requests."""

    root_pem: Path
    chain_pem: Path
    leaf_key: rsa.RSAPrivateKey
    chain_url: str = ALEXA_CHAIN_URL

    __test__ = False  # not a pytest test class

    @classmethod
    def create(cls, directory: Path, *, san: str = ALEXA_SAN, days: int = 30) -> TestAuthority:
        directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=days)
        root_key, mid_key, leaf_key = _key(), _key(), _key()
        root = _certificate("Test Root", root_key, "Test Root", root_key, ca=True, not_before=start, not_after=end)
        mid = _certificate(
            "Test Intermediate", mid_key, "Test Root", root_key, ca=True, not_before=start, not_after=end
        )
        leaf = _certificate(
            san, leaf_key, "Test Intermediate", mid_key, ca=False, not_before=start, not_after=end, san=san
        )
        pem = serialization.Encoding.PEM
        root_pem = directory / "root.pem"
        chain_pem = directory / "chain.pem"
        root_pem.write_bytes(root.public_bytes(pem))
        chain_pem.write_bytes(leaf.public_bytes(pem) + mid.public_bytes(pem))
        return cls(root_pem=root_pem, chain_pem=chain_pem, leaf_key=leaf_key)

    def signature(self, body: bytes) -> str:
        return base64.b64encode(self.leaf_key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")

    def sign(self, body: bytes) -> dict[str, str]:
        """The headers Alexa sends with ``body``."""
        return {"SignatureCertChainUrl": self.chain_url, "Signature-256": self.signature(body)}
