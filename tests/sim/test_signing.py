"""--sign: the simulator's test CA makes a chain Alexa's rules accept, and signatures that verify."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import verification as x509v

from skill.sim.signing import CHAIN_URL, ECHO_API_SAN, Signer, ensure_test_authority, trusting_verifier


def test_the_chain_validates_to_the_test_root_for_echo_api(tmp_path: Path) -> None:
    authority = ensure_test_authority(tmp_path / "ca")
    leaf, intermediate = x509.load_pem_x509_certificates(authority.chain_pem.read_bytes())
    root = x509.load_pem_x509_certificate(authority.root_pem.read_bytes())
    verifier = x509v.PolicyBuilder().store(x509v.Store([root])).build_server_verifier(x509v.DNSName(ECHO_API_SAN))
    chain = verifier.verify(leaf, [intermediate])
    assert chain[-1] == root
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [ECHO_API_SAN]
    assert authority.leaf_key.stat().st_mode & 0o777 == 0o600
    other = ensure_test_authority(tmp_path / "other")
    stranger = x509.load_pem_x509_certificate(other.root_pem.read_bytes())
    with pytest.raises(x509v.VerificationError):
        x509v.PolicyBuilder().store(x509v.Store([stranger])).build_server_verifier(x509v.DNSName(ECHO_API_SAN)).verify(
            leaf, [intermediate]
        )


def test_the_authority_is_made_once_and_renewed_near_expiry(tmp_path: Path) -> None:
    authority = ensure_test_authority(tmp_path / "ca")
    first = authority.chain_pem.read_bytes()
    assert ensure_test_authority(tmp_path / "ca").chain_pem.read_bytes() == first
    later = datetime.now(UTC) + timedelta(days=400)
    assert not authority.valid(later)
    assert ensure_test_authority(tmp_path / "ca", now=later).chain_pem.read_bytes() != first
    authority.leaf_key.unlink()
    assert not authority.valid()


def test_signature_256_is_over_the_raw_body_with_the_leaf_key(tmp_path: Path) -> None:
    authority = ensure_test_authority(tmp_path / "ca")
    body = json.dumps({"version": "1.0", "request": {"type": "LaunchRequest"}}).encode()
    headers = Signer(authority).headers(body)
    assert headers["SignatureCertChainUrl"] == CHAIN_URL
    leaf = x509.load_pem_x509_certificates(authority.chain_pem.read_bytes())[0]
    key = leaf.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    signature = base64.b64decode(headers["Signature-256"])
    key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        key.verify(signature, body + b" ", padding.PKCS1v15(), hashes.SHA256())


def test_a_server_trusting_the_test_root_accepts_signed_requests_and_refuses_tampering(tmp_path: Path) -> None:
    verification = pytest.importorskip("skill.verification")
    authority = ensure_test_authority(tmp_path / "ca")
    verifier = trusting_verifier(authority)
    body = b'{"version":"1.0","request":{"type":"LaunchRequest"}}'
    headers = Signer(authority).headers(body)
    verifier.verify_body(body, headers)
    with pytest.raises(verification.VerificationError):
        verifier.verify_body(body.replace(b"Launch", b"Lunch"), headers)
