"""Fetching the signing certificate chain over real sockets: a size cap, a timeout, no redirects."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from skill.app import create_app
from skill.config import Settings
from skill.verification import RequestVerifier, VerificationError, http_fetch, load_bundle
from tests.server.pki import CERT_URL, Authority, signed

BIG = b"-----BEGIN CERTIFICATE-----\n" + b"A" * (200 * 1024)


class _Handler(BaseHTTPRequestHandler):
    chain = b""
    release = threading.Event()

    def do_GET(self) -> None:
        if self.path == "/chain.pem":
            self._send(200, self.chain)
        elif self.path == "/big.pem":
            self._send(200, BIG)
        elif self.path == "/moved.pem":
            self.send_response(302)
            self.send_header("Location", "/chain.pem")
            self.end_headers()
        elif self.path == "/trickle.pem":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.chain)))
            self.end_headers()
            with contextlib.suppress(OSError):
                for i in range(len(self.chain)):
                    self.wfile.write(self.chain[i : i + 1])
                    self.wfile.flush()
                    if self.release.wait(0.2):
                        return
        elif self.path == "/slow.pem":
            self.release.wait(30)
            self._send(200, self.chain)
        else:
            self._send(404, b"")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base_url(authority: Authority) -> Iterator[str]:
    _Handler.chain = authority.chain()
    _Handler.release = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Handler.release.set()
    server.shutdown()
    server.server_close()


def test_a_chain_is_fetched_whole(base_url: str, authority: Authority) -> None:
    assert http_fetch()(f"{base_url}/chain.pem") == authority.chain()


def test_a_huge_answer_is_cut_at_the_cap(base_url: str) -> None:
    data = http_fetch(max_bytes=64 * 1024)(f"{base_url}/big.pem")
    assert len(data) == 64 * 1024 + 1


def test_redirects_are_not_followed(base_url: str) -> None:
    with pytest.raises(OSError, match="302"):
        http_fetch()(f"{base_url}/moved.pem")


def test_a_server_that_never_answers_times_out(base_url: str) -> None:
    with pytest.raises(OSError, match="timed out"):
        http_fetch(timeout_s=0.5)(f"{base_url}/slow.pem")


def test_a_trickle_cannot_hold_the_fetch_past_its_deadline(base_url: str) -> None:
    """One byte every 0.2 s never trips the per-read timeout, only the overall deadline."""
    with pytest.raises(TimeoutError, match="timed out"):
        http_fetch(timeout_s=1.0)(f"{base_url}/trickle.pem")


def test_the_verifier_refuses_a_chain_over_the_cap_from_a_real_fetch(
    base_url: str, make_verifier: Callable[..., RequestVerifier]
) -> None:
    fetch = http_fetch(max_bytes=64 * 1024)
    verifier = make_verifier(fetch=lambda url: fetch(f"{base_url}/big.pem"))
    with pytest.raises(VerificationError, match="too large"):
        verifier.signing_key(CERT_URL)


def test_the_verifier_refuses_when_the_fetch_times_out(
    base_url: str, make_verifier: Callable[..., RequestVerifier]
) -> None:
    fetch = http_fetch(timeout_s=0.5)
    verifier = make_verifier(fetch=lambda url: fetch(f"{base_url}/slow.pem"))
    with pytest.raises(VerificationError, match="could not fetch"):
        verifier.signing_key(CERT_URL)


def test_a_real_fetch_feeds_a_valid_chain_to_the_verifier(
    base_url: str, make_verifier: Callable[..., RequestVerifier], authority: Authority
) -> None:
    fetch = http_fetch()
    verifier = make_verifier(fetch=lambda url: fetch(f"{base_url}/chain.pem"))
    key = verifier.signing_key(CERT_URL)
    assert key.public_numbers() == authority.leaf_key.public_key().public_numbers()


# ---- the trust store ------------------------------------------------------------------------------


@pytest.fixture
def no_ca_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSL's CA file (SSL_CERT_FILE) is an empty file: the server trusts no root at all."""
    empty = tmp_path / "empty-bundle.pem"
    empty.write_bytes(b"")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))


@pytest.mark.usefixtures("no_ca_bundle")
def test_without_trusted_roots_a_signed_request_is_refused_not_an_error(
    make_verifier: Callable[..., RequestVerifier], authority: Authority
) -> None:
    body, headers = signed({"request": {"type": "LaunchRequest"}}, authority.leaf_key)
    with pytest.raises(VerificationError, match="no trusted roots"):
        make_verifier(trust_store=None).verify_body(body, headers)


@pytest.mark.usefixtures("no_ca_bundle")
def test_without_trusted_roots_the_server_refuses_to_start(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="no certificates"):
        create_app(settings.replace(verify_signature=True))


def test_the_bundle_loader_skips_what_it_cannot_read(authority: Authority) -> None:
    broken = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    assert load_bundle(broken + authority.chain()) == [authority.leaf, authority.intermediate]
