"""The README's curl line, run as written (only the port changed), gets the welcome from a real server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from skill.config import PROJECT_ROOT
from skill.speech import to_plain_text
from tests.e2e.servers import Server
from tests.server.checks import assert_sane_answer

pytestmark = pytest.mark.slow


def readme_curl() -> str:
    """The curl command from the README's first shell block that has one."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL):
        start = block.find("curl ")
        if start >= 0:
            return block[start:].strip()
    raise AssertionError("README.md shows no curl line")


def test_the_readme_curl_line_gets_the_welcome(kindness_server: Server) -> None:
    curl = shutil.which("curl")
    assert curl, "curl is needed: run scripts/setup --dev"
    command = readme_curl()
    assert "localhost:5000/alexa" in command
    command = command.replace("localhost:5000", kindness_server.url.removeprefix("http://"))
    done = subprocess.run(
        ["bash", "-c", command + " -w '\\n%{http_code}'"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    envelope = assert_sane_answer(int(status), body)
    assert int(status) == 200 and envelope is not None
    text = to_plain_text(envelope["response"]["outputSpeech"]["ssml"])
    assert "Inner Kindness" in text and "meditation" in text
    assert json.loads(body)["response"]["shouldEndSession"] is False
