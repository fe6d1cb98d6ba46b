"""The NLU: held-out accuracy, every sample to its own intent, entity resolution, numbers, invocations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.sim.device import split_invocation
from skill.sim.envelopes import DEFAULT_SKILL_ID
from skill.sim.model import SLOT_REF, load_model
from skill.sim.nlu import FALLBACK, Nlu
from skill.sim.text import normalise, parse_duration, parse_number, tokenize

HELD_OUT = yaml.safe_load((Path(__file__).parent / "heldout.yaml").read_text(encoding="utf-8"))


def _slots_of(parsed: Any) -> dict[str, str]:
    return {n: str(f.resolved_id if f.custom else f.value).lower() for n, f in parsed.slots.items()}


def test_held_out_set_is_large_varied_and_truly_held_out() -> None:
    model = load_model()
    samples = {normalise(s) for intent in model.intents.values() for s in intent.samples}
    assert len(HELD_OUT) >= 120
    assert not [item["u"] for item in HELD_OUT if normalise(item["u"]) in samples]
    covered = {item["intent"] for item in HELD_OUT}
    assert {i.name for i in model.custom_intents} <= covered
    assert FALLBACK in covered
    with_slots = [item for item in HELD_OUT if item.get("slots")]
    assert len(with_slots) >= 50


def test_held_out_intent_and_slot_accuracy_are_at_least_95_percent(nlu: Nlu) -> None:
    intent_right = slots_right = 0
    misses = []
    for item in HELD_OUT:
        parsed = nlu.parse(item["u"])
        expected = {k: str(v).lower() for k, v in (item.get("slots") or {}).items()}
        ok_intent = parsed.intent == item["intent"]
        ok_slots = _slots_of(parsed) == expected
        intent_right += ok_intent
        slots_right += ok_slots
        if not (ok_intent and ok_slots):
            misses.append(f"{item['u']!r}: {parsed.explain()}")
    total = len(HELD_OUT)
    assert intent_right / total >= 0.95, "\n".join(misses)
    assert slots_right / total >= 0.95, "\n".join(misses)


@pytest.mark.parametrize("intent_name", sorted(load_model().intents))
def test_every_sample_resolves_to_its_own_intent(nlu: Nlu, intent_name: str) -> None:
    model = load_model()
    intent = model.intents[intent_name]
    wrong = []
    for index, sample in enumerate(intent.samples):

        def fill(match: Any, index: int = index) -> str:
            slot_type = intent.slots[match.group(1)]
            if slot_type == "AMAZON.NUMBER":
                return ["three", "five", "ten", "seven"][index % 4]
            if slot_type == "AMAZON.SearchQuery":
                return ["my morning walk", "a kind word from a friend", "the sun"][index % 3]
            values = model.types[slot_type].values
            return values[index % len(values)].name

        utterance = SLOT_REF.sub(fill, sample)
        parsed = nlu.parse(utterance)
        if parsed.intent != intent_name:
            wrong.append(f"{utterance!r} -> {parsed.explain()}")
    assert wrong == []


def test_custom_slot_resolves_synonyms_into_alexas_resolutions(nlu: Nlu) -> None:
    parsed = nlu.parse("i'm feeling nervous")
    assert parsed.intent == "CheckInIntent"
    slots = nlu.slots_json(parsed, DEFAULT_SKILL_ID)
    assert slots["feeling"]["value"] == "nervous"
    assert slots["intensity"] == {"name": "intensity", "confirmationStatus": "NONE"}
    authority = slots["feeling"]["resolutions"]["resolutionsPerAuthority"][0]
    assert authority == {
        "authority": f"amzn1.er-authority.echo-sdk.{DEFAULT_SKILL_ID}.FEELING",
        "status": {"code": "ER_SUCCESS_MATCH"},
        "values": [{"value": {"name": "anxious", "id": "anxious"}}],
    }
    assert slots["feeling"]["slotValue"]["resolutions"] == slots["feeling"]["resolutions"]


def test_unknown_custom_value_is_er_success_no_match(nlu: Nlu) -> None:
    parsed = nlu.parse("i'm feeling flabbergasted")
    assert parsed.intent == "CheckInIntent"
    slot = nlu.slots_json(parsed, "skill")["feeling"]
    assert slot["value"] == "flabbergasted"
    assert slot["resolutions"]["resolutionsPerAuthority"][0]["status"] == {"code": "ER_SUCCESS_NO_MATCH"}
    assert "values" not in slot["resolutions"]["resolutionsPerAuthority"][0]


def test_search_query_keeps_the_persons_own_words(nlu: Nlu) -> None:
    parsed = nlu.parse("I'm grateful for Grandma's apple pie!")
    assert parsed.intent == "GratitudeIntent"
    assert parsed.slots["thing"].value == "grandma's apple pie"
    assert "resolutions" not in nlu.slots_json(parsed, "skill")["thing"]


def test_numbers_from_words_and_digits_and_typos(nlu: Nlu) -> None:
    assert _slots_of(nlu.parse("do 12 rounds of box breathing")) == {"rounds": "12", "pattern": "box"}
    assert _slots_of(nlu.parse("twenty five minutes of coherent breathing")) == {"minutes": "25", "pattern": "coherent"}
    assert _slots_of(nlu.parse("i'm feeling sad about a sevn")) == {"feeling": "sad", "intensity": "7"}


@pytest.mark.parametrize(
    ("words", "value"),
    [("seven", 7), ("twenty five", 25), ("one hundred and five", 105), ("42", 42), ("a dozen", 12), ("zero", 0)],
)
def test_amazon_number(words: str, value: int) -> None:
    assert parse_number(normalise(words)) == value


@pytest.mark.parametrize("words", ["five six", "a", "hundred", "twenty thirty", "blue", ""])
def test_not_a_number(words: str) -> None:
    assert parse_number(normalise(words)) is None


@pytest.mark.parametrize(
    ("words", "iso"),
    [
        ("ten minutes", "PT10M"),
        ("an hour and a half", "PT1H30M"),
        ("half an hour", "PT30M"),
        ("90 seconds", "PT1M30S"),
        ("five minutes and thirty seconds", "PT5M30S"),
        ("two weeks", "P2W"),
        ("three days", "P3D"),
    ],
)
def test_amazon_duration_is_iso_8601(words: str, iso: str) -> None:
    assert parse_duration(normalise(words)) == iso


def test_duration_slots_and_values_given_by_name(nlu: Nlu) -> None:
    assert nlu.resolve_value("AMAZON.DURATION", "ten minutes").value == "PT10M"
    assert nlu.resolve_value("AMAZON.NUMBER", "four").value == "4"
    fill = nlu.resolve_value("MEDITATION", "metta")
    assert (fill.resolved_id, fill.status) == ("loving-kindness", "ER_SUCCESS_MATCH")
    assert nlu.resolve_value("MEDITATION", "yoga nidra").status == "ER_SUCCESS_NO_MATCH"


def test_tokens_expand_contractions_and_keep_the_original_words() -> None:
    tokens = tokenize("I'm feeling 4-7-8, honestly")
    assert tokens.words == ("i", "am", "feeling", "four", "seven", "eight", "honestly")
    assert tokens.span_text(0, 3) == "i'm feeling"


def test_typos_word_order_and_fillers_are_forgiven_with_a_lower_score(nlu: Nlu) -> None:
    exact = nlu.parse("loving kindness meditation")
    reordered = nlu.parse("meditation loving kindness")
    typo = nlu.parse("loving kindness meditaton")
    filler = nlu.parse("um like a loving kindness meditation please")
    for parsed in (exact, reordered, typo, filler):
        assert parsed.intent == "MeditationIntent"
        assert _slots_of(parsed) == {"meditation": "loving-kindness"}
    assert exact.score == 1.0
    assert max(reordered.score, typo.score, filler.score) < 1.0
    assert "word order forgiven" in reordered.explain()
    assert "read 'meditaton' as 'meditation'" in typo.explain()


@pytest.mark.parametrize("utterance", ["", "   ", "qwzx vbnm", "what's the weather in paris", "order a taxi"])
def test_out_of_domain_goes_to_fallback_with_no_slots(nlu: Nlu, utterance: str) -> None:
    parsed = nlu.parse(utterance)
    assert parsed.intent == FALLBACK
    assert parsed.slots == {}
    assert parsed.score < nlu.threshold


def test_crisis_language_is_support_even_inside_a_check_in_phrase(nlu: Nlu) -> None:
    for utterance in ("i feel suicidal", "i'm feeling like i want to die", "honestly i want to hurt myself"):
        assert nlu.parse(utterance).intent == "SupportIntent", utterance


@pytest.mark.parametrize(
    ("utterance", "kind", "rest"),
    [
        ("open inner kindness", "launch", ""),
        ("Alexa, launch Inner Kindness", "launch", ""),
        ("start inner kindness", "launch", ""),
        ("ask inner kindness for a loving kindness meditation", "oneshot", "a loving kindness meditation"),
        ("tell inner kindness i'm grateful for my cat", "oneshot", "i'm grateful for my cat"),
        ("ask inner kindness to start box breathing", "oneshot", "start box breathing"),
        ("open inner kindness and check in", "oneshot", "check in"),
        ("start a body scan with inner kindness", "oneshot", "start a body scan"),
        ("open iner kindness", "launch", ""),
        ("i feel anxious", None, "i feel anxious"),
    ],
)
def test_invocation_forms(utterance: str, kind: str | None, rest: str) -> None:
    import re

    found_kind, found_rest = split_invocation(re.sub(r"^\s*alexa[\s,]*", "", utterance, flags=re.I), "inner kindness")
    assert (found_kind, found_rest) == (kind, rest)


def test_each_locale_understands_its_own_feeling_words() -> None:
    gb = Nlu(load_model("en-GB")).parse("i'm feeling knackered")
    assert (gb.intent, _slots_of(gb)) == ("CheckInIntent", {"feeling": "tired"})
    us = Nlu(load_model("en-US")).parse("i'm feeling knackered")
    assert us.slots["feeling"].status == "ER_SUCCESS_NO_MATCH"
