"""The one jinja2 Environment for SSML, and the SSML helpers everything else uses.

Wording lives in ``templates/speech/<locale or lang>/<conversation>/<key>.ssml.j2``, one file per key.
A file may hold several variants separated by a line ``{# --- #}``; one is chosen by the random
generator the caller injects (seeded per request), so tests are deterministic. Locale fallback is
``en-GB -> en -> default (en)``. Templates render SSML *fragments*; the response wraps them in
``<speak>``.

Every rendered key is recorded as a :class:`Said` in the active :func:`capture_said` block, so tests and
the simulator can assert which template key was spoken and with which data.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

DEFAULT_LANG = "en"
SUFFIX = ".ssml.j2"
VARIANT_SEPARATOR = re.compile(r"^[ \t]*\{#\s*---\s*#\}[ \t]*\n?", re.MULTILINE)

MAX_SPEECH_CHARS = 8000
MAX_BREAK_MS = 10_000
MAX_AUDIO_TAGS = 5
NAME_MEMO_SIZE = 2048
RENDER_MEMO_SIZE = 2048
VALIDATION_MEMO_SIZE = 1024
# Data values a rendered fragment may be memoised by: exactly these types (never a Markup, a str
# subclass that renders unescaped but compares equal to its str).
_MEMO_TYPES = frozenset({str, int, float, bool, type(None)})


@dataclass(frozen=True)
class Said:
    """One template key rendered for a response: what was said, by key, with which data."""

    key: str
    locale: str
    data: Mapping[str, Any]
    ssml: str
    variant: int = 0

    @property
    def text(self) -> str:
        return to_plain_text(self.ssml)


_said_log: contextvars.ContextVar[list[Said] | None] = contextvars.ContextVar("said_log", default=None)


@contextlib.contextmanager
def capture_said() -> Iterator[list[Said]]:
    """Collect every :class:`Said` rendered inside the block (per thread / context)."""
    log: list[Said] = []
    token = _said_log.set(log)
    try:
        yield log
    finally:
        _said_log.reset(token)


class _VariantLoader(jinja2.FileSystemLoader):
    """Loads ``name#i``: the i-th variant of a template file (variants split by ``{# --- #}``)."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        name, _, index = template.partition("#")
        source, filename, uptodate = super().get_source(environment, name)
        if not index:
            return source, filename, uptodate
        variants = split_variants(source)
        return variants[int(index) % len(variants)], filename, uptodate


def split_variants(source: str) -> list[str]:
    """The variants a template file holds (at least one)."""
    parts = [p for p in VARIANT_SEPARATOR.split(source) if p.strip()]
    return parts or [source]


# A locale comes from the request: only a tag shaped like "en", "en-GB" or "zh-Hant-TW" may name a folder.
_LOCALE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")


def locale_chain(locale: str | None) -> list[str]:
    """Template folders to try for a locale, most specific first: en-GB -> en -> default."""
    chain: list[str] = []
    if locale and _LOCALE_TAG.fullmatch(locale):
        chain.append(locale)
        lang = locale.split("-")[0].split("_")[0].lower()
        chain.append(lang)
    chain.append(DEFAULT_LANG)
    return list(dict.fromkeys(chain))


class Speech:
    """The one jinja2 Environment for all SSML the skill and the studio speak."""

    def __init__(self, templates_dir: Path) -> None:
        self.root = Path(templates_dir)
        self.env = jinja2.Environment(
            loader=_VariantLoader(str(self.root)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.filters["pause"] = lambda ms: jinja2.filters.Markup(pause(float(ms)))
        self.env.globals["pause"] = lambda ms: jinja2.filters.Markup(pause(float(ms)))
        self._variant_counts: dict[str, int] = {}
        # (area, locale, key) -> file found by the fallback: saves a few stat calls per rendered key.
        # Locales come from requests, so the memo is emptied when it reaches NAME_MEMO_SIZE.
        self._names: dict[tuple[str, str | None, str], str] = {}
        # (file#variant, data) -> rendered fragment, for data of plain values only: templates are pure
        # functions of their data, and many answers repeat (a pattern's cues, a welcome, a streak).
        # Emptied when it reaches RENDER_MEMO_SIZE.
        self._rendered: dict[tuple[Any, ...], str] = {}

    # ---- lookup -------------------------------------------------------------------------------
    def template_name(self, key: str, locale: str | None, area: str = "speech") -> str:
        """The template file that serves ``key`` for ``locale`` (after fallback)."""
        found = self._names.get((area, locale, key))
        if found is not None:
            return found
        for folder in locale_chain(locale):
            name = f"{area}/{folder}/{key}{SUFFIX}"
            if (self.root / name).is_file():
                if len(self._names) >= NAME_MEMO_SIZE:
                    self._names.clear()
                self._names[(area, locale, key)] = name
                return name
        raise KeyError(f"no template for key {key!r} (locale {locale!r}) under {self.root / area}")

    def variant_count(self, name: str) -> int:
        if name not in self._variant_counts:
            source = (self.root / name).read_text(encoding="utf-8")
            self._variant_counts[name] = len(split_variants(source))
        return self._variant_counts[name]

    def keys(self, area: str = "speech") -> list[str]:
        """Every key that has a template in any locale folder of ``area``."""
        base = self.root / area
        found: set[str] = set()
        for path in base.glob(f"*/**/*{SUFFIX}"):
            rel = path.relative_to(base)
            found.add(str(Path(*rel.parts[1:]))[: -len(SUFFIX)])
        return sorted(found)

    def locales(self, area: str = "speech") -> list[str]:
        return sorted(p.name for p in (self.root / area).iterdir() if p.is_dir())

    # ---- rendering ----------------------------------------------------------------------------
    def render(self, key: str, locale: str | None, rng: random.Random | None = None, **data: Any) -> Said:
        """Render one key to an SSML fragment, choosing a variant with ``rng`` (first if None)."""
        name = self.template_name(key, locale)
        count = self.variant_count(name)
        index = rng.randrange(count) if (rng is not None and count > 1) else 0
        memo_key = _memo_key(name, index, data)
        ssml = self._rendered.get(memo_key) if memo_key is not None else None
        if ssml is None:
            ssml = normalise_space(self.env.get_template(f"{name}#{index}").render(**data))
            if memo_key is not None:
                if len(self._rendered) >= RENDER_MEMO_SIZE:
                    self._rendered.clear()
                self._rendered[memo_key] = ssml
        said = Said(key=key, locale=locale or DEFAULT_LANG, data=dict(data), ssml=ssml, variant=index)
        log = _said_log.get()
        if log is not None:
            log.append(said)
        return said

    def render_file(self, name: str, **data: Any) -> str:
        """Render a whole template file by path under the templates root (e.g. a meditation script)."""
        return self.env.get_template(name).render(**data)

    def voice(self, locale: str | None, rng: random.Random | None = None) -> Voice:
        return Voice(self, locale, rng or random.Random(0))


def _memo_key(name: str, index: int, data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """A key for a rendered fragment, or None when some value is not a plain str/int/float/bool/None."""
    items = []
    for key, value in data.items():
        kind = type(value)
        if kind not in _MEMO_TYPES:
            return None
        items.append((key, kind, value))
    return (name, index, *items)


@dataclass
class Voice:
    """Speech bound to one request's locale and seeded random generator."""

    speech: Speech
    locale: str | None
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def say(self, key: str, **data: Any) -> str:
        """The SSML fragment for ``key`` rendered with ``data``."""
        return self.speech.render(key, self.locale, self.rng, **data).ssml

    def text(self, key: str, **data: Any) -> str:
        """The plain text for ``key`` (for cards and titles)."""
        return to_plain_text(self.say(key, **data))


# ---- SSML helpers -------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def normalise_space(ssml: str) -> str:
    """Collapse whitespace runs (line breaks from templates) to single spaces."""
    return _SPACE.sub(" ", ssml).strip()


def pause(ms: float) -> str:
    """``<break>`` tags that last ``ms`` milliseconds, split so none exceeds Alexa's 10 s."""
    total = max(0, int(round(ms)))
    tags = []
    while total > 0:
        step = min(total, MAX_BREAK_MS)
        tags.append(f'<break time="{step}ms"/>')
        total -= step
    return "".join(tags)


_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$", re.IGNORECASE)
_STRENGTH_MS = {"none": 0, "x-weak": 250, "weak": 500, "medium": 750, "strong": 1000, "x-strong": 1250}


def break_ms(element: ET.Element) -> int:
    """The length of a ``<break>`` element in milliseconds (``time`` or ``strength``)."""
    time = element.get("time")
    if time is not None:
        m = _TIME.match(time)
        if not m:
            raise ValueError(f"bad break time {time!r}")
        value = float(m.group(1))
        return int(round(value if m.group(2).lower() == "ms" else value * 1000))
    return _STRENGTH_MS.get(element.get("strength", "medium"), 750)


def parse_ssml(ssml: str) -> ET.Element:
    """Parse SSML (wrapping a fragment in ``<speak>``); raises ``ET.ParseError`` if malformed."""
    text = ssml.strip()
    if not text.startswith("<speak"):
        text = f"<speak>{text}</speak>"
    return ET.fromstring(text)


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1]


def _iter_text(element: ET.Element, show_pauses: bool, out: list[str]) -> None:
    tag = _local(element.tag)
    if tag == "break":
        if show_pauses:
            ms = break_ms(element)
            if ms >= 1000:
                out.append(f" [pause {ms / 1000:g}s] ")
    elif tag == "audio":
        out.append(f" [audio {element.get('src', '')}] " if show_pauses else " ")
    elif tag == "sub":
        out.append(element.get("alias", element.text or ""))
        out.append(element.tail or "")
        return
    else:
        out.append(element.text or "")
        for child in element:
            _iter_text(child, show_pauses, out)
        if tag in {"p", "s"}:
            out.append(" ")
    out.append(element.tail or "")


def to_plain_text(ssml: str, show_pauses: bool = True) -> str:
    """SSML as clean text: tags stripped, consecutive breaks of a second or more as ``[pause Ns]``."""
    try:
        root = parse_ssml(ssml)
    except ET.ParseError:
        return normalise_space(re.sub(r"<[^>]+>", " ", ssml))
    out: list[str] = []
    _iter_text(root, show_pauses, out)
    text = normalise_space("".join(out))
    # merge runs of pauses made by split breaks: "[pause 10s] [pause 4s]" -> "[pause 14s]"
    pattern = re.compile(r"\[pause ([\d.]+)s\]\s*\[pause ([\d.]+)s\]")
    while pattern.search(text):
        text = pattern.sub(lambda m: f"[pause {float(m.group(1)) + float(m.group(2)):g}s]", text)
    return re.sub(r"\s+([,.;:!?])", r"\1", text)


def total_break_ms(ssml: str) -> int:
    """Sum of every ``<break>`` in the SSML, in milliseconds."""
    return sum(break_ms(e) for e in parse_ssml(ssml).iter() if _local(e.tag) == "break")


# Alexa's SSML: tag -> allowed attributes (and allowed values where they are a closed set).
_ALLOWED: dict[str, dict[str, set[str] | None]] = {
    "speak": {},
    "p": {},
    "s": {},
    "break": {"time": None, "strength": set(_STRENGTH_MS)},
    "prosody": {"rate": None, "pitch": None, "volume": None},
    "emphasis": {"level": {"strong", "moderate", "reduced"}},
    "amazon:effect": {"name": {"whispered"}},
    "amazon:domain": {"name": {"conversational", "long-form", "news", "music", "fun"}},
    "amazon:emotion": {"name": {"excited", "disappointed"}, "intensity": {"low", "medium", "high"}},
    "say-as": {"interpret-as": None, "format": None},
    "sub": {"alias": None},
    "lang": {"xml:lang": None},
    "audio": {"src": None},
    "phoneme": {"alphabet": {"ipa", "x-sampa"}, "ph": None},
    "w": {"role": None},
    "voice": {"name": None},
}
_RATE_WORDS = {"x-slow", "slow", "medium", "fast", "x-fast"}
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"


def _ssml_tag_name(tag: str) -> str:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return f"amazon:{local}" if "amazon" in uri else local
    return tag


def _prepare_for_parse(ssml: str) -> str:
    text = ssml.strip()
    if not text.startswith("<speak"):
        text = f"<speak>{text}</speak>"
    if "amazon:" in text and "xmlns:amazon" not in text:
        text = text.replace("<speak", '<speak xmlns:amazon="https://developer.amazon.com/ssml"', 1)
    return text


def validate_ssml(ssml: str) -> list[str]:
    """Problems that would make Alexa reject or mis-speak this SSML; an empty list means valid."""
    return list(_validate_memo(ssml))


@functools.lru_cache(maxsize=VALIDATION_MEMO_SIZE)  # answers repeat: check each distinct SSML once
def _validate_memo(ssml: str) -> tuple[str, ...]:
    return tuple(_validate(ssml))


def _validate(ssml: str) -> list[str]:
    problems: list[str] = []
    text = _prepare_for_parse(ssml)
    if len(ssml) > MAX_SPEECH_CHARS:
        problems.append(f"speech is {len(ssml)} characters (limit {MAX_SPEECH_CHARS})")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return problems + [f"not well-formed XML: {exc}"]
    audio_tags = 0
    for element in root.iter():
        name = _ssml_tag_name(element.tag)
        allowed = _ALLOWED.get(name)
        if allowed is None:
            problems.append(f"unknown tag <{name}>")
            continue
        for raw_attr, value in element.attrib.items():
            attr = raw_attr.replace(_XML_NS, "xml:")
            if attr not in allowed:
                problems.append(f"<{name}> has unknown attribute {attr!r}")
                continue
            values = allowed[attr]
            if values is not None and value not in values:
                problems.append(f"<{name} {attr}={value!r}> is not an allowed value")
        if name == "break":
            try:
                ms = break_ms(element)
            except ValueError as exc:
                problems.append(str(exc))
            else:
                if ms > MAX_BREAK_MS:
                    problems.append(f"break of {ms} ms is over {MAX_BREAK_MS} ms")
        elif name == "prosody":
            rate = element.get("rate")
            if rate is not None and rate not in _RATE_WORDS:
                m = re.fullmatch(r"(\d+(?:\.\d+)?)%", rate)
                if not m or float(m.group(1)) < 20:
                    problems.append(f"prosody rate {rate!r} is not x-slow..x-fast or a percentage >= 20%")
        elif name == "audio":
            audio_tags += 1
            if not element.get("src", "").startswith("https://"):
                problems.append(f"audio src {element.get('src')!r} is not HTTPS")
    if audio_tags > MAX_AUDIO_TAGS:
        problems.append(f"{audio_tags} <audio> tags (limit {MAX_AUDIO_TAGS})")
    return problems
