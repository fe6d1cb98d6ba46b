"""An external client: virtual-alexa (npm) builds requests from our interaction model and drives the
running `kindness serve` over HTTP. Launch, help, an utterance outside the model, and stop each get a 200
with sensible speech that passes the project's SSML validator."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from skill.config import PROJECT_ROOT
from skill.speech import to_plain_text
from tests.e2e.servers import Server
from tests.server.checks import assert_valid_speech

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("virtual_alexa_driver.js")
MODEL = PROJECT_ROOT / "skill-package" / "interactionModels" / "custom" / "en-US.json"
OUTSIDE = "what is the price of tin in bolivia"


@pytest.fixture(scope="module")
def model() -> Path:
    assert MODEL.is_file(), f"the interaction model {MODEL} is missing"
    return MODEL


def drive(node: str, server: Server, model: Path, *steps: str, locale: str = "en-US") -> list[dict[str, Any]]:
    done = subprocess.run(
        [node, str(DRIVER), server.alexa, str(model), locale, *steps],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"driver failed: {done.stderr}\n--- server log ---\n{server.output()[-3000:]}"
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [line["step"] for line in lines] == list(steps)
    for line in lines:
        assert line["error"] is None, f"{line['step']}: {line['error']}\n--- server log ---\n{server.output()[-3000:]}"
    return lines


def said(line: dict[str, Any]) -> str:
    speech = assert_valid_speech(line["response"])
    assert speech, f"{line['step']} got no speech"
    return to_plain_text(speech[0])


def test_launch_help_outside_and_stop_through_virtual_alexa(node: str, kindness_server: Server, model: Path) -> None:
    launch, help_, outside, stop = drive(
        node, kindness_server, model, "launch", "utter:help", f"utter:{OUTSIDE}", "utter:stop"
    )

    assert launch["request"]["request"]["type"] == "LaunchRequest"
    assert "meditation" in said(launch).lower()
    assert launch["response"]["response"]["shouldEndSession"] is False

    assert help_["request"]["request"]["intent"]["name"] == "AMAZON.HelpIntent"
    help_text = said(help_)
    assert "not a substitute for professional care" in help_text and help_text.rstrip().endswith("?")
    assert help_["response"]["response"]["shouldEndSession"] is False

    assert outside["fallback"] is True
    assert outside["request"]["request"]["intent"]["name"] == "AMAZON.FallbackIntent"
    outside_text = said(outside).lower()
    assert ("gratitude" in outside_text or "grateful" in outside_text) and "meditation" in outside_text
    assert outside["response"]["response"]["shouldEndSession"] is False

    assert stop["request"]["request"]["intent"]["name"] == "AMAZON.StopIntent"
    assert "goodbye" in said(stop).lower()
    assert stop["response"]["response"]["shouldEndSession"] is True


@pytest.mark.parametrize("locale", ["en-GB"])
def test_other_english_locales_are_answered(node: str, kindness_server: Server, model: Path, locale: str) -> None:
    (launch,) = drive(node, kindness_server, model, "launch", locale=locale)
    assert launch["request"]["request"]["locale"] == locale
    assert "meditation" in said(launch).lower()
