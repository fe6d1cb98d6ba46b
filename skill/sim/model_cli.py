"""`kindness model check`: the interaction model against Alexa's rules, its locales, and the handlers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from skill.sim.locales import derive
from skill.sim.model import (
    LOCALES,
    PACKAGE_DIR,
    SOURCE_LOCALE,
    coverage_problems,
    dialog_problems,
    handler_intents,
    invocation_problems,
    load_model,
    model_path,
    sample_problems,
)


def locale_problems(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Locale files that are missing or differ from en-US other than on purpose (skill.sim.locales)."""
    source = json.loads(model_path(SOURCE_LOCALE, package_dir).read_text(encoding="utf-8"))
    problems = []
    for locale in LOCALES:
        path = model_path(locale, package_dir)
        if not path.is_file():
            problems.append(f"{locale}: no model file at {path}")
        elif json.loads(path.read_text(encoding="utf-8")) != derive(source, locale):
            problems.append(f"{locale}: differs from en-US beyond its own synonyms (run python -m skill.sim.locales)")
    return problems


def check(package_dir: Path = PACKAGE_DIR, with_handlers: bool = True) -> list[str]:
    """Every problem found, as readable lines (empty when the model is sound)."""
    model = load_model(SOURCE_LOCALE, package_dir)
    problems = invocation_problems(model.invocation_name) + sample_problems(model) + dialog_problems(model)
    problems += locale_problems(package_dir)
    if with_handlers:
        problems += coverage_problems(model, handler_intents())
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kindness model", description="Check the interaction model.")
    parser.add_argument("action", choices=["check"])
    parser.add_argument("--package", type=Path, default=PACKAGE_DIR, help="skill-package directory")
    parser.add_argument("--no-handlers", action="store_true", help="skip the model-vs-handlers check")
    args = parser.parse_args(argv)
    problems = check(args.package, with_handlers=not args.no_handlers)
    model = load_model(SOURCE_LOCALE, args.package)
    samples = sum(len(i.samples) for i in model.intents.values())
    for line in problems:
        print(f"✗ {line}")
    if problems:
        print(f"{len(problems)} problem(s) in the interaction model")
        return 1
    print(f"✓ interaction model: {len(model.intents)} intents, {samples} samples, {len(LOCALES)} locales")
    return 0
