"""The SSML helpers and the one jinja2 Environment in skill/speech.py."""

from __future__ import annotations

import random
from pathlib import Path

import jinja2
import pytest

from skill.speech import (
    MAX_BREAK_MS,
    Speech,
    capture_said,
    locale_chain,
    pause,
    split_variants,
    to_plain_text,
    total_break_ms,
    validate_ssml,
)

# ---- pauses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ms", "tags"),
    [
        (0, []),
        (-5, []),
        (250, ["250ms"]),
        (10_000, ["10000ms"]),
        (10_001, ["10000ms", "1ms"]),
        (25_000, ["10000ms", "10000ms", "5000ms"]),
        (1234.6, ["1235ms"]),
    ],
)
def test_pause_splits_long_silences_into_breaks_of_at_most_ten_seconds(ms: float, tags: list[str]) -> None:
    ssml = pause(ms)
    assert ssml == "".join(f'<break time="{t}"/>' for t in tags)
    assert total_break_ms(ssml) == sum(int(t[:-2]) for t in tags)
    assert validate_ssml(ssml) == []


def test_total_break_ms_reads_seconds_milliseconds_and_strengths() -> None:
    ssml = '<break time="1.5s"/>a<break time="200ms"/>b<break strength="strong"/><break/>'
    assert total_break_ms(ssml) == 1500 + 200 + 1000 + 750


# ---- plain text ---------------------------------------------------------------------------------


def test_to_plain_text_strips_tags_and_shows_long_pauses_merged() -> None:
    ssml = (
        '<speak><p>Breathe in.</p><s>Hold</s> <break time="10000ms"/><break time="4000ms"/>'
        '<prosody rate="slow">and <emphasis level="moderate">out</emphasis></prosody> ,'
        '<break time="300ms"/> <sub alias="okay">OK</sub>.</speak>'
    )
    assert to_plain_text(ssml) == "Breathe in. Hold [pause 14s] and out, okay."
    assert to_plain_text(ssml, show_pauses=False) == "Breathe in. Hold and out, okay."


def test_to_plain_text_copes_with_fragments_and_broken_markup() -> None:
    assert to_plain_text("Hello <break time='2s'/> you") == "Hello [pause 2s] you"
    assert to_plain_text("Hello <b>there") == "Hello there"
    assert to_plain_text("Tea &amp; toast") == "Tea & toast"


# ---- validation ---------------------------------------------------------------------------------


def test_good_ssml_passes() -> None:
    ssml = (
        '<speak><amazon:domain name="conversational"><p>Hi <amazon:effect name="whispered">there</amazon:effect>'
        '</p></amazon:domain><prosody rate="80%" pitch="-5%">slowly</prosody><say-as interpret-as="cardinal">3'
        '</say-as><lang xml:lang="en-GB">cheers</lang><audio src="https://example.com/bell.mp3"/></speak>'
    )
    assert validate_ssml(ssml) == []


@pytest.mark.parametrize(
    ("ssml", "problem"),
    [
        ("<speak>unclosed <p>tag</speak>", "not well-formed"),
        ("fish & chips", "not well-formed"),
        ("<blink>hi</blink>", "unknown tag <blink>"),
        ('<p class="x">hi</p>', "unknown attribute 'class'"),
        ('<emphasis level="loud">hi</emphasis>', "not an allowed value"),
        ('<amazon:effect name="shouted">hi</amazon:effect>', "not an allowed value"),
        ('<break time="10001ms"/>', "over 10000 ms"),
        ('<break time="11s"/>', "over 10000 ms"),
        ('<break time="soon"/>', "bad break time"),
        ('<prosody rate="10%">hi</prosody>', "percentage >= 20%"),
        ('<prosody rate="glacial">hi</prosody>', "percentage >= 20%"),
        ('<audio src="http://example.com/a.mp3"/>', "not HTTPS"),
        ('<audio src="https://example.com/a.mp3"/>' * 6, "6 <audio> tags"),
        ("word " * 1700, "characters (limit 8000)"),
    ],
)
def test_validate_ssml_catches_each_rule(ssml: str, problem: str) -> None:
    problems = validate_ssml(ssml)
    assert any(problem in p for p in problems), problems


def test_the_break_limit_is_alexas() -> None:
    assert MAX_BREAK_MS == 10_000


# ---- the environment ----------------------------------------------------------------------------


@pytest.fixture
def speech(tmp_path: Path) -> Speech:
    files = {
        "speech/en/demo/hello.ssml.j2": "Hello from en, {{ name }}.",
        "speech/en-GB/demo/hello.ssml.j2": "Hiya from en-GB, {{ name }}.",
        "speech/en/demo/only_en.ssml.j2": "Only in en.",
        "speech/en/demo/many.ssml.j2": "one\n{# --- #}\ntwo\n{# --- #}\nthree\n  {#---#}\nfour",
        "speech/en/demo/pauses.ssml.j2": "In {{ pause(12000) }} and out {{ 500 | pause }}",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Speech(tmp_path)


def test_locale_chain_goes_from_region_to_language_to_default() -> None:
    assert locale_chain("en-GB") == ["en-GB", "en"]
    assert locale_chain("fr-FR") == ["fr-FR", "fr", "en"]
    assert locale_chain(None) == ["en"]


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en-GB", "Hiya from en-GB, Sam."),
        ("en-US", "Hello from en, Sam."),
        ("en-IN", "Hello from en, Sam."),
        ("fr-FR", "Hello from en, Sam."),
        (None, "Hello from en, Sam."),
    ],
)
def test_locale_fallback_en_gb_to_en_to_default(speech: Speech, locale: str | None, said: str) -> None:
    assert speech.voice(locale).say("demo/hello", name="Sam") == said


def test_a_key_only_in_en_serves_en_gb(speech: Speech) -> None:
    assert speech.voice("en-GB").say("demo/only_en") == "Only in en."


def test_a_missing_key_is_a_key_error_naming_it(speech: Speech) -> None:
    with pytest.raises(KeyError, match="demo/nothing"):
        speech.voice("en-US").say("demo/nothing")


def test_missing_data_is_an_error_not_silence(speech: Speech) -> None:
    with pytest.raises(jinja2.UndefinedError):
        speech.voice("en-US").say("demo/hello")


def test_data_is_xml_escaped(speech: Speech) -> None:
    ssml = speech.voice("en-US").say("demo/hello", name="<Tom & Jerry>")
    assert ssml == "Hello from en, &lt;Tom &amp; Jerry&gt;."
    assert validate_ssml(ssml) == []
    assert to_plain_text(ssml) == "Hello from en, <Tom & Jerry>."


def test_pause_is_a_global_and_a_filter(speech: Speech) -> None:
    ssml = speech.voice("en-US").say("demo/pauses")
    assert total_break_ms(ssml) == 12_500 and validate_ssml(ssml) == []


def test_variants_split_on_the_separator_line() -> None:
    assert [v.strip() for v in split_variants("one\n{# --- #}\ntwo\n{#---#}\nthree")] == ["one", "two", "three"]
    assert split_variants("just one") == ["just one"]


def test_variant_choice_is_deterministic_by_seed(speech: Speech) -> None:
    def run(seed: int) -> list[str]:
        voice = speech.voice("en-US", random.Random(seed))
        return [voice.say("demo/many") for _ in range(12)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert set(run(7)) | set(run(8)) | set(run(9)) == {"one", "two", "three", "four"}
    assert speech.render("demo/many", "en-US").ssml == "one"  # no generator: the first variant


def test_capture_said_records_key_locale_data_and_variant(speech: Speech) -> None:
    with capture_said() as said:
        speech.voice("en-GB", random.Random(1)).say("demo/hello", name="Ann")
        speech.voice("en-US", random.Random(1)).say("demo/many")
    assert [(s.key, s.locale, dict(s.data)) for s in said] == [
        ("demo/hello", "en-GB", {"name": "Ann"}),
        ("demo/many", "en-US", {}),
    ]
    assert said[0].text == "Hiya from en-GB, Ann."
    assert said[1].ssml == ["one", "two", "three", "four"][said[1].variant]


def test_keys_and_locales_list_the_tree(speech: Speech) -> None:
    assert speech.locales() == ["en", "en-GB"]
    assert speech.keys() == ["demo/hello", "demo/many", "demo/only_en", "demo/pauses"]
