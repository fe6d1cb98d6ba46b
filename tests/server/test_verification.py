"""Request verification: every rule Alexa sets, with a certificate authority generated at test time.

Each forged or broken request must get a 400 with a short JSON error, and no handler may run: the
``skill.requests`` logger (the first interceptor of every dispatched request) stays silent, no
``X-Kindness-Said`` header comes back, and the journal records no visit (a launch that runs records one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.x509 import verification as x509v

from skill.app import create_app
from skill.config import Settings
from skill.store.sql import SqlJournalStore
from skill.verification import RequestVerifier, VerificationError, check_cert_url
from tests.conftest import envelope, intent
from tests.server.pki import CERT_URL, NOW, Authority, Clock, ca_certificate, leaf_certificate, pem, signed

SKILL_ID = "amzn1.ask.skill.test"
USER = "amzn1.ask.account.TEST"


def launch(when=NOW, **kwargs: Any) -> dict[str, Any]:
    payload = envelope({"type": "LaunchRequest"}, application_id=kwargs.pop("application_id", SKILL_ID), **kwargs)
    payload["request"]["timestamp"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return payload


@pytest.fixture
def post(
    settings: Settings, store: SqlJournalStore, make_verifier: Callable[..., RequestVerifier], caplog: Any
) -> Callable[..., Any]:
    """POST a raw body with headers to /alexa of an app that verifies with the test authority."""
    caplog.set_level(logging.INFO)

    def do(body: bytes, headers: dict[str, str], **verifier_options: Any) -> Any:
        app = create_app(settings, store=store, verifier=make_verifier(**verifier_options))
        caplog.clear()
        answer = app.test_client().post("/alexa", data=body, headers={"Content-Type": "application/json", **headers})
        answer.handler_ran = any(r.name == "skill.requests" for r in caplog.records)
        answer.stored = store.holdings(USER).first_seen is not None  # a launch records the visit
        return answer

    return do


def assert_refused(answer: Any, reason: str) -> None:
    assert answer.status_code == 400
    assert answer.is_json and set(answer.json) == {"error"}
    assert reason in answer.json["error"]
    assert "Traceback" not in answer.get_data(as_text=True)
    assert "X-Kindness-Said" not in answer.headers
    assert not answer.handler_ran
    assert not answer.stored


# ---- the valid case -----------------------------------------------------------------------------


def test_a_validly_signed_launch_gets_the_welcome(post: Callable[..., Any], authority: Authority) -> None:
    answer = post(*signed(launch(), authority.leaf_key))
    assert answer.status_code == 200
    assert answer.headers["X-Kindness-Said"].split(",")[:2] == ["launch/welcome", "launch/options"]
    assert "Inner Kindness" in answer.json["response"]["outputSpeech"]["ssml"]
    assert answer.handler_ran and answer.stored


def test_header_names_are_case_insensitive(make_verifier: Callable[..., RequestVerifier], authority: Authority) -> None:
    body, headers = signed(launch(), authority.leaf_key)
    make_verifier().verify_body(body, {k.upper(): v for k, v in headers.items()})


def test_the_chain_is_fetched_once_then_cached_until_it_expires(
    make_verifier: Callable[..., RequestVerifier], authority: Authority, clock: Clock
) -> None:
    verifier = make_verifier()
    body, headers = signed(launch(), authority.leaf_key)
    verifier.verify_body(body, headers)
    verifier.verify_body(body, headers)
    assert authority.fetched == [CERT_URL]
    clock.now = authority.leaf.not_valid_after_utc + timedelta(seconds=1)
    with pytest.raises(VerificationError, match="expired"):
        verifier.verify_body(body, headers)
    assert authority.fetched == [CERT_URL, CERT_URL]


def test_a_warm_cache_answers_without_checking_the_url_or_the_chain_again(
    make_verifier: Callable[..., RequestVerifier], authority: Authority, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL is cached only once it passed every check; later requests naming it check just the
    signature (and a bad signature is still refused)."""
    from skill import verification

    checked: list[str] = []
    real_check = verification.check_cert_url
    monkeypatch.setattr(verification, "check_cert_url", lambda url: (checked.append(url), real_check(url))[1])
    built: list[int] = []
    real_builder = verification.x509v.PolicyBuilder
    monkeypatch.setattr(verification.x509v, "PolicyBuilder", lambda: (built.append(1), real_builder())[1])
    verifier = make_verifier()
    for _ in range(5):
        body, headers = signed(launch(), authority.leaf_key)
        verifier.verify_body(body, headers)
    assert checked == [CERT_URL] and built == [1] and authority.fetched == [CERT_URL]
    body, headers = signed(launch(), authority.leaf_key)
    with pytest.raises(VerificationError, match="does not match"):
        verifier.verify_body(body + b" ", headers)


def test_a_refused_url_is_never_cached(make_verifier: Callable[..., RequestVerifier], authority: Authority) -> None:
    verifier = make_verifier()
    url = "https://s3.amazonaws.com/echo.api/../x"
    authority.serve(url, authority.chain())
    for _ in range(2):
        body, headers = signed(launch(), authority.leaf_key, url)
        with pytest.raises(VerificationError, match="/echo.api/"):
            verifier.verify_body(body, headers)
    assert not verifier._cache and authority.fetched == []


def test_the_cache_holds_a_bounded_number_of_urls(
    make_verifier: Callable[..., RequestVerifier], authority: Authority
) -> None:
    verifier = make_verifier(cache_size=2)
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{i}.pem" for i in range(4)]
    for url in urls:
        authority.serve(url, authority.chain())
        body, headers = signed(launch(), authority.leaf_key, url)
        verifier.verify_body(body, headers)
    assert list(verifier._cache) == urls[-2:]


# ---- the certificate URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    ],
)
def test_alexa_certificate_urls_are_accepted(url: str) -> None:
    check_cert_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "not https"),
        ("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem", "not https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "host"),
        ("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem", "host"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "/echo.api/"),
        ("https://s3.amazonaws.com/echo.api/../x", "/echo.api/"),
        ("https://s3.amazonaws.com/echo.api/%2e%2e/x", "/echo.api/"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "/echo.api/"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "port"),
        ("https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem", "malformed"),
        ("https://user:pw@s3.amazonaws.com/echo.api/echo-api-cert.pem", "credentials"),
    ],
)
def test_bad_certificate_urls_are_refused_before_anything_is_fetched(
    post: Callable[..., Any], authority: Authority, url: str, reason: str
) -> None:
    authority.serve(url, authority.chain())
    assert_refused(post(*signed(launch(), authority.leaf_key, url)), reason)
    assert authority.fetched == []


# ---- the chain ----------------------------------------------------------------------------------


def test_an_expired_leaf_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    leaf = authority.leaf_with(not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(seconds=1))
    authority.serve(CERT_URL, authority.chain(leaf))
    assert_refused(post(*signed(launch(), authority.leaf_key)), "expired")


def test_a_not_yet_valid_leaf_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    leaf = authority.leaf_with(not_before=NOW + timedelta(minutes=5), not_after=NOW + timedelta(days=30))
    authority.serve(CERT_URL, authority.chain(leaf))
    assert_refused(post(*signed(launch(), authority.leaf_key)), "not valid yet")


def test_a_leaf_for_another_name_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    authority.serve(CERT_URL, authority.chain(authority.leaf_with(san="echo-api.example.com")))
    assert_refused(post(*signed(launch(), authority.leaf_key)), "echo-api.amazon.com")


def test_a_chain_to_an_untrusted_root_is_refused(post: Callable[..., Any], authority: Authority, keys: Any) -> None:
    rogue_root = ca_certificate("Rogue Root", keys["other_root"])
    rogue_intermediate = ca_certificate(
        "Kindness Test Intermediate CA", keys["intermediate"], issuer_cert=rogue_root, issuer_key=keys["other_root"]
    )
    leaf = leaf_certificate(authority.leaf_key, rogue_intermediate, keys["intermediate"])
    authority.serve(CERT_URL, pem(leaf, rogue_intermediate, rogue_root))
    assert_refused(post(*signed(launch(), authority.leaf_key)), "trusted root")


def test_a_chain_missing_its_intermediate_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    authority.serve(CERT_URL, pem(authority.leaf))
    assert_refused(post(*signed(launch(), authority.leaf_key)), "trusted root")


def test_the_system_store_does_not_trust_the_test_root(post: Callable[..., Any], authority: Authority) -> None:
    """With the default trust store (the system CA bundle) our generated root is a stranger."""
    assert_refused(post(*signed(launch(), authority.leaf_key), trust_store=None), "trusted root")


@pytest.mark.parametrize(
    ("served", "reason"),
    [(b"not a certificate", "not PEM"), (b"-----BEGIN CERTIFICATE-----\n" + b"A" * 70_000, "too large")],
)
def test_garbage_at_the_certificate_url_is_refused(
    post: Callable[..., Any], authority: Authority, served: bytes, reason: str
) -> None:
    authority.serve(CERT_URL, served)
    assert_refused(post(*signed(launch(), authority.leaf_key)), reason)


def test_a_certificate_url_that_cannot_be_fetched_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    authority.served.clear()
    assert_refused(post(*signed(launch(), authority.leaf_key)), "could not fetch")


# ---- the signature ------------------------------------------------------------------------------


def test_a_tampered_body_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    body, headers = signed(launch(), authority.leaf_key)
    tampered = body.replace(b"LaunchRequest", b"LaunchRequesT")
    assert_refused(post(tampered, headers), "does not match")


def test_a_signature_by_another_key_is_refused(post: Callable[..., Any], authority: Authority, keys: Any) -> None:
    assert_refused(post(*signed(launch(), keys["other"])), "does not match")


@pytest.mark.parametrize("signature", ["", "not base64!!", "AAAA"])
def test_a_malformed_signature_is_refused(post: Callable[..., Any], authority: Authority, signature: str) -> None:
    body, headers = signed(launch(), authority.leaf_key)
    headers["Signature-256"] = signature
    assert_refused(post(body, headers), "Signature-256" if signature in {"", "not base64!!"} else "does not match")


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_headers_are_refused(post: Callable[..., Any], authority: Authority, missing: str) -> None:
    body, headers = signed(launch(), authority.leaf_key)
    del headers[missing]
    assert_refused(post(body, headers), f"missing {missing}")


def test_the_old_sha1_signature_header_alone_is_not_enough(post: Callable[..., Any], authority: Authority) -> None:
    body, headers = signed(launch(), authority.leaf_key)
    headers["Signature"] = headers.pop("Signature-256")
    assert_refused(post(body, headers), "missing Signature-256")


# ---- the timestamp ------------------------------------------------------------------------------


@pytest.mark.parametrize("offset_s", [-151, 151, -3600, 86_400])
def test_stale_and_future_timestamps_are_refused(post: Callable[..., Any], authority: Authority, offset_s: int) -> None:
    payload = launch(when=NOW + timedelta(seconds=offset_s))
    assert_refused(post(*signed(payload, authority.leaf_key)), "timestamp")


@pytest.mark.parametrize("offset_s", [-150, 0, 150])
def test_timestamps_within_150_seconds_are_accepted(
    post: Callable[..., Any], authority: Authority, offset_s: int
) -> None:
    answer = post(*signed(launch(when=NOW + timedelta(seconds=offset_s)), authority.leaf_key))
    assert answer.status_code == 200


@pytest.mark.parametrize("timestamp", [None, "yesterday", 12, ["2026-06-01T12:00:00Z"]])
def test_missing_or_malformed_timestamps_are_refused(
    post: Callable[..., Any], authority: Authority, timestamp: object
) -> None:
    payload = launch()
    payload["request"]["timestamp"] = timestamp
    assert_refused(post(*signed(payload, authority.leaf_key)), "timestamp" if timestamp is None else "")


def test_skill_events_may_be_up_to_an_hour_old(make_verifier: Callable[..., RequestVerifier]) -> None:
    verifier = make_verifier()
    event = launch(when=NOW - timedelta(minutes=59))
    event["request"]["type"] = "AlexaSkillEvent.SkillDisabled"
    verifier.verify_envelope(event)
    event = launch(when=NOW - timedelta(minutes=61))
    event["request"]["type"] = "AlexaSkillEvent.SkillDisabled"
    with pytest.raises(VerificationError, match="timestamp"):
        verifier.verify_envelope(event)
    with pytest.raises(VerificationError, match="timestamp"):
        verifier.verify_envelope(launch(when=NOW - timedelta(minutes=59)))


# ---- the skill id -------------------------------------------------------------------------------


def test_a_request_for_another_skill_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    payload = launch(application_id="amzn1.ask.skill.someone-else")
    assert_refused(post(*signed(payload, authority.leaf_key)), "another skill")


def test_a_request_without_an_application_id_is_refused(post: Callable[..., Any], authority: Authority) -> None:
    payload = launch()
    del payload["context"]["System"]["application"]
    del payload["session"]["application"]
    assert_refused(post(*signed(payload, authority.leaf_key)), "another skill")


def test_any_of_several_skill_ids_is_accepted(post: Callable[..., Any], authority: Authority) -> None:
    answer = post(*signed(launch(), authority.leaf_key), skill_ids=("amzn1.ask.skill.other", SKILL_ID))
    assert answer.status_code == 200


def test_without_configured_skill_ids_any_id_is_accepted_with_a_warning(
    post: Callable[..., Any], authority: Authority, make_verifier: Callable[..., RequestVerifier], caplog: Any
) -> None:
    make_verifier(skill_ids=()).warn_about_configuration()
    assert "KINDNESS_SKILL_ID is not set" in caplog.text
    payload = launch(application_id="amzn1.ask.skill.anything")
    assert post(*signed(payload, authority.leaf_key), skill_ids=()).status_code == 200


# ---- switching signatures off -------------------------------------------------------------------


def test_signature_checks_off_still_checks_timestamp_and_skill_id(post: Callable[..., Any]) -> None:
    import json

    stale = json.dumps(launch(when=NOW - timedelta(seconds=300))).encode()
    assert_refused(post(stale, {}, verify_signature=False), "timestamp")
    other = json.dumps(launch(application_id="amzn1.ask.skill.other")).encode()
    assert_refused(post(other, {}, verify_signature=False), "another skill")
    assert post(json.dumps(launch()).encode(), {}, verify_signature=False).status_code == 200


def test_signature_checks_off_is_announced_loudly(make_verifier: Callable[..., RequestVerifier], caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    make_verifier(verify_signature=False).warn_about_configuration()
    assert any(r.levelno == logging.WARNING and "NOT CHECKED" in r.getMessage() for r in caplog.records)


def test_settings_from_the_environment_build_a_verifier_that_checks_everything(
    settings: Settings, store: SqlJournalStore
) -> None:
    strict = settings.replace(verify_signature=True, skill_ids=(SKILL_ID,))
    client = create_app(strict, store=store).test_client()
    answer = client.post("/alexa", json=envelope(intent("AMAZON.HelpIntent"), application_id=SKILL_ID))
    assert answer.status_code == 400
    assert answer.json == {"error": "missing SignatureCertChainUrl header"}


def test_the_trust_store_is_the_system_bundle_by_default() -> None:
    store = RequestVerifier().trust_store()
    assert isinstance(store, x509v.Store)
