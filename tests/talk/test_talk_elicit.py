"""Asking for a missing slot: Dialog.ElicitSlot only when the interaction model has a dialog for it;
otherwise the question alone, worded so the answer matches the intent's own samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.builder import build_skill
from skill.config import Settings
from skill.endpoint import AlexaEndpoint
from skill.store.sql import SqlJournalStore
from tests.talk.conftest import Conversation, resolved, unresolved, write_model


@pytest.fixture(params=["no model", "model without dialog", "unreadable model"])
def plain(request: pytest.FixtureRequest, settings: Settings, store: SqlJournalStore, tmp_path: Path) -> Conversation:
    package = tmp_path / "plain-package"
    if request.param == "model without dialog":
        write_model(package, dialog=False)
    elif request.param == "unreadable model":
        (write_model(package, dialog=True) / "interactionModels/custom/en-US.json").write_text("{not json")
    return Conversation(AlexaEndpoint(build_skill(settings.replace(skill_package_dir=package), store, seed=0)))


def test_gratitude_prompt_without_a_dialog_suggests_the_carrier_phrase(plain: Conversation) -> None:
    turn = plain.say("GratitudeIntent")
    assert turn.keys[:2] == ["gratitude/prompt", "gratitude/prompt_reprompt"]
    assert turn.data("gratitude/prompt")["elicit"] is False
    assert "grateful for." in turn.text and "grateful for the sunshine" in turn.reprompt
    assert turn.directives == []
    assert not turn.ends


def test_check_in_without_a_dialog_suggests_i_feel(plain: Conversation) -> None:
    turn = plain.say("CheckInIntent", intensity="4")
    assert turn.keys[0] == "checkin/ask" and turn.data("checkin/ask") == {"elicit": False}
    assert "I feel" in turn.text and turn.directives == []


def test_breathing_without_a_dialog_asks_which_pattern(plain: Conversation) -> None:
    turn = plain.say("BreathingIntent", pattern=unresolved("square"))
    assert turn.keys[0] == "breathing/which_pattern" and turn.directives == []


def test_with_a_dialog_the_slot_is_elicited_and_other_slots_kept(chat: Conversation) -> None:
    turn = chat.say("CheckInIntent", intensity="4")
    directive = turn.directives[0]
    assert directive["type"] == "Dialog.ElicitSlot" and directive["slotToElicit"] == "feeling"
    assert directive["updatedIntent"]["slots"]["intensity"]["value"] == "4"
    turn = chat.say("BreathingIntent", pattern=unresolved("square"), minutes="3")
    directive = turn.directives[0]
    assert directive["slotToElicit"] == "pattern" and directive["updatedIntent"]["slots"]["minutes"]["value"] == "3"
    turn = chat.say("BreathingIntent", pattern=resolved("box", "box"), minutes="3")
    assert turn.data("breathing/intro")["rounds"] == 11
