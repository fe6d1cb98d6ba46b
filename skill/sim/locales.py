"""The other English locales' models, derived from en-US.

en-GB, en-CA, en-AU and en-IN share the en-US model. Where a locale differs on purpose it is written
here, as extra synonyms for a slot value, so a test can keep every file equal to ``derive(en-US, locale)``.
``python -m skill.sim.locales`` rewrites the locale files after the en-US model changes.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from skill.sim.model import LOCALES, PACKAGE_DIR, SOURCE_LOCALE, model_path

# locale -> slot type -> value id -> synonyms that locale adds (its everyday words for the same thing)
EXTRA_SYNONYMS: dict[str, dict[str, dict[str, list[str]]]] = {
    "en-GB": {
        "FEELING": {
            "tired": ["knackered", "shattered", "cream crackered"],
            "sad": ["gutted", "fed up and low"],
            "happy": ["chuffed"],
            "stressed": ["in a state"],
        }
    },
    "en-AU": {
        "FEELING": {
            "tired": ["knackered", "buggered", "stuffed"],
            "happy": ["stoked", "chuffed"],
            "angry": ["cranky", "ropeable"],
        }
    },
    "en-IN": {
        "FEELING": {
            "stressed": ["tensed", "having tension"],
            "tired": ["very tired"],
        }
    },
    "en-CA": {},
}


def derive(source: dict[str, Any], locale: str) -> dict[str, Any]:
    """The model for ``locale``: the en-US model plus the locale's own synonyms."""
    model = copy.deepcopy(source)
    extras = EXTRA_SYNONYMS.get(locale, {})
    for slot_type in model["interactionModel"]["languageModel"].get("types", []):
        for value in slot_type.get("values", []):
            added = extras.get(slot_type["name"], {}).get(value.get("id"), [])
            if added:
                synonyms = value["name"].setdefault("synonyms", [])
                synonyms.extend(s for s in added if s not in synonyms)
    return model


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def sync(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Rewrite every non-source locale file from en-US; returns the files that changed."""
    source = json.loads(model_path(SOURCE_LOCALE, package_dir).read_text(encoding="utf-8"))
    changed = []
    for locale in LOCALES:
        if locale == SOURCE_LOCALE:
            continue
        path = model_path(locale, package_dir)
        text = render(derive(source, locale))
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    for path in sync():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
