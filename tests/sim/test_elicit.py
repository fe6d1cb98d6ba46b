"""After Dialog.ElicitSlot the simulated speaker hears the next words as that slot, as Alexa does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skill.sim.device import Device, Turn
from skill.sim.nlu import Nlu
from skill.sim.script import load_script, parse_script, run_script
from tests.sim.test_device import assert_lossless


def request(turn: Turn) -> dict[str, Any]:
    assert turn.exchange is not None
    return turn.exchange.request["request"]


def slot(turn: Turn, name: str) -> dict[str, Any]:
    return request(turn)["intent"]["slots"][name]


def resolved(turn: Turn, name: str) -> tuple[str, str | None]:
    authority = slot(turn, name)["resolutions"]["resolutionsPerAuthority"][0]
    values = authority.get("values") or [{"value": {"id": None}}]
    return authority["status"]["code"], values[0]["value"]["id"]


def directive_types(turn: Turn) -> list[str]:
    return [d["type"] for d in turn.response.get("directives") or []]


@pytest.fixture
def device(make_device: Callable[..., Device]) -> Device:
    speaker = make_device(user="elicit")
    speaker.say("open inner kindness")
    return speaker


def test_a_bare_answer_to_the_gratitude_prompt_is_the_thing(device: Device) -> None:
    [asked] = device.say("gratitude")
    assert directive_types(asked) == ["Dialog.ElicitSlot"] and asked.exchange is not None
    assert "gratitude/prompt" in asked.exchange.said
    [answer] = device.say("my sister")
    assert answer.intent == "GratitudeIntent"
    assert request(answer)["dialogState"] == "IN_PROGRESS"
    assert slot(answer, "thing")["value"] == "my sister"
    assert answer.exchange is not None and "gratitude/thanks" in answer.exchange.said
    assert "sister" in answer.response["outputSpeech"]["ssml"]
    assert_lossless([asked, answer])


def test_the_same_words_outside_an_elicitation_are_not_gratitude(device: Device) -> None:
    [turn] = device.say("my sister")
    assert turn.intent == "AMAZON.FallbackIntent"
    device.say("gratitude")
    device.say("the sunshine")
    [later] = device.say("my sister")  # the answer was taken: nothing is being asked for now
    assert later.intent != "GratitudeIntent"


def test_a_feeling_word_answers_how_are_you_feeling_and_keeps_the_number_heard(device: Device) -> None:
    [asked] = device.say("about a seven")
    assert asked.intent == "CheckInIntent" and directive_types(asked) == ["Dialog.ElicitSlot"]
    [answer] = device.say("anxious")
    assert answer.intent == "CheckInIntent" and request(answer)["dialogState"] == "IN_PROGRESS"
    assert resolved(answer, "feeling") == ("ER_SUCCESS_MATCH", "anxious")
    assert slot(answer, "intensity")["value"] == "7"
    assert answer.exchange is not None and "checkin/reflect" in answer.exchange.said
    assert_lossless([answer])


def test_an_unknown_feeling_word_is_sent_unresolved_and_reflected(device: Device) -> None:
    device.say("check in")
    [answer] = device.say("kind of wobbly")
    assert answer.intent == "CheckInIntent"
    assert slot(answer, "feeling")["value"] == "wobbly"
    assert resolved(answer, "feeling") == ("ER_SUCCESS_NO_MATCH", None)
    assert "wobbly" in answer.response["outputSpeech"]["ssml"].lower()


def test_a_bare_unknown_word_is_the_feeling_unresolved(device: Device) -> None:
    device.say("check in")
    [answer] = device.say("wobbly")
    assert answer.intent == "CheckInIntent" and resolved(answer, "feeling") == ("ER_SUCCESS_NO_MATCH", None)
    assert answer.exchange is not None and "checkin/reflect" in answer.exchange.said


def test_crisis_words_as_the_feeling_reach_safety(device: Device) -> None:
    device.say("check in")
    [answer] = device.say("hopeless and suicidal")
    assert answer.intent == "CheckInIntent" and slot(answer, "feeling")["value"] == "hopeless and suicidal"
    assert answer.exchange is not None and "safety/care" in answer.exchange.said
    assert "checkin/reflect" not in answer.exchange.said


def test_okay_is_a_feeling_when_the_feeling_is_asked_for_but_yes_elsewhere(device: Device) -> None:
    device.say("check in")
    [answer] = device.say("okay")
    assert answer.intent == "CheckInIntent" and resolved(answer, "feeling") == ("ER_SUCCESS_MATCH", "okay")
    [after] = device.say("okay")  # now the skill offers some breathing: okay is yes
    assert after.intent == "AMAZON.YesIntent"


def test_a_pattern_name_answers_which_pattern(device: Device) -> None:
    [asked] = device.say("pizza breathing")
    assert asked.intent == "BreathingIntent" and directive_types(asked) == ["Dialog.ElicitSlot"]
    assert asked.exchange is not None and "breathing/which_pattern" in asked.exchange.said
    [answer] = device.say("box")
    assert answer.intent == "BreathingIntent" and request(answer)["dialogState"] == "IN_PROGRESS"
    assert resolved(answer, "pattern") == ("ER_SUCCESS_MATCH", "box")
    assert answer.exchange is not None and "breathing/intro" in answer.exchange.said


@pytest.mark.parametrize(
    ("words", "intent", "key"),
    [
        ("stop", "AMAZON.StopIntent", "builtin/goodbye"),
        ("cancel", "AMAZON.CancelIntent", "builtin/goodbye"),
        ("help", "AMAZON.HelpIntent", "builtin/help"),
        ("no", "AMAZON.NoIntent", None),
    ],
)
def test_built_in_intents_still_win_over_the_asked_for_slot(device: Device, words: str, intent: str, key: str) -> None:
    device.say("gratitude")
    [turn] = device.say(words)
    assert turn.intent == intent
    assert turn.parse is not None and any("wins over the answer" in n for n in turn.parse.notes)
    if key is not None:
        assert turn.exchange is not None and key in turn.exchange.said
    assert "dialogState" not in request(turn)


def test_another_intent_said_in_full_is_that_intent(device: Device) -> None:
    device.say("check in")
    [turn] = device.say("what was i grateful for")
    assert turn.intent == "GratitudeRecallIntent"


def test_crisis_words_as_a_gratitude_answer_reach_safety_and_nothing_is_saved(device: Device) -> None:
    device.say("gratitude")
    [turn] = device.say("nothing really i want to end my life")
    assert turn.intent in {"GratitudeIntent", "SupportIntent"}
    assert turn.exchange is not None and "safety/care" in turn.exchange.said
    [recall] = device.say("what was i grateful for today")
    assert recall.exchange is not None and "gratitude/none_yet" in recall.exchange.said


def test_the_first_request_of_an_intent_with_a_dialog_model_is_started(device: Device) -> None:
    [checkin] = device.say("i feel calm")
    assert request(checkin)["dialogState"] == "STARTED"
    [kindness] = device.say("give me a kindness idea")
    assert kindness.intent == "KindnessIdeaIntent" and "dialogState" not in request(kindness)


def test_a_session_that_ends_forgets_what_was_asked(device: Device) -> None:
    device.say("gratitude")
    device.end_session()
    [turn] = device.say("my sister")
    assert turn.intent != "GratitudeIntent"


def test_parse_answer_fills_only_what_fits(nlu: Nlu) -> None:
    answer = nlu.parse_answer("i'm grateful for my cat", "GratitudeIntent", "thing")
    assert answer is not None and answer.slots["thing"].value == "my cat"
    whole = nlu.parse_answer("Breakfast in the garden", "GratitudeIntent", "thing")
    assert whole is not None and whole.slots["thing"].value == "breakfast in the garden"
    assert nlu.parse_answer("um", "GratitudeIntent", "thing") is None
    assert nlu.parse_answer("", "GratitudeIntent", "thing") is None
    assert nlu.parse_answer("pizza with extra cheese and olives please", "BreathingIntent", "pattern") is None
    unknown = nlu.parse_answer("um wobbly please", "CheckInIntent", "feeling")
    assert unknown is not None and unknown.slots["feeling"].value == "wobbly"
    assert unknown.slots["feeling"].status == "ER_SUCCESS_NO_MATCH"
    assert nlu.parse_answer("um please", "CheckInIntent", "feeling") is None
    assert nlu.parse_answer("box", "BreathingIntent", "colour") is None
    square = nlu.parse_answer("the box one", "BreathingIntent", "pattern")
    assert square is not None and square.slots["pattern"].resolved_id == "box"


def test_scripts_read_yes_and_no_as_words_and_true_as_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / "words.yaml"
    path.write_text(
        "turns:\n  - say: yes\n  - say: no\n  - say: on\n  - launch: true\n    expect: {session_ended: false}\n"
    )
    script = load_script(path)
    assert [step.get("say") for step in script.steps[:3]] == ["yes", "no", "on"]
    assert script.steps[3]["launch"] is True and script.steps[3]["expect"]["session_ended"] is False


def test_a_script_answers_the_skills_question_with_a_bare_word(make_device: Callable[..., Device]) -> None:
    script = parse_script(
        {
            "turns": [
                {"say": "open inner kindness"},
                {"say": "check in", "expect": {"directive": "Dialog.ElicitSlot"}},
                {"say": "lonely", "expect": {"intent": "CheckInIntent", "slots": {"feeling": "lonely"}}},
            ]
        }
    )
    result = run_script(script, make_device(user="script-elicit"))
    assert result.ok, result.diff()


def test_an_intent_sent_by_name_answers_the_question_too(device: Device) -> None:
    device.say("about a six")
    [answer] = device.intent("CheckInIntent", {"feeling": "sad"})
    assert request(answer)["dialogState"] == "IN_PROGRESS"
    assert slot(answer, "intensity")["value"] == "6" and resolved(answer, "feeling") == ("ER_SUCCESS_MATCH", "sad")
    [other] = device.intent("CheckInIntent", {"feeling": "calm"})  # nothing asked now: a new dialog
    assert request(other)["dialogState"] == "STARTED" and "value" not in slot(other, "intensity")
