"""Alexa request verification: certificate chain URL, chain, Signature-256, timestamp and skill id.

Every rule Alexa sets for skills hosted as a web service (see ``PLATFORM.md``):

- ``SignatureCertChainUrl``: scheme ``https``, host ``s3.amazonaws.com`` (both case-insensitive), a path that
  once normalised starts with ``/echo.api/``, port absent or 443.
- The PEM chain at that URL: the leaf valid now, its SAN holds ``echo-api.amazon.com``, the chain leads to
  a trusted root (the system CA bundle unless a store is injected).
- ``Signature-256``: base64 RSA PKCS#1 v1.5 SHA-256 over the *raw* body, checked with the leaf's key.
- ``request.timestamp`` within 150 s of now (``AlexaSkillEvent.*`` requests: within an hour).
- ``context.System.application.applicationId`` among the accepted skill ids (when any are configured).

Certificates are fetched with a timeout and a size cap and cached by URL until the chain expires, in a
cache of bounded size. The fetch function and the clock are injected so tests need no network.
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
import re
import ssl
import threading
import time
import urllib.parse
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import verification as x509v

log = logging.getLogger(__name__)

CERT_URL_HEADER = "signaturecertchainurl"
SIGNATURE_HEADER = "signature-256"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
ECHO_API_SAN = "echo-api.amazon.com"
TIMESTAMP_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
MAX_CERT_BYTES = 64 * 1024
CACHE_SIZE = 16

Fetch = Callable[[str], bytes]
Clock = Callable[[], datetime]


class VerificationError(Exception):
    """The request is not provably from Alexa for this skill: answer 400 and run no handler."""


def utc_now() -> datetime:
    return datetime.now(UTC)


# ---- the certificate chain URL ------------------------------------------------------------------


def check_cert_url(url: str) -> None:
    """Raise :class:`VerificationError` unless ``url`` is an Alexa signing-certificate URL."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise VerificationError("certificate URL is malformed") from exc
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL is not https")
    if (parts.hostname or "").lower() != CERT_HOST:
        raise VerificationError("certificate URL host is not s3.amazonaws.com")
    if port is not None and port != 443:
        raise VerificationError("certificate URL port is not 443")
    if parts.username is not None or parts.password is not None:
        raise VerificationError("certificate URL carries credentials")
    path = urllib.parse.unquote(parts.path)
    normalised = posixpath.normpath(path) if path else ""
    if path.endswith("/") and not normalised.endswith("/"):
        normalised += "/"
    if not normalised.startswith(CERT_PATH_PREFIX):
        raise VerificationError("certificate URL path is not under /echo.api/")


# ---- fetching and trusting the chain ------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def http_fetch(timeout_s: float = 3.0, max_bytes: int = MAX_CERT_BYTES) -> Fetch:
    """A fetch function: GET, no redirects, at most ``max_bytes`` (+1 to tell it was more), and the whole
    download within about ``timeout_s`` (each socket wait, and the total, so a trickle cannot hold it)."""
    opener = urllib.request.build_opener(_NoRedirect())

    def fetch(url: str) -> bytes:
        deadline = time.monotonic() + timeout_s
        chunks: list[bytes] = []
        size = 0
        with opener.open(url, timeout=timeout_s) as answer:
            while size <= max_bytes:
                # read1: whatever has arrived (one socket read), so the deadline is checked as bytes trickle in
                chunk = answer.read1(min(16 * 1024, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError("certificate download timed out")
        return b"".join(chunks)

    return fetch


def system_trust_store() -> x509v.Store:
    """The system's CA bundle (what OpenSSL trusts) as a cryptography verification store."""
    paths = ssl.get_default_verify_paths()
    candidates = [paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/cert.pem"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return x509v.Store(load_bundle(Path(candidate).read_bytes()))
    raise RuntimeError("no system CA bundle found: install ca-certificates")


_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def load_bundle(data: bytes) -> list[x509.Certificate]:
    """The certificates of a CA bundle, skipping any this version of cryptography cannot load."""
    certs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few old roots carry non-positive serial numbers
        for block in _PEM_BLOCK.findall(data):
            try:
                certs.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    if not certs:
        raise RuntimeError("the system CA bundle holds no certificates")
    return certs


def _not_before(cert: x509.Certificate) -> datetime:
    return cert.not_valid_before_utc


def _not_after(cert: x509.Certificate) -> datetime:
    return cert.not_valid_after_utc


@dataclass(frozen=True)
class _Trusted:
    key: rsa.RSAPublicKey
    not_before: datetime
    expires: datetime


def _san_names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [name.lower() for name in san.get_values_for_type(x509.DNSName)]


# ---- the verifier -------------------------------------------------------------------------------


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return str(value)
    return None


def _parse_timestamp(value: object) -> datetime:
    if isinstance(value, bool):
        raise VerificationError("request timestamp is not a time")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise VerificationError("request timestamp is not a time") from exc
    if not isinstance(value, str):
        raise VerificationError("request has no timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise VerificationError("request timestamp is not a time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _application_id(payload: Mapping[str, Any]) -> object:
    context = payload.get("context")
    system = context.get("System") if isinstance(context, dict) else None
    application = system.get("application") if isinstance(system, dict) else None
    if isinstance(application, dict):
        return application.get("applicationId")
    session = payload.get("session")
    application = session.get("application") if isinstance(session, dict) else None
    return application.get("applicationId") if isinstance(application, dict) else None


class RequestVerifier:
    """Checks one request's raw body, headers and parsed envelope; raises :class:`VerificationError`."""

    def __init__(
        self,
        *,
        skill_ids: Sequence[str] = (),
        verify_signature: bool = True,
        fetch: Fetch | None = None,
        clock: Clock = utc_now,
        trust_store: x509v.Store | None = None,
        fetch_timeout_s: float = 3.0,
        max_cert_bytes: int = MAX_CERT_BYTES,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self.skill_ids = frozenset(skill_ids)
        self.verify_signature = verify_signature
        self.max_cert_bytes = max_cert_bytes
        self.fetch = fetch or http_fetch(fetch_timeout_s, max_cert_bytes)
        self.clock = clock
        self._store = trust_store
        self._cache: OrderedDict[str, _Trusted] = OrderedDict()
        self._cache_size = max(1, cache_size)
        self._lock = threading.Lock()

    def warn_about_configuration(self) -> None:
        """Say loudly at start what this verifier does not check."""
        if not self.verify_signature:
            log.warning(
                "KINDNESS_VERIFY_SIGNATURE=0: request SIGNATURES ARE NOT CHECKED (timestamp and skill id still"
                " are). Use this only for local development and tests, never on a public endpoint."
            )
        if not self.skill_ids:
            log.warning("KINDNESS_SKILL_ID is not set: requests for ANY skill id are accepted.")

    # ---- the raw body ---------------------------------------------------------------------------
    def verify_body(self, body: bytes, headers: Mapping[str, Any]) -> None:
        """The signature part: certificate URL, chain, and Signature-256 over the raw body."""
        if not self.verify_signature:
            return
        url = _header(headers, CERT_URL_HEADER)
        signature_b64 = _header(headers, SIGNATURE_HEADER)
        if not url:
            raise VerificationError("missing SignatureCertChainUrl header")
        if not signature_b64:
            raise VerificationError("missing Signature-256 header")
        try:
            signature = base64.b64decode(signature_b64.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise VerificationError("Signature-256 is not base64") from exc
        key = self.signing_key(url)
        try:
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise VerificationError("signature does not match the body") from exc

    def signing_key(self, url: str) -> rsa.RSAPublicKey:
        """The leaf's public key for a certificate URL: from the cache, or fetched and verified.

        A URL enters the cache only after :func:`check_cert_url` passed and its chain was validated,
        so a warm cache (same URL string, chain still valid now) answers without checking either again."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None and cached.not_before <= now < cached.expires:
                self._cache.move_to_end(url)
                return cached.key
        check_cert_url(url)
        trusted = self._trust(url, now)
        with self._lock:
            self._cache[url] = trusted
            self._cache.move_to_end(url)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return trusted.key

    def _trust(self, url: str, now: datetime) -> _Trusted:
        try:
            pem = self.fetch(url)
        except Exception as exc:  # network errors come in many types
            log.warning("could not fetch the signing certificate: %s", type(exc).__name__)
            raise VerificationError("could not fetch the signing certificate") from exc
        if len(pem) > self.max_cert_bytes:
            raise VerificationError("signing certificate chain is too large")
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise VerificationError("signing certificate chain is not PEM") from exc
        leaf, intermediates = chain[0], chain[1:]
        if now < _not_before(leaf):
            raise VerificationError("signing certificate is not valid yet")
        if now >= _not_after(leaf):
            raise VerificationError("signing certificate has expired")
        if ECHO_API_SAN not in _san_names(leaf):
            raise VerificationError("signing certificate is not for echo-api.amazon.com")
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise VerificationError("signing certificate does not hold an RSA key")
        try:
            store = self.trust_store()
        except RuntimeError as exc:
            log.error("cannot verify requests: %s", exc)
            raise VerificationError("this server has no trusted roots") from exc
        verifier = x509v.PolicyBuilder().store(store).time(now).build_server_verifier(x509v.DNSName(ECHO_API_SAN))
        try:
            verified = verifier.verify(leaf, intermediates)
        except Exception as exc:  # VerificationError, or a certificate the verifier cannot process
            raise VerificationError("signing certificate does not chain to a trusted root") from exc
        return _Trusted(
            key=key,
            not_before=max(_not_before(c) for c in verified),
            expires=min(_not_after(c) for c in verified),
        )

    def trust_store(self) -> x509v.Store:
        if self._store is None:
            self._store = system_trust_store()
        return self._store

    # ---- the parsed envelope --------------------------------------------------------------------
    def verify_envelope(self, payload: Mapping[str, Any]) -> None:
        """The parts checked on every request, signature or not: timestamp and skill id."""
        request = payload.get("request")
        if not isinstance(request, dict):
            raise VerificationError("body is not an Alexa request envelope")
        sent = _parse_timestamp(request.get("timestamp"))
        kind = request.get("type")
        tolerance = (
            SKILL_EVENT_TOLERANCE
            if isinstance(kind, str) and kind.startswith("AlexaSkillEvent.")
            else TIMESTAMP_TOLERANCE
        )
        if abs(self.clock() - sent) > tolerance:
            raise VerificationError("request timestamp is too far from now")
        if self.skill_ids:
            app_id = _application_id(payload)
            if not isinstance(app_id, str) or app_id not in self.skill_ids:
                raise VerificationError("request is for another skill")
