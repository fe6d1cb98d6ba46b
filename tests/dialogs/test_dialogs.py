"""Every dialog script in tests/dialogs runs against the real skill, in-process, on a fresh journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.config import Settings
from skill.sim.device import Device
from skill.sim.envelopes import Identity
from skill.sim.model import load_model
from skill.sim.script import load_script, run_script
from skill.sim.session import AudioCatalogue
from skill.sim.transport import InProcessTransport

DIALOGS = sorted(Path(__file__).parent.glob("*.yaml"))


@pytest.mark.parametrize("path", DIALOGS, ids=[p.stem for p in DIALOGS])
def test_dialog(path: Path, settings: Settings) -> None:
    script = load_script(path)
    transport = InProcessTransport(settings)
    try:
        identity = Identity(
            user=script.user or path.stem, locale=script.locale or "en-US", device=script.device or "speaker"
        )
        catalogue = AudioCatalogue(settings.audio_dir, settings.public_url)
        device = Device(transport, load_model(identity.locale), identity, catalogue=catalogue)
        result = run_script(script, device)
    finally:
        transport.close()
    assert result.ok, result.diff()
    assert len(result.steps) == len(script.steps)


def test_there_are_dialogs_to_run() -> None:
    assert {"launch", "help", "stop", "fallback"} <= {p.stem for p in DIALOGS}
    conversations = {
        "gratitude",
        "checkin",
        "breathing",
        "kindness",
        "affirmation",
        "streak",
        "privacy",
        "safety_en-us",
    }
    assert conversations | {"safety_en-gb", "inside_practice"} <= {p.stem for p in DIALOGS}
