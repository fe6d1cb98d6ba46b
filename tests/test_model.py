"""The interaction model: the contract other parts rely on, Alexa's rules, its locales, and the handlers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from skill.sim import model_cli
from skill.sim.locales import EXTRA_SYNONYMS, derive
from skill.sim.model import (
    LOCALES,
    MIN_SAMPLES,
    PACKAGE_DIR,
    SLOT_REF,
    coverage_problems,
    dialog_problems,
    handler_intents,
    invocation_problems,
    load_model,
    model_path,
    parse_model,
    sample_problems,
)

CUSTOM_SLOTS = {
    "GratitudeIntent": {"thing": "AMAZON.SearchQuery"},
    "GratitudeRecallIntent": {"when": "TIME_RANGE"},
    "CheckInIntent": {"feeling": "FEELING", "intensity": "AMAZON.NUMBER"},
    "MoodSummaryIntent": {},
    "BreathingIntent": {"pattern": "BREATHING_PATTERN", "rounds": "AMAZON.NUMBER", "minutes": "AMAZON.NUMBER"},
    "MeditationIntent": {"meditation": "MEDITATION", "minutes": "AMAZON.NUMBER"},
    "ListMeditationsIntent": {},
    "KindnessIdeaIntent": {},
    "AffirmationIntent": {},
    "SupportIntent": {},
    "DeleteJournalIntent": {},
    "StreakOffIntent": {},
    "StreakOnIntent": {},
    "PrivacyIntent": {},
    "ResumeMeditationIntent": {},
}
BUILTINS = [
    f"AMAZON.{n}Intent"
    for n in [
        *("Help", "Stop", "Cancel", "Fallback", "NavigateHome", "Yes", "No", "Repeat", "StartOver"),
        *("Pause", "Resume", "Next", "Previous", "LoopOn", "LoopOff", "ShuffleOn", "ShuffleOff"),
    ]
]
SLOT_IDS = {
    "FEELING": "anxious stressed overwhelmed sad lonely angry frustrated tired ashamed guilty hurt worried numb scared "
    "calm happy grateful content hopeful proud relieved joyful loved peaceful excited okay mixed",
    "BREATHING_PATTERN": "box 4-7-8 coherent cyclic-sigh",
    "MEDITATION": "self-compassion-break loving-kindness body-scan mindful-breathing gratitude-reflection forgiveness "
    "rain kind-inner-voice surprise",
    "TIME_RANGE": "today yesterday this-week last-week earlier",
}


def raw_model(locale: str = "en-US") -> dict[str, Any]:
    return json.loads(model_path(locale).read_text(encoding="utf-8"))


def test_the_model_holds_exactly_the_contracted_intents_and_slots() -> None:
    model = load_model()
    assert model.invocation_name == "inner kindness"
    assert {i.name: i.slots for i in model.custom_intents} == CUSTOM_SLOTS
    assert sorted(i.name for i in model.intents.values() if i.builtin) == sorted(BUILTINS)


@pytest.mark.parametrize("type_name", sorted(SLOT_IDS))
def test_slot_types_use_the_shared_ids_with_synonyms(type_name: str) -> None:
    slot_type = load_model().types[type_name]
    assert [v.id for v in slot_type.values] == SLOT_IDS[type_name].split()
    assert all(v.synonyms for v in slot_type.values), "every value has synonyms a person might say instead"


def test_breathing_and_meditation_names_people_say() -> None:
    types = load_model().types
    spoken = {v.id: {v.name, *v.synonyms} for v in types["BREATHING_PATTERN"].values}
    assert {"four seven eight", "four-seven-eight", "relaxing breath"} <= spoken["4-7-8"]
    assert {"resonance", "coherent breathing"} <= spoken["coherent"]
    assert {"physiological sigh", "sighing"} <= spoken["cyclic-sigh"]
    meditations = {v.id: {v.name, *v.synonyms} for v in types["MEDITATION"].values}
    assert "metta" in meditations["loving-kindness"]
    assert {"surprise me", "any", "you choose"} <= meditations["surprise"]


@pytest.mark.parametrize("name", sorted(CUSTOM_SLOTS))
def test_every_custom_intent_has_enough_varied_samples(name: str) -> None:
    samples = load_model().intents[name].samples
    assert len(samples) >= MIN_SAMPLES
    assert len({s.lower() for s in samples}) == len(samples)


def test_every_slot_appears_in_some_sample_and_every_reference_exists() -> None:
    for intent in load_model().custom_intents:
        referenced = {ref for s in intent.samples for ref in SLOT_REF.findall(s)}
        assert referenced == set(intent.slots), intent.name


def test_crisis_phrases_are_samples_of_support() -> None:
    samples = set(load_model().intents["SupportIntent"].samples)
    for phrase in ("i want to die", "i want to kill myself", "i want to hurt myself", "i'm thinking about suicide"):
        assert phrase in samples
    assert {"i don't want to live anymore", "i'm not safe", "i'm in danger"} <= samples


def test_the_model_passes_alexas_sample_rules() -> None:
    assert sample_problems(load_model()) == []


def test_sample_rules_catch_what_alexa_would_refuse() -> None:
    raw = raw_model()
    intents = raw["interactionModel"]["languageModel"]["intents"]
    gratitude = next(i for i in intents if i["name"] == "GratitudeIntent")
    gratitude["samples"] += ["i'm grateful for {stuff}", "{thing}", "grateful for 3 things", "i feel {thing} {thing}"]
    breathing = next(i for i in intents if i["name"] == "BreathingIntent")
    breathing["samples"] = breathing["samples"][:3] + ["check in"]
    breathing["slots"].append({"name": "tempo", "type": "TEMPO"})
    feeling = next(t for t in raw["interactionModel"]["languageModel"]["types"] if t["name"] == "FEELING")
    next(v for v in feeling["values"] if v["id"] == "sad")["name"]["synonyms"].append("nervous")
    problems = "\n".join(sample_problems(parse_model(raw)))
    assert "names slot {stuff} the intent lacks" in problems
    assert "needs a carrier phrase around its SearchQuery" in problems
    assert "'grateful for 3 things' has characters Alexa refuses" in problems
    assert "names a slot twice" in problems
    assert "BreathingIntent has 4 samples (at least 15)" in problems
    assert "uses slot type TEMPO the model does not define" in problems
    assert "'check in' is in both CheckInIntent and BreathingIntent" in problems
    assert "FEELING: 'nervous' names both anxious and sad" in problems


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("inner kindness", None),
        ("Inner Kindness", "lowercase"),
        ("kindness", "at least two words"),
        ("open kindness", "launch word"),
        ("alexa kindness", "wake word"),
        ("the kindness", "article or connector"),
        ("inner kindness 2", "lowercase"),
    ],
)
def test_invocation_name_rules(name: str, fragment: str | None) -> None:
    problems = invocation_problems(name)
    if fragment is None:
        assert problems == []
    else:
        assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("locale", LOCALES)
def test_locales_share_the_en_us_model_except_their_own_synonyms(locale: str) -> None:
    assert raw_model(locale) == derive(raw_model("en-US"), locale)
    assert load_model(locale).intents == load_model("en-US").intents


def test_locale_differences_are_only_the_declared_synonyms() -> None:
    gb = {v.id: v.synonyms for v in load_model("en-GB").types["FEELING"].values}
    us = {v.id: v.synonyms for v in load_model("en-US").types["FEELING"].values}
    for value_id, added in EXTRA_SYNONYMS["en-GB"]["FEELING"].items():
        assert gb[value_id] == us[value_id] + tuple(added)
    assert raw_model("en-CA") == raw_model("en-US")


def test_a_locale_that_drifts_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "skill-package"
    shutil.copytree(PACKAGE_DIR, package)
    drifted = raw_model("en-AU")
    drifted["interactionModel"]["languageModel"]["intents"][0]["samples"].append("i reckon i'm grateful for {thing}")
    model_path("en-AU", package).write_text(json.dumps(drifted), encoding="utf-8")
    model_path("en-IN", package).unlink()
    problems = model_cli.locale_problems(package)
    assert any(p.startswith("en-AU: differs from en-US") for p in problems)
    assert any(p.startswith("en-IN: no model file") for p in problems)


def test_skill_manifest_is_honest_and_complete() -> None:
    manifest = json.loads((PACKAGE_DIR / "skill.json").read_text(encoding="utf-8"))["manifest"]
    locales = manifest["publishingInformation"]["locales"]
    assert sorted(locales) == sorted(LOCALES)
    for info in locales.values():
        assert info["name"] == "Inner Kindness"
        assert "not a substitute for professional medical advice" in info["description"]
        assert "emergency number" in info["description"]
        assert all(p.lower().startswith("alexa, ") and "inner kindness" in p for p in info["examplePhrases"])
    privacy = manifest["privacyAndCompliance"]
    assert privacy["usesPersonalInfo"] is True
    assert privacy["isChildDirected"] is False
    assert privacy["allowsPurchases"] is False and privacy["containsAds"] is False
    assert {"type": "AUDIO_PLAYER"} in manifest["apis"]["custom"]["interfaces"]
    assert manifest["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]
    assert manifest["permissions"] == []
    resources = json.loads((PACKAGE_DIR.parent / "ask-resources.json").read_text(encoding="utf-8"))
    assert resources["profiles"]["default"]["skillMetadata"]["src"] == "./skill-package"


def test_coverage_reports_both_directions() -> None:
    model = load_model()
    handled = {name: ["X"] for name in model.intents if name != "AffirmationIntent"}
    handled["AMAZON.SendToPhoneIntent"] = ["PhoneHandler"]
    assert coverage_problems(model, handled) == [
        "AffirmationIntent is in the model but no handler names it",
        "PhoneHandler names AMAZON.SendToPhoneIntent, which the model lacks",
    ]


def test_every_intent_in_the_model_has_a_handler_and_no_handler_names_an_unknown_intent() -> None:
    assert coverage_problems(load_model(), handler_intents()) == []


def test_model_check_cli_reports_problems_and_passes_a_sound_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert model_cli.main(["check", "--no-handlers"]) == 0
    assert "✓ interaction model" in capsys.readouterr().out
    package = tmp_path / "skill-package"
    shutil.copytree(PACKAGE_DIR, package)
    raw = raw_model()
    raw["interactionModel"]["languageModel"]["invocationName"] = "kindness"
    model_path("en-US", package).write_text(json.dumps(raw), encoding="utf-8")
    assert model_cli.main(["check", "--no-handlers", "--package", str(package)]) == 1
    out = capsys.readouterr().out
    assert "✗ invocation name 'kindness' needs at least two words" in out
    assert "en-GB: differs from en-US" in out


ELICITED = {("GratitudeIntent", "thing"), ("CheckInIntent", "feeling"), ("BreathingIntent", "pattern")}


def test_the_dialog_model_elicits_the_three_slots_the_skill_asks_for() -> None:
    raw = raw_model()["interactionModel"]
    assert raw["dialog"]["delegationStrategy"] == "SKILL_RESPONSE"
    assert load_model().dialog_slots == ELICITED
    prompts = {p["id"]: p for p in raw["prompts"]}
    for item in raw["dialog"]["intents"]:
        for slot in item["slots"]:
            assert slot["elicitationRequired"] is True
            variations = prompts[slot["prompts"]["elicitation"]]["variations"]
            assert variations and all(v["type"] == "PlainText" and "?" in v["value"] for v in variations)
    for locale in LOCALES:
        assert load_model(locale).dialog_slots == ELICITED


def test_elicited_slots_have_answers_a_person_gives_when_asked() -> None:
    intents = load_model().intents
    assert "{feeling}" in intents["CheckInIntent"].slot_samples["feeling"]
    assert "{pattern}" in intents["BreathingIntent"].slot_samples["pattern"]
    assert all(s != "{thing}" for s in intents["GratitudeIntent"].slot_samples["thing"])


def test_the_model_passes_the_dialog_rules() -> None:
    assert dialog_problems(load_model()) == []


def test_dialog_rules_catch_missing_slots_prompts_and_bad_shapes() -> None:
    raw = raw_model()
    root = raw["interactionModel"]
    root["dialog"]["delegationStrategy"] = "SOMETIMES"
    gratitude, checkin, breathing = root["dialog"]["intents"]
    gratitude["slots"][0]["prompts"]["elicitation"] = "Elicit.Slot.Nowhere"
    checkin["slots"].append({"name": "mood", "type": "FEELING", "elicitationRequired": True, "prompts": {}})
    breathing["slots"][0]["type"] = "AMAZON.NUMBER"
    root["dialog"]["intents"].append({"name": "DanceIntent", "slots": []})
    root["prompts"].append({"id": "Spare", "variations": [{"type": "Markdown", "value": ""}]})
    lm_breathing = next(i for i in root["languageModel"]["intents"] if i["name"] == "BreathingIntent")
    lm_breathing["slots"][0]["samples"].append("{pattern} for {minutes}")
    problems = "\n".join(dialog_problems(parse_model(raw)))
    assert "dialog delegationStrategy must be one of" in problems
    assert "dialog GratitudeIntent refers to prompt 'Elicit.Slot.Nowhere', which prompts lacks" in problems
    assert "prompt Elicit.Slot.GratitudeIntent.thing is never used" in problems
    assert "dialog CheckInIntent.mood: the intent has no such slot" in problems
    assert "dialog BreathingIntent.pattern: type AMAZON.NUMBER differs from the intent's BREATHING_PATTERN" in problems
    assert "dialog names intent 'DanceIntent', which the model lacks" in problems
    assert "prompt Spare has a variation that is not PlainText or SSML with words" in problems
    assert "BreathingIntent.pattern: slot sample '{pattern} for {minutes}' must name {pattern} once" in problems


def test_elicitation_without_a_prompt_and_a_bare_search_query_answer_are_refused() -> None:
    raw = raw_model()
    root = raw["interactionModel"]
    root["dialog"]["intents"][1]["slots"][0]["prompts"] = {}
    lm_gratitude = next(i for i in root["languageModel"]["intents"] if i["name"] == "GratitudeIntent")
    lm_gratitude["slots"][0]["samples"].append("{thing}")
    problems = dialog_problems(parse_model(raw))
    assert "dialog CheckInIntent.feeling: elicitationRequired without an elicitation prompt" in problems
    assert "GratitudeIntent.thing: slot sample '{thing}' needs a carrier phrase" in problems
    assert "prompt Elicit.Slot.CheckInIntent.feeling is never used" in problems
