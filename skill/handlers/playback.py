"""playback conversation (handlers are added by the issue that builds it)."""

from __future__ import annotations

from skill.handlers.base import Handler
from skill.handlers.deps import Deps


def handlers(deps: Deps) -> list[Handler]:
    return []
