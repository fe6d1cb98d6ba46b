"""Asking for one missing slot: with Dialog.ElicitSlot when the interaction model allows it.

Alexa accepts ``Dialog.ElicitSlot`` only for intents the interaction model gives a dialog model, and only
then hears a bare answer ("my sister") as the slot. So the directive is sent when
``skill-package/interactionModels/custom/en-US.json`` declares the slot under ``dialog.intents``;
otherwise the question alone is asked, and its wording suggests a phrase the intent's samples match
("I'm grateful for ...").
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from ask_sdk_model import Intent, IntentConfirmationStatus, Slot
from ask_sdk_model.dialog import ElicitSlotDirective

from skill.handlers.deps import Deps

MODEL = Path("interactionModels/custom/en-US.json")


@functools.lru_cache(maxsize=8)
def _dialog_slots(path: Path, mtime_ns: int) -> frozenset[tuple[str, str]]:
    """``(intent, slot)`` pairs the model's dialog declares (read once per file version)."""
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    dialog = (model.get("interactionModel") or {}).get("dialog") or {}
    found: set[tuple[str, str]] = set()
    for intent in dialog.get("intents") or []:
        for slot in intent.get("slots") or []:
            if isinstance(intent.get("name"), str) and isinstance(slot.get("name"), str):
                found.add((intent["name"], slot["name"]))
    return frozenset(found)


def can_elicit(deps: Deps, intent: str, slot: str) -> bool:
    """True when the interaction model has a dialog for ``intent``'s ``slot``."""
    path = deps.settings.skill_package_dir / MODEL
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return False
    return (intent, slot) in _dialog_slots(path, mtime)


def elicit(
    deps: Deps, intent: str, slot: str, slots: dict[str, str | None] | None = None
) -> ElicitSlotDirective | None:
    """The directive asking for ``slot`` (other slot values kept), or None when the model has no dialog."""
    if not can_elicit(deps, intent, slot):
        return None
    values = {slot: None, **(slots or {})}
    return ElicitSlotDirective(
        updated_intent=Intent(
            name=intent,
            confirmation_status=IntentConfirmationStatus.NONE,
            slots={name: Slot(name=name, value=value) for name, value in values.items()},
        ),
        slot_to_elicit=slot,
    )
