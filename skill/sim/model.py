"""The interaction model (skill-package/interactionModels/custom/<locale>.json) read into plain objects.

The model is the single source of truth for intents, slots and samples: the simulator's NLU compiles it,
and :func:`check_model` holds it to Alexa's rules and to the handlers the skill registers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from skill.config import PROJECT_ROOT

PACKAGE_DIR = PROJECT_ROOT / "skill-package"
SOURCE_LOCALE = "en-US"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
MIN_SAMPLES = 15

SLOT_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Alexa: samples hold lowercase letters, spaces, apostrophes, periods (for spoken initials) and {slots}.
SAMPLE_CHARS = re.compile(r"^[a-z' .{}A-Za-z_]+$")
LAUNCH_WORDS = {"launch", "ask", "tell", "load", "begin", "enable", "open", "start", "play", "resume", "run"}
WAKE_WORDS = {"alexa", "amazon", "echo", "computer", "skill", "app"}
CONNECTORS = {"the", "a", "an", "for", "to", "of", "by", "from", "with", "and"}


@dataclass(frozen=True)
class SlotValue:
    id: str
    name: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlotType:
    name: str
    values: tuple[SlotValue, ...]


@dataclass(frozen=True)
class IntentDef:
    name: str
    slots: dict[str, str]  # slot name -> slot type
    samples: tuple[str, ...]
    slot_samples: dict[str, tuple[str, ...]] = field(default_factory=dict)  # answers when a slot is asked for

    @property
    def builtin(self) -> bool:
        return self.name.startswith("AMAZON.")


@dataclass(frozen=True)
class InteractionModel:
    locale: str
    invocation_name: str
    intents: dict[str, IntentDef]
    types: dict[str, SlotType] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    dialog_slots: frozenset[tuple[str, str]] = frozenset()  # (intent, slot) pairs the dialog model elicits

    @property
    def custom_intents(self) -> list[IntentDef]:
        return [i for i in self.intents.values() if not i.builtin]


def model_path(locale: str, package_dir: Path = PACKAGE_DIR) -> Path:
    return Path(package_dir) / "interactionModels" / "custom" / f"{locale}.json"


def parse_model(raw: dict[str, Any], locale: str = SOURCE_LOCALE) -> InteractionModel:
    """An :class:`InteractionModel` from the ASK JSON (``{"interactionModel": {"languageModel": ...}}``)."""
    language = raw["interactionModel"]["languageModel"]
    intents = {}
    for item in language.get("intents", []):
        slots = {s["name"]: s["type"] for s in item.get("slots", [])}
        answers = {s["name"]: tuple(s["samples"]) for s in item.get("slots", []) if s.get("samples")}
        intents[item["name"]] = IntentDef(item["name"], slots, tuple(item.get("samples", [])), answers)
    types = {}
    for item in language.get("types", []):
        values = tuple(
            SlotValue(v.get("id") or v["name"]["value"], v["name"]["value"], tuple(v["name"].get("synonyms", [])))
            for v in item.get("values", [])
        )
        types[item["name"]] = SlotType(item["name"], values)
    dialog = raw["interactionModel"].get("dialog") or {}
    elicited = frozenset(
        (str(intent.get("name")), str(slot.get("name")))
        for intent in dialog.get("intents") or []
        for slot in intent.get("slots") or []
        if slot.get("elicitationRequired") or (slot.get("prompts") or {}).get("elicitation")
    )
    return InteractionModel(locale, language["invocationName"], intents, types, raw, elicited)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, locale: str) -> InteractionModel:
    return parse_model(json.loads(Path(path).read_text(encoding="utf-8")), locale)


def load_model(locale: str = SOURCE_LOCALE, package_dir: Path = PACKAGE_DIR) -> InteractionModel:
    """The model for ``locale`` (falls back to en-US when the locale has no file of its own)."""
    path = model_path(locale, package_dir)
    if not path.is_file():
        path = model_path(SOURCE_LOCALE, package_dir)
    return _load_cached(str(path), path.stat().st_mtime_ns, locale)


def invocation_problems(name: str) -> list[str]:
    """Alexa's invocation-name rules that ``name`` breaks (empty when it is fine)."""
    problems = []
    words = name.split()
    if not re.fullmatch(r"[a-z][a-z .']*[a-z.]", name):
        problems.append(f"invocation name {name!r} must be lowercase letters and spaces")
    if len(words) < 2:
        problems.append(f"invocation name {name!r} needs at least two words")
    if set(words) & LAUNCH_WORDS:
        problems.append(f"invocation name {name!r} holds a launch word")
    if set(words) & WAKE_WORDS:
        problems.append(f"invocation name {name!r} holds a wake word")
    if len(words) == 2 and set(words) & CONNECTORS:
        problems.append(f"two-word invocation name {name!r} carries an article or connector")
    return problems


def sample_problems(model: InteractionModel, min_samples: int = MIN_SAMPLES) -> list[str]:
    """Sample counts, characters, slot references, duplicates, and slot types that exist."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for intent in model.intents.values():
        if not intent.builtin and len(intent.samples) < min_samples:
            problems.append(f"{intent.name} has {len(intent.samples)} samples (at least {min_samples})")
        for slot, slot_type in intent.slots.items():
            if not slot_type.startswith("AMAZON.") and slot_type not in model.types:
                problems.append(f"{intent.name}.{slot} uses slot type {slot_type} the model does not define")
        for sample in intent.samples:
            if not SAMPLE_CHARS.match(sample) or any(ch.isdigit() for ch in sample):
                problems.append(f"{intent.name}: sample {sample!r} has characters Alexa refuses")
            if sample != sample.strip() or "  " in sample:
                problems.append(f"{intent.name}: sample {sample!r} has stray spaces")
            refs = SLOT_REF.findall(sample)
            for ref in refs:
                if ref not in intent.slots:
                    problems.append(f"{intent.name}: sample {sample!r} names slot {{{ref}}} the intent lacks")
            if len(refs) != len(set(refs)):
                problems.append(f"{intent.name}: sample {sample!r} names a slot twice")
            search = [r for r in refs if intent.slots.get(r) == "AMAZON.SearchQuery"]
            if search and (len(refs) > 1 or SLOT_REF.sub("", sample).strip() == ""):
                problems.append(f"{intent.name}: sample {sample!r} needs a carrier phrase around its SearchQuery")
            key = sample.lower()
            if key in seen and seen[key] != intent.name:
                problems.append(f"sample {sample!r} is in both {seen[key]} and {intent.name}")
            seen[key] = intent.name
    for defined in model.types.values():
        ids = [v.id for v in defined.values]
        if len(ids) != len(set(ids)):
            problems.append(f"slot type {defined.name} repeats an id")
        owner: dict[str, str] = {}
        for value in defined.values:
            for phrase in (value.name, *value.synonyms):
                key = " ".join(phrase.lower().split())
                if owner.setdefault(key, value.id) != value.id:
                    problems.append(f"{defined.name}: {phrase!r} names both {owner[key]} and {value.id}")
    return problems


DELEGATION = {"ALWAYS", "SKILL_RESPONSE"}
PROMPT_KINDS = {"PlainText", "SSML"}


def dialog_problems(model: InteractionModel) -> list[str]:
    """The dialog model and its prompts: intents and slots that exist, prompts that exist and are used."""
    root = model.raw.get("interactionModel") or {}
    dialog = root.get("dialog")
    prompts = root.get("prompts") or []
    problems: list[str] = []
    defined: dict[str, dict[str, Any]] = {}
    for prompt in prompts:
        pid = prompt.get("id")
        if not isinstance(pid, str) or not pid:
            problems.append("a prompt has no id")
            continue
        if pid in defined:
            problems.append(f"prompt {pid} is defined twice")
        defined[pid] = prompt
        variations = prompt.get("variations") or []
        if not variations:
            problems.append(f"prompt {pid} has no variations")
        for variation in variations:
            if variation.get("type") not in PROMPT_KINDS or not str(variation.get("value") or "").strip():
                problems.append(f"prompt {pid} has a variation that is not PlainText or SSML with words")
    used: set[str] = set()
    if dialog is None:
        return problems + [f"prompt {pid} is never used" for pid in defined]
    if dialog.get("delegationStrategy") not in DELEGATION:
        problems.append(f"dialog delegationStrategy must be one of {sorted(DELEGATION)}")
    for item in dialog.get("intents") or []:
        name = item.get("name")
        intent = model.intents.get(name) if isinstance(name, str) else None
        if intent is None:
            problems.append(f"dialog names intent {name!r}, which the model lacks")
            continue
        if item.get("delegationStrategy", "SKILL_RESPONSE") not in DELEGATION:
            problems.append(f"dialog {name}: delegationStrategy must be one of {sorted(DELEGATION)}")
        refs = list((item.get("prompts") or {}).values())
        if item.get("confirmationRequired") and not (item.get("prompts") or {}).get("confirmation"):
            problems.append(f"dialog {name}: confirmationRequired without a confirmation prompt")
        for slot in item.get("slots") or []:
            slot_name = slot.get("name")
            where = f"dialog {name}.{slot_name}"
            if slot_name not in intent.slots:
                problems.append(f"{where}: the intent has no such slot")
                continue
            if slot.get("type") != intent.slots[slot_name]:
                problems.append(f"{where}: type {slot.get('type')} differs from the intent's {intent.slots[slot_name]}")
            slot_prompts = slot.get("prompts") or {}
            if slot.get("elicitationRequired") and not slot_prompts.get("elicitation"):
                problems.append(f"{where}: elicitationRequired without an elicitation prompt")
            if slot.get("confirmationRequired") and not slot_prompts.get("confirmation"):
                problems.append(f"{where}: confirmationRequired without a confirmation prompt")
            refs += list(slot_prompts.values())
            refs += [v.get("prompt") for v in slot.get("validations") or []]
        for ref in refs:
            if ref not in defined:
                problems.append(f"dialog {name} refers to prompt {ref!r}, which prompts lacks")
            used.add(ref)
    problems += [f"prompt {pid} is never used" for pid in defined if pid not in used]
    for intent in model.intents.values():
        for slot_name, samples in intent.slot_samples.items():
            for sample in samples:
                refs = SLOT_REF.findall(sample)
                if refs != [slot_name]:
                    problems.append(f"{intent.name}.{slot_name}: slot sample {sample!r} must name {{{slot_name}}} once")
                if not SAMPLE_CHARS.match(sample) or any(ch.isdigit() for ch in sample):
                    problems.append(f"{intent.name}.{slot_name}: slot sample {sample!r} has characters Alexa refuses")
                if intent.slots[slot_name] == "AMAZON.SearchQuery" and SLOT_REF.sub("", sample).strip() == "":
                    problems.append(f"{intent.name}.{slot_name}: slot sample {sample!r} needs a carrier phrase")
    return problems


def handler_intents() -> dict[str, list[str]]:
    """Intent name -> handler classes that name it, over every module in skill.builder.HANDLER_MODULES."""
    import logging
    import tempfile

    from skill.builder import HANDLER_MODULES
    from skill.config import Settings
    from skill.handlers.deps import Deps
    from skill.speech import Speech
    from skill.store.engine import open_store

    logging.getLogger("alembic").setLevel(logging.WARNING)  # a throwaway journal: its migrations are noise
    with tempfile.TemporaryDirectory(prefix="kindness-model-") as tmp:
        settings = Settings.from_env(
            {"KINDNESS_DATA_DIR": tmp, "KINDNESS_DATABASE_URL": f"sqlite:///{tmp}/model.sqlite3"}
        ).replace(user_secret="model-check")
        store = open_store(settings)
        try:
            deps = Deps(settings=settings, store=store, speech=Speech(settings.templates_dir))
            found: dict[str, list[str]] = {}
            for module in HANDLER_MODULES:
                for handler in module.handlers(deps):
                    for name in getattr(type(handler), "intents", ()):
                        found.setdefault(name, []).append(type(handler).__name__)
            return found
        finally:
            store.engine.dispose()


def coverage_problems(model: InteractionModel, handled: dict[str, list[str]]) -> list[str]:
    """Intents in the model without a handler, and handlers naming intents the model lacks."""
    problems = [f"{name} is in the model but no handler names it" for name in model.intents if name not in handled]
    problems += [
        f"{', '.join(classes)} names {name}, which the model lacks"
        for name, classes in sorted(handled.items())
        if name not in model.intents
    ]
    return problems
