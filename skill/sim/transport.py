"""How a request envelope reaches the skill: in this process (build_skill) or over HTTP (``--url``).

Both give back the response envelope and the template keys spoken: in-process from
:func:`skill.speech.capture_said`, over HTTP from the ``X-Kindness-Said`` response header.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

SAID_HEADER = "X-Kindness-Said"


@dataclass
class Exchange:
    """One request and what came back."""

    request: dict[str, Any]
    response: dict[str, Any]
    said: list[str] = field(default_factory=list)
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


class Transport(Protocol):
    def send(self, envelope: dict[str, Any]) -> Exchange: ...

    def close(self) -> None: ...


class InProcessTransport:
    """The skill built in this process, invoked through ask-sdk's serializer like the HTTP endpoint does."""

    def __init__(
        self, settings: Any, store: Any | None = None, *, seed: int | None = None, skill: Any | None = None
    ) -> None:
        """The project's skill for ``settings`` (or ``skill``, any ask-sdk CustomSkill, when given)."""
        from ask_sdk_core.serialize import DefaultSerializer

        self.settings = settings
        self.store = store
        self._own_store = False
        if skill is None:
            from skill.builder import build_skill
            from skill.store import open_store

            if store is None:
                store = open_store(settings)
                self._own_store = True
            self.store = store
            skill = build_skill(settings, store, seed=seed)
        self.skill = skill
        self.serializer = DefaultSerializer()

    def send(self, envelope: dict[str, Any]) -> Exchange:
        from ask_sdk_model import RequestEnvelope

        from skill.speech import capture_said

        request = self.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
        with capture_said() as said:
            response = self.skill.invoke(request_envelope=request, context=None)
        body = self.serializer.serialize(response)
        assert isinstance(body, dict)
        return Exchange(envelope, body, [s.key for s in said])

    def close(self) -> None:
        if self._own_store:
            engine = getattr(self.store, "engine", None)
            if engine is not None:
                engine.dispose()


class HttpTransport:
    """POSTs each envelope to a running server (``kindness serve``), optionally signed like Alexa."""

    def __init__(self, url: str, *, signer: Any | None = None, timeout_s: float = 10.0) -> None:
        self.url = url
        self.signer = signer
        self.timeout_s = timeout_s

    def send(self, envelope: dict[str, Any]) -> Exchange:
        body = json.dumps(envelope, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "inner-kindness-sim"}
        if self.signer is not None:
            headers.update(self.signer.headers(body))
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                status = answer.status
                raw = answer.read()
                said_header = answer.headers.get(SAID_HEADER, "")
        except urllib.error.HTTPError as exc:
            status, raw, said_header = exc.code, exc.read(), exc.headers.get(SAID_HEADER, "")
        except (urllib.error.URLError, OSError) as exc:
            return Exchange(envelope, {}, [], 0, f"cannot reach {self.url}: {getattr(exc, 'reason', exc)}")
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return Exchange(envelope, {}, [], status, f"HTTP {status}: the answer is not JSON")
        said = [k for k in said_header.split(",") if k]
        error = (
            None
            if status == 200
            else f"HTTP {status}: {parsed.get('error', parsed) if isinstance(parsed, dict) else parsed}"
        )
        return Exchange(envelope, parsed if isinstance(parsed, dict) else {}, said, status, error)

    def close(self) -> None:
        pass
