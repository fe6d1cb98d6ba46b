"""Choosing a meditation and its length, and reading stream tokens: pure rules, no audio needed."""

from __future__ import annotations

import random

import pytest

from skill.audio_tokens import AudioToken, parse_token
from skill.practices.meditations import (
    DEFAULT_MEDITATION,
    choose_meditation,
    match_meditation,
    nearest_length,
    neighbour,
    parse_minutes,
)

IDS = ["self-compassion-break", "loving-kindness", "body-scan", "mindful-breathing"]


@pytest.mark.parametrize(
    ("asked", "expected"),
    [(10, 10), (3, 3), (4, 3), (7, 5), (8, 10), (15, 10), (16, 20), (60, 20), (1, 3), (None, 5)],
)
def test_nearest_offered_length_prefers_the_shorter_on_a_tie(asked: float | None, expected: int) -> None:
    assert nearest_length([3, 5, 10, 20], asked) == expected


def test_default_length_is_the_offered_one_nearest_five_minutes() -> None:
    assert nearest_length([10, 20], None) == 10
    assert nearest_length([], 10) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10", 10.0),
        ("2.5", 2.5),
        ("?", None),
        ("0", None),
        ("-3", None),
        ("999", None),
        ("nan", None),
        ("inf", None),
        (None, None),
        ("ten", None),
    ],
)
def test_minutes_from_the_number_slot(value: str | None, expected: float | None) -> None:
    assert parse_minutes(value) == expected


def test_choice_takes_the_asked_one_the_default_or_a_surprise() -> None:
    rng = random.Random(1)
    assert choose_meditation(IDS, "body-scan", rng) == "body-scan"
    assert choose_meditation(IDS, None, rng) == DEFAULT_MEDITATION
    assert choose_meditation(IDS, "unknown", rng) is None
    assert choose_meditation([], None, rng) is None
    surprises = {choose_meditation(IDS, "surprise", random.Random(seed), avoid="body-scan") for seed in range(40)}
    assert surprises == set(IDS) - {"body-scan"}
    assert choose_meditation(["body-scan"], "surprise", rng, avoid="body-scan") == "body-scan"


def test_spoken_names_match_ids_titles_and_phrases() -> None:
    names = {"loving-kindness": ["Loving-kindness", "metta"], "rain": ["RAIN"], "body-scan": ["Body scan"]}
    assert match_meditation("loving kindness", names) == "loving-kindness"
    assert match_meditation("Metta", names) == "loving-kindness"
    assert match_meditation("the body scan meditation", names) == "body-scan"
    assert match_meditation("training", names) is None  # "rain" only as a whole word
    assert match_meditation("", names) is None and match_meditation(None, names) is None


def test_next_and_previous_wrap_around_the_catalogue() -> None:
    assert neighbour(IDS, "loving-kindness", 1) == "body-scan"
    assert neighbour(IDS, "mindful-breathing", 1) == "self-compassion-break"
    assert neighbour(IDS, "self-compassion-break", -1) == "mindful-breathing"
    assert neighbour(["body-scan"], "body-scan", 1) is None
    assert neighbour(IDS, "gone", 1) == IDS[0] and neighbour(IDS, "gone", -1) == IDS[-1]


def test_tokens_name_practice_length_and_play() -> None:
    token = AudioToken.new("meditation", "loving-kindness", 10)
    text = str(token)
    assert text.startswith("med:loving-kindness:10:") and len(text) <= 1024
    assert parse_token(text) == token
    again = token.restarted()
    assert (again.item, again.minutes) == (token.item, token.minutes) and again.play_id != token.play_id
    breath = AudioToken.new("breathing", "4-7-8", 10)
    assert str(breath).startswith("breath:4-7-8:10:") and parse_token(str(breath)) == breath


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "med:loving-kindness:10",
        "music:x:1:abcdef",
        "med:../x:10:abcdef",
        "med:a:10:XYZ123",
        "med:a:1000:abcdef",
    ],
)
def test_tokens_that_are_not_ours_parse_to_none(text: str | None) -> None:
    assert parse_token(text) is None


def test_tokens_refuse_kinds_and_ids_they_cannot_carry() -> None:
    with pytest.raises(ValueError):
        AudioToken.new("music", "x", 3)
    with pytest.raises(ValueError):
        AudioToken.new("meditation", "Has:Colon", 3)
