"""`kindness sim` from the command line: text output, --json lines, --script exit codes and diffs."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.config import Settings
from skill.sim import cli


def run(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out, settings=settings)
    return code, out.getvalue()


def test_utterances_print_what_a_person_would_hear(settings: Settings) -> None:
    code, out = run(settings, "open inner kindness", "what can i say", "stop")
    assert code == 0
    assert "you › open inner kindness" in out
    assert "alexa › " in out and "Inner Kindness" in out
    assert "(reprompt) " in out
    assert "not a substitute for professional care" in out
    assert out.count("[listening]") == 2
    assert out.rstrip().endswith("[session ended]")
    assert "<speak>" not in out and "<break" not in out


def test_explain_shows_intent_slots_score_and_template_keys(settings: Settings) -> None:
    code, out = run(settings, "--explain", "open inner kindness", "i'm feeling nervous")
    assert code == 0
    assert "⟶ LaunchRequest" in out
    assert "said: launch/welcome, launch/options" in out
    assert '⟶ CheckInIntent (score 1.00) from sample "i\'m feeling {feeling}"' in out
    assert "feeling='nervous' -> anxious (ER_SUCCESS_MATCH)" in out


def test_json_prints_one_line_per_turn_with_request_and_response(settings: Settings) -> None:
    code, out = run(settings, "--json", "open inner kindness", "help", ":state", "stop")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3  # :state sends nothing and prints nothing in --json mode
    serializer = DefaultSerializer()
    for line in lines:
        turn = json.loads(line)
        assert set(turn) == {"request", "response"}
        assert serializer.deserialize(json.dumps(turn["request"]), RequestEnvelope).request is not None
        assert turn["response"]["version"] == "1.0"
        assert "outputSpeech" in turn["response"]["response"]
    types = [json.loads(line)["request"]["request"]["type"] for line in lines]
    assert types == ["LaunchRequest", "IntentRequest", "IntentRequest"]


def test_the_same_user_name_is_the_same_alexa_user_across_runs(settings: Settings) -> None:
    def user_of(name: str) -> str:
        _, out = run(settings, "--json", "--user", name, "open inner kindness")
        return str(json.loads(out.splitlines()[0])["request"]["context"]["System"]["user"]["userId"])

    assert user_of("ana") == user_of("ana") != user_of("ben")


def test_device_and_locale_options_shape_the_request(settings: Settings) -> None:
    _, out = run(settings, "--json", "--device", "no-audio", "--locale", "en-GB", "open inner kindness")
    request = json.loads(out.splitlines()[0])["request"]
    assert request["request"]["locale"] == "en-GB"
    assert request["context"]["System"]["device"]["supportedInterfaces"] == {}


def test_commands_and_their_errors(settings: Settings) -> None:
    code, out = run(settings, ":help", ":frobnicate", ":wait soon", ":intent", ":intent NopeIntent", ":quit", "help")
    assert code == 0
    assert ":wait 90s" in out
    assert "unknown command :frobnicate" in out
    assert "cannot read 'soon' as a time" in out
    assert "usage: :intent NAME" in out
    assert "no intent 'NopeIntent'" in out
    assert "you › help" not in out  # nothing runs after :quit


def test_sign_needs_a_url(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(settings, "--sign", "open inner kindness")
    assert code == 2
    assert "--sign needs --url" in capsys.readouterr().err


def test_an_unreachable_server_is_reported_and_exits_non_zero(settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out = run(settings, "--url", f"http://127.0.0.1:{port}/alexa", "open inner kindness")
    assert code == 1
    assert f"✗ cannot reach http://127.0.0.1:{port}/alexa" in out


GOOD = """
name: good
turns:
  - say: open inner kindness
    expect: {said: launch/welcome, session_ended: false}
  - say: stop
    expect: {said: builtin/goodbye, session_ended: true}
"""

BAD = """
name: bad
turns:
  - say: open inner kindness
    expect: {said: launch/welcome}
  - say: what can i say
    expect:
      intent: CheckInIntent
      said: builtin/goodbye
      text_contains: penguins
      session_ended: true
  - say: stop
"""


def test_script_that_passes_exits_zero(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    code, out = run(settings, "--script", str(path))
    assert code == 0
    assert "✓ good: 2 steps" in out


def test_script_stops_at_the_first_mismatch_with_a_clear_diff(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    code, out = run(settings, "--script", str(path))
    assert code == 1
    err = capsys.readouterr().err
    assert f'✗ {path}: step 2 (say "what can i say")' in err
    assert "  intent\n    expected: 'CheckInIntent'\n    got:      'AMAZON.HelpIntent'" in err
    assert "  template key 'builtin/goodbye' said\n    expected: 'builtin/goodbye'\n    got:      [" in err
    assert "'builtin/help'" in err
    assert "speech contains\n    expected: 'penguins'" in err
    assert "session ended\n    expected: True\n    got:      False" in err
    assert "you › stop" not in out  # nothing after the first mismatch


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("turns: []", "non-empty 'turns' list"),
        ("turns:\n  - {say: hi, wait: 2s}", "exactly one of"),
        ("turns:\n  - {say: hi, expect: {colour: blue}}", "unknown expectations ['colour']"),
        ("turns:\n  - {say: hi, extra: 1}", "unknown keys ['extra']"),
        ("turns: [", "cannot read the script"),
    ],
)
def test_malformed_scripts_exit_two_and_say_why(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    code, _ = run(settings, "--script", str(path))
    assert code == 2
    assert message in capsys.readouterr().err


def test_script_and_utterances_together_are_refused(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    code, _ = run(settings, "--script", str(path), "help")
    assert code == 2


def test_kindness_entry_point_dispatches_to_the_simulator(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from skill import cli as top

    monkeypatch.setenv("KINDNESS_DATA_DIR", str(settings.data_dir))
    assert top.main(["model", "check", "--no-handlers"]) == 0


def test_a_journal_persists_across_runs_for_the_same_user_only(settings: Settings) -> None:
    code, _ = run(settings, "--user", "ana", "tell inner kindness i'm grateful for my cat")
    assert code == 0
    _, ana = run(settings, "--user", "ana", "--explain", "ask inner kindness what was i grateful for")
    _, ben = run(settings, "--user", "ben", "--explain", "ask inner kindness what was i grateful for")
    assert "cat" in ana.split("alexa › ", 1)[1]
    assert "cat" not in ben.split("alexa › ", 1)[1]
