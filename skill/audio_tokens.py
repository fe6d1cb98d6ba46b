"""AudioPlayer stream tokens: which practice, at which length, in which play.

A token reads ``med:loving-kindness:10:3f9a1c2b7d4e`` (a guided meditation) or
``breath:coherent:10:3f9a1c2b7d4e`` (a rendered breathing session). The play id is new for every
fresh start (a start-over is a new play) and kept when the same play is resumed, so Alexa, the journal
and the logs can tell plays apart. Tokens from anything else parse to None.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

KINDS = {"med": "meditation", "breath": "breathing"}
PREFIXES = {kind: prefix for prefix, kind in KINDS.items()}
_ID = r"[a-z0-9][a-z0-9-]{0,63}"
_TOKEN = re.compile(rf"^(med|breath):({_ID}):(\d{{1,3}}):([0-9a-f]{{6,32}})$")


def new_play_id() -> str:
    return secrets.token_hex(6)


@dataclass(frozen=True)
class AudioToken:
    """What a stream token identifies. ``kind`` is the library kind: "meditation" or "breathing"."""

    kind: str
    item: str
    minutes: int
    play_id: str

    def __str__(self) -> str:
        return f"{PREFIXES[self.kind]}:{self.item}:{self.minutes}:{self.play_id}"

    @classmethod
    def new(cls, kind: str, item: str, minutes: int) -> AudioToken:
        """A token for a fresh play of ``item`` at ``minutes``."""
        if kind not in PREFIXES:
            raise ValueError(f"no audio token kind {kind!r}")
        token = cls(kind, item, int(minutes), new_play_id())
        if parse_token(str(token)) != token:
            raise ValueError(f"cannot make a token for {kind}/{item}/{minutes}")
        return token

    def restarted(self) -> AudioToken:
        """The same practice and length as a new play."""
        return AudioToken(self.kind, self.item, self.minutes, new_play_id())


def parse_token(token: str | None) -> AudioToken | None:
    """The token's parts, or None when it is not one of ours."""
    if not token:
        return None
    m = _TOKEN.match(token)
    if not m:
        return None
    return AudioToken(KINDS[m.group(1)], m.group(2), int(m.group(3)), m.group(4))
