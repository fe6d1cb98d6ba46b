"""Every cache the server keeps is bounded: filled far past its bound, it stays at its bound and right."""

from __future__ import annotations

import itertools
import json
import random
import string
from pathlib import Path

from cryptography import x509
from cryptography.x509 import verification as x509v

from skill.app import create_app
from skill.bench.signing import TestAuthority
from skill.config import Settings
from skill.speech import NAME_MEMO_SIZE, SUFFIX, Speech
from skill.store.sql import SqlJournalStore
from skill.verification import CACHE_SIZE, RequestVerifier
from tests.conftest import envelope, intent

SKILL_ID = "amzn1.ask.skill.test"


def tag_shaped_locales(count: int, seed: int = 3) -> list[str]:
    """Distinct locales that pass the locale check but have no template folder of their own."""
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        lang = "".join(rng.choice(string.ascii_lowercase) for _ in range(3))
        region = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(rng.randint(2, 8)))
        found.add(f"{lang}-{region}")
    return sorted(found)


def test_speech_memos_stay_bounded_under_many_locales(settings: Settings) -> None:
    speech = Speech(settings.templates_dir)
    files = list((settings.templates_dir / "speech").rglob(f"*{SUFFIX}"))
    keys = ["launch/welcome", "launch/reprompt", "builtin/help", "errors/sorry"]
    expected = {key: speech.render(key, "en-US", random.Random(1), first_visit=True).ssml for key in keys}
    for locale, key in zip(tag_shaped_locales(3 * NAME_MEMO_SIZE), itertools.cycle(keys), strict=False):
        said = speech.render(key, locale, random.Random(1), first_visit=True)
        assert said.ssml == expected[key], (locale, key)
        assert len(speech._names) <= NAME_MEMO_SIZE
    assert len(speech._variant_counts) <= len(files)
    assert len(speech.env.cache or {}) <= speech.env.cache.capacity  # type: ignore[union-attr]


def test_the_certificate_cache_stays_at_its_size_when_many_chain_urls_arrive(
    settings: Settings, store: SqlJournalStore, tmp_path: Path
) -> None:
    """Signed requests naming ten times more chain URLs than the cache holds: all answered, the cache
    holds only the newest CACHE_SIZE, the newest is served from it, the oldest is fetched again."""
    authority = TestAuthority.create(tmp_path / "ca")
    chain = authority.chain_pem.read_bytes()
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return chain

    verifier = RequestVerifier(
        skill_ids=(SKILL_ID,),
        fetch=fetch,
        trust_store=x509v.Store(x509.load_pem_x509_certificates(authority.root_pem.read_bytes())),
    )
    client = create_app(settings.replace(verify_signature=True), store=store, verifier=verifier).test_client()
    urls = [f"https://s3.amazonaws.com/echo.api/echo-api-cert-{n}.pem" for n in range(10 * CACHE_SIZE)]

    def ask(url: str) -> int:
        body = json.dumps(envelope(intent("AMAZON.HelpIntent"), new=False, application_id=SKILL_ID)).encode()
        headers = {"SignatureCertChainUrl": url, "Signature-256": authority.signature(body)}
        answer = client.post("/alexa", data=body, headers=headers, content_type="application/json")
        assert answer.headers.get("X-Kindness-Said", "").startswith("builtin/help"), answer.json
        return answer.status_code

    assert all(ask(url) == 200 for url in urls)
    assert fetched == urls
    assert len(verifier._cache) == CACHE_SIZE
    ask(urls[-1])
    assert len(fetched) == len(urls), "the newest chain was fetched again instead of served from the cache"
    ask(urls[0])
    assert fetched[-1] == urls[0], "the oldest chain should have been evicted and fetched again"
    assert len(verifier._cache) == CACHE_SIZE


def test_the_rendered_fragment_memo_stays_bounded_and_right(settings: Settings) -> None:
    """Thousands of distinct data values: every answer is rendered right, the memo stays at its bound,
    and a value that renders differently but compares equal (Markup) is never served from it."""
    from markupsafe import Markup

    from skill.speech import RENDER_MEMO_SIZE

    speech = Speech(settings.templates_dir)
    fresh = Speech(settings.templates_dir)
    fresh._rendered = _NeverStored()  # type: ignore[assignment]
    for n in range(3 * RENDER_MEMO_SIZE):
        data = {"thing": f"the walk number {n} <&>", "count": n % 3 + 1}
        said = speech.render("gratitude/thanks", "en-US", random.Random(n), **data)
        assert said.ssml == fresh.render("gratitude/thanks", "en-US", random.Random(n), **data).ssml
        assert len(speech._rendered) <= RENDER_MEMO_SIZE
    repeated = speech.render("gratitude/thanks", "en-US", random.Random(1), thing="tea", count=1)
    assert speech.render("gratitude/thanks", "en-US", random.Random(1), thing="tea", count=1) == repeated
    plain = speech.render("gratitude/thanks", "en-US", random.Random(1), thing="<b>", count=1).ssml
    marked = speech.render("gratitude/thanks", "en-US", random.Random(1), thing=Markup("<b>"), count=1).ssml
    assert "&lt;b&gt;" in plain and "<b>" in marked


class _NeverStored(dict):  # type: ignore[type-arg]
    """A memo that keeps nothing: renders every time."""

    def __setitem__(self, key: object, value: object) -> None:
        return None


def test_the_ssml_check_memo_stays_bounded_and_right() -> None:
    from skill.speech import VALIDATION_MEMO_SIZE, _validate, _validate_memo, validate_ssml

    for n in range(3 * VALIDATION_MEMO_SIZE):
        ssml = f'<speak>Breathe in {n}. <break time="{n * 10}ms"/> <bad{n % 2}/></speak>'
        problems = validate_ssml(ssml)
        assert problems == _validate(ssml)
        problems.append("changed by a caller")  # callers get their own list
        assert validate_ssml(ssml) == _validate(ssml)
        assert _validate_memo.cache_info().currsize <= VALIDATION_MEMO_SIZE


def test_the_store_drivers_compiled_statements_stay_bounded(store: SqlJournalStore) -> None:
    """Statements made on the fly (the store's own are made once) never grow the compiled-statement cache
    past its bound, and each is run as itself."""
    import sqlalchemy as sa

    from skill.store.driver import PREPARED_SIZE

    assert store._driver is not None
    with store._driver.transaction(write=False) as conn:
        for n in range(3 * PREPARED_SIZE):
            assert conn.execute(sa.select(sa.literal(n).label("n"))).scalar() == n
            assert len(store._driver._prepared) <= PREPARED_SIZE
