"""Words a person says are spoken back safely: template data is XML-escaped.

(Every key's samples and variants are rendered and validated by tests/test_templates.py.)"""

from __future__ import annotations

from skill.config import PROJECT_ROOT
from skill.speech import Speech, validate_ssml

speech = Speech(PROJECT_ROOT / "templates")


def test_text_in_data_is_escaped() -> None:
    said = speech.render("gratitude/thanks", "en-US", thing="fish & chips <b>", count=1)
    assert "Fish &amp; chips &lt;b&gt;" in said.ssml and validate_ssml(said.ssml) == []
