"""Every key of the conversations, every variant, every locale folder: renders with its sample data to
valid SSML within Alexa's limits, with no leftover template syntax."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.config import PROJECT_ROOT
from skill.speech import Speech, normalise_space, to_plain_text, validate_ssml

CONVERSATIONS = ("launch", "gratitude", "checkin", "breathing", "kindness", "affirmation", "data", "safety", "offers")
SAMPLES = Path(__file__).resolve().parent.parent / "template_samples"
LOCALES = ("en", "en-US", "en-CA", "en-GB", "en-IE", "en-AU", "en-IN", "en-NZ")
speech = Speech(PROJECT_ROOT / "templates")
RUN_ON = re.compile(r"[a-z][.?!,][A-Za-z]")  # "today.What": a template line break swallowed a space


def samples(conversation: str) -> dict[str, list[dict[str, Any]]]:
    loaded = yaml.safe_load((SAMPLES / f"{conversation}.yaml").read_text())
    assert isinstance(loaded, dict)
    return {f"{conversation}/{key}": data for key, data in loaded.items()}  # keys are spelt without it


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_every_key_has_samples_and_every_sample_a_key(conversation: str) -> None:
    every_key = speech.keys(area="speech")
    keys = {k for k in every_key if k.split("/")[0] == conversation}
    assert set(samples(conversation)) == keys


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_every_variant_renders_to_valid_ssml(conversation: str) -> None:
    for key, data_list in samples(conversation).items():
        assert data_list, key
        for locale in LOCALES:
            name = speech.template_name(key, locale)
            for variant in range(speech.variant_count(name)):
                template = speech.env.get_template(f"{name}#{variant}")
                for data in data_list:
                    ssml = normalise_space(template.render(**data))
                    assert validate_ssml(ssml) == [], (key, locale, variant, data, ssml)
                    text = to_plain_text(ssml, show_pauses=False)
                    assert text or key.startswith("breathing/begin"), (key, data)
                    assert not RUN_ON.search(to_plain_text(ssml, show_pauses=True)), (key, data, ssml)
                    for leftover in ("{{", "}}", "{%", "%}", "{#"):
                        assert leftover not in ssml, (key, ssml)


def test_text_in_data_is_escaped() -> None:
    said = speech.render("gratitude/thanks", "en-US", thing="fish & chips <b>", count=1)
    assert "Fish &amp; chips &lt;b&gt;" in said.ssml and validate_ssml(said.ssml) == []
