"""Every template key, in every locale folder, with every variant, renders to SSML Alexa accepts.

Sample data lives in ``tests/template_samples/<conversation>.yaml``, one file per conversation (the first
part of the key: ``launch/welcome`` -> ``launch.yaml``). Each file maps the rest of the key to a list of
data dicts; every dict is rendered with every variant of the key, in every locale folder::

    # tests/template_samples/launch.yaml
    welcome:                  # the key launch/welcome
      - {first_visit: true}   # rendered once with first_visit=True ...
      - {first_visit: false}  # ... and once with first_visit=False
    options:
      - {}                    # a key that takes no data still lists one empty dict

Pick data that reaches every branch of the template, and awkward values where a person's words are
spoken back (``&``, ``<``, quotes). A key without samples fails this test, and so do samples for a key
that has no template.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.config import PROJECT_ROOT
from skill.speech import Speech, to_plain_text, validate_ssml

TEMPLATES = PROJECT_ROOT / "templates"
SAMPLES = Path(__file__).resolve().parent / "template_samples"
SPEECH = Speech(TEMPLATES)
RUN_ON = re.compile(r"[a-z][.?!,][A-Za-z]")  # "today.What": a template line break swallowed a space


class _Pick(random.Random):
    """A random generator that always chooses variant ``index``."""

    def __init__(self, index: int) -> None:
        super().__init__(0)
        self.index = index

    def randrange(self, *args: Any, **kwargs: Any) -> int:  # type: ignore[override]
        return self.index


def samples_file(key: str) -> Path:
    return SAMPLES / f"{key.split('/', 1)[0]}.yaml"


def load_samples(key: str) -> list[dict[str, Any]] | None:
    path = samples_file(key)
    if not path.is_file():
        return None
    samples = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = samples.get(key.split("/", 1)[1])
    return None if found is None else list(found)


def cases() -> list[tuple[str, str]]:
    keys = SPEECH.keys()  # noqa: SIM118 - Speech is not a mapping
    return [(locale, key) for locale in SPEECH.locales() for key in keys]


@pytest.mark.parametrize(("locale", "key"), cases())
def test_every_variant_renders_to_valid_ssml(locale: str, key: str) -> None:
    samples = load_samples(key)
    rel = samples_file(key).relative_to(PROJECT_ROOT)
    assert samples, (
        f"no sample data for template key {key!r}: add an entry '{key.split('/', 1)[1]}:' with a list of data "
        f"dicts (e.g. '- {{}}') to {rel}"
    )
    name = SPEECH.template_name(key, locale)
    for data in samples:
        assert isinstance(data, dict), f"{rel}: samples for {key!r} must be a list of mappings"
        for index in range(SPEECH.variant_count(name)):
            said = SPEECH.render(key, locale, _Pick(index), **data)
            where = f"{name} variant {index} with {data}"
            assert said.variant == index
            assert validate_ssml(said.ssml) == [], f"{where}: {validate_ssml(said.ssml)}\n{said.ssml}"
            text = to_plain_text(said.ssml)
            assert text.strip(), f"{where} says nothing"
            for leftover in ("{{", "}}", "{%", "%}", "{#"):
                assert leftover not in said.ssml, f"{where} leaves template syntax {leftover!r}"
            words = to_plain_text(said.ssml, show_pauses=False)
            assert not RUN_ON.search(words), f"{where} runs two sentences together: {words}"


def test_every_sample_names_a_template_key() -> None:
    keys = set(SPEECH.keys())
    stale = []
    for path in sorted(SAMPLES.glob("*.yaml")):
        for name in yaml.safe_load(path.read_text(encoding="utf-8")) or {}:
            if f"{path.stem}/{name}" not in keys:
                stale.append(f"{path.relative_to(PROJECT_ROOT)}: {name}")
    assert stale == [], f"samples for keys that have no template: {stale}"


def test_the_template_tree_is_not_empty() -> None:
    assert "en" in SPEECH.locales()
    assert {"launch/welcome", "builtin/help", "errors/sorry"} <= set(SPEECH.keys())
