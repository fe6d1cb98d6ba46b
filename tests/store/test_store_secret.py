"""The HMAC secret made on first use: processes starting together agree on one, kept private."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from skill.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    go = tmp_path / "go"
    script = (
        "import os, sys, time\n"
        "from skill.config import Settings\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.001)\n"
        f"print(Settings.from_env({{'KINDNESS_DATA_DIR': {str(data_dir)!r}}}).with_secret().user_secret)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(6)
    ]
    go.touch()
    secrets = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert [p.returncode for p in procs] == [0] * 6
    assert len(secrets) == 1 and len(secrets.pop()) == 64
    assert [p.name for p in data_dir.iterdir()] == ["secret.key"]  # no temporary files left behind
    assert stat.S_IMODE((data_dir / "secret.key").stat().st_mode) == 0o600


def test_a_secret_from_the_environment_wins(tmp_path: Path) -> None:
    env = {"KINDNESS_DATA_DIR": str(tmp_path), "KINDNESS_USER_SECRET": "from-env"}
    assert Settings.from_env(env).with_secret().user_secret == "from-env"
    assert not (tmp_path / "secret.key").exists()
