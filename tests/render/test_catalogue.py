"""The meditation catalogue read from the scripts' metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.catalogue import CatalogueError, Meditation, load_catalogue, strip_metadata
from skill.config import PROJECT_ROOT
from skill.speech import Speech, to_plain_text

TEMPLATES = PROJECT_ROOT / "templates"
IDS = {
    "self-compassion-break",
    "loving-kindness",
    "body-scan",
    "mindful-breathing",
    "gratitude-reflection",
    "forgiveness",
    "rain",
    "kind-inner-voice",
}


def test_catalogue_offers_every_meditation_at_four_lengths() -> None:
    catalogue = load_catalogue(TEMPLATES)
    assert set(catalogue) == IDS
    for meditation_id, meditation in catalogue.items():
        assert isinstance(meditation, Meditation)
        assert meditation.id == meditation_id
        assert meditation.lengths == (3, 5, 10, 20)
        assert meditation.title and meditation.description.endswith(".")
    assert catalogue["loving-kindness"].theme == "kindness"
    assert catalogue["forgiveness"].theme == "letting go"


def test_metadata_is_never_spoken() -> None:
    speech = Speech(TEMPLATES)
    text = to_plain_text(speech.render_file("meditations/rain.ssml.j2"))
    assert "title" not in text and "lengths" not in text and "---" not in text
    assert text.startswith("Welcome.")


def write(tmp_path: Path, name: str, source: str) -> Path:
    folder = tmp_path / "meditations"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.ssml.j2").write_text(source)
    return tmp_path


GOOD = "{#---\ntitle: T\ndescription: D.\ntheme: kindness\nlengths: [5, 3]\n---#}\nHello.\n"


def test_lengths_are_sorted_and_body_kept(tmp_path: Path) -> None:
    catalogue = load_catalogue(write(tmp_path, "x", GOOD))
    assert catalogue["x"].lengths == (3, 5)
    assert strip_metadata(GOOD).strip() == "Hello."


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Hello.", "no metadata block"),
        ("{#---\ntitle: [unclosed\n---#}\n", "not valid YAML"),
        ("{#---\n- a list\n---#}\n", "must be a mapping"),
        ("{#---\ntitle: T\ntheme: x\nlengths: [3]\n---#}\n", "lacks description"),
        ("{#---\ntitle: T\ndescription: D\ntheme: x\nlengths: [three]\n---#}\n", "whole minutes"),
        ("{#---\ntitle: T\ndescription: D\ntheme: x\nlengths: []\n---#}\n", "whole minutes"),
        ("{#---\ntitle: ''\ndescription: D\ntheme: x\nlengths: [3]\n---#}\n", "title must be"),
    ],
)
def test_bad_metadata_is_a_clear_error_naming_the_file(tmp_path: Path, source: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message) as info:
        load_catalogue(write(tmp_path, "broken", source))
    assert "broken.ssml.j2" in str(info.value)
