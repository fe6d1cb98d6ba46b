"""One typed settings object, read from KINDNESS_* environment variables with safe defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "inner-kindness"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def default_data_dir() -> Path:
    """The per-user data directory that holds the SQLite journal and the server secret."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def _user_secret(data_dir: Path) -> str:
    """The HMAC secret for person keys: from the environment, else created once in the data dir.

    Server processes starting together must agree on it: each writes a candidate to its own temporary
    file and hard-links it into place, which fails if another process got there first.
    """
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".secret.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            tmp.unlink()
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Everything the skill, the studio and the simulator may be configured with."""

    skill_ids: tuple[str, ...] = ()
    verify_signature: bool = True
    database_url: str = ""
    public_url: str = "https://localhost:5000"
    audio_dir: Path = PROJECT_ROOT / "audio"
    data_dir: Path = field(default_factory=default_data_dir)
    user_secret: str = ""
    templates_dir: Path = PROJECT_ROOT / "templates"
    skill_package_dir: Path = PROJECT_ROOT / "skill-package"
    max_body_bytes: int = 64 * 1024
    cert_fetch_timeout_s: float = 3.0
    db_timeout_s: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from KINDNESS_* variables (``env`` defaults to ``os.environ``)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("KINDNESS_DATA_DIR") or default_data_dir())
        ids = tuple(s.strip() for s in env.get("KINDNESS_SKILL_ID", "").split(",") if s.strip())
        database_url = env.get("KINDNESS_DATABASE_URL") or f"sqlite:///{data_dir / 'journal.sqlite3'}"
        audio_dir = Path(env.get("KINDNESS_AUDIO_DIR") or PROJECT_ROOT / "audio")
        return cls(
            skill_ids=ids,
            verify_signature=_flag(env.get("KINDNESS_VERIFY_SIGNATURE"), True),
            database_url=database_url,
            public_url=(env.get("KINDNESS_PUBLIC_URL") or cls.public_url).rstrip("/"),
            audio_dir=audio_dir,
            data_dir=data_dir,
            user_secret=env.get("KINDNESS_USER_SECRET") or "",
            db_timeout_s=float(env.get("KINDNESS_DB_TIMEOUT") or cls.db_timeout_s),
        )

    def with_secret(self) -> Settings:
        """These settings with a user secret filled in (created on first use if none was given)."""
        if self.user_secret:
            return self
        return replace(self, user_secret=_user_secret(self.data_dir))

    def replace(self, **changes: object) -> Settings:
        """A copy with some fields changed (handy for tests)."""
        return replace(self, **changes)  # type: ignore[arg-type]
