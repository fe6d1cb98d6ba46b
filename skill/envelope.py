"""A fast reader for Alexa request envelopes (the same ask_sdk_model objects as the SDK's serializer),
and a fast writer for the skill's responses (the same JSON-ready values as the SDK's serializer).

ask-sdk-core's ``DefaultSerializer`` works a model out from its type strings on every request (regular
expressions, class look-ups by name, ``dateutil`` for every timestamp) and needs the body as text again.
:class:`EnvelopeReader` follows the very same rules (the model classes' ``deserialized_types``,
``attribute_map`` and discriminators; unknown keys set as attributes; values typed ``object`` kept as
they are) from a plan made once per class, and reads the timestamps Alexa sends
(``2026-11-22T04:28:00Z``, with or without fractions of a second) without dateutil, giving the same
``datetime`` (dateutil gives ``tzlocal()`` when the machine's zone is named UTC, else ``tzutc()``).

It answers only what it is sure of. For a request type the skill does not handle, a value of another
JSON type than its field's, an enum value it does not know, a timestamp in another shape, nesting
deeper than :data:`MAX_DEPTH`, or anything else unexpected, it hands the whole payload to the SDK's
serializer, which gives its own result or raises as it always did (the endpoint answers 400).
"""

from __future__ import annotations

import decimal
import json
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from dateutil.tz import tzlocal, tzutc

# The request types the skill's handlers answer (and CanFulfillIntentRequest is not among them).
FAST_REQUEST_TYPES = frozenset(
    {
        "LaunchRequest",
        "IntentRequest",
        "SessionEndedRequest",
        "System.ExceptionEncountered",
        "AlexaSkillEvent.SkillDisabled",
        "AudioPlayer.PlaybackStarted",
        "AudioPlayer.PlaybackNearlyFinished",
        "AudioPlayer.PlaybackFinished",
        "AudioPlayer.PlaybackStopped",
        "AudioPlayer.PlaybackFailed",
        "PlaybackController.PlayCommandIssued",
        "PlaybackController.PauseCommandIssued",
        "PlaybackController.NextCommandIssued",
        "PlaybackController.PreviousCommandIssued",
    }
)
# Values kept as they are (typed ``object``, or keys the model does not know) are copied, as the
# SDK's text round trip does; deeper than this, the SDK reads the whole payload.
MAX_DEPTH = 32

_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z")
_UTC = tzutc()
_LOCAL: dict[tuple[str, ...], tzlocal] = {}  # the local zone, by time.tzname (it changes only with TZ)
_LIST = re.compile(r"list\[(.*)\]")
_DICT = re.compile(r"dict\(([^,]*), (.*)\)")

Convert = Callable[[Any, int], Any]


class _Unsure(Exception):
    """The fast reader does not know for certain what the SDK would make of this: ask the SDK."""


def _copy(value: Any, depth: int) -> Any:
    """A fresh copy of a JSON value (dicts and lists; strings and numbers are immutable)."""
    if depth > MAX_DEPTH:
        raise _Unsure("nested too deeply")
    kind = type(value)
    if kind is dict:
        return {k: _copy(v, depth + 1) for k, v in value.items()}
    if kind is list:
        return [_copy(v, depth + 1) for v in value]
    return value


def parse_timestamp(value: str) -> datetime:
    """An Alexa timestamp (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``) as dateutil's ``parse`` reads it."""
    m = _TIMESTAMP.fullmatch(value)
    if m is None:
        raise _Unsure("timestamp shape")
    year, month, day, hour, minute, second, fraction = m.groups()
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
    except ValueError as exc:
        raise _Unsure("not a valid time") from exc
    # dateutil reads "Z" as the zone "UTC": the local zone when the machine's zone is called that
    names = time.tzname
    if "UTC" not in names:
        return naive.replace(tzinfo=_UTC)
    local = _LOCAL.get(names)
    if local is None:
        local = _LOCAL.setdefault(names, tzlocal())
    aware = naive.replace(tzinfo=local)
    if aware.tzname() != "UTC":
        raise _Unsure("a local zone called UTC only part of the year")
    return aware


class EnvelopeReader:
    """``read(payload)`` -> ``RequestEnvelope`` for a JSON object already parsed from the body."""

    def __init__(self, serializer: DefaultSerializer | None = None) -> None:
        self.serializer = serializer or DefaultSerializer()
        self._converters: dict[str, Convert] = {}
        self._classes: dict[str, type] = {}
        self._plans: dict[type, tuple[tuple[tuple[str, str, Convert], ...], frozenset[str]]] = {}
        self._model = self._model_converter(RequestEnvelope)

    def read(self, payload: dict[str, Any]) -> RequestEnvelope:
        """The envelope the SDK's serializer would make of ``payload`` (it raises where the SDK raises)."""
        request = payload.get("request")
        if isinstance(request, dict) and request.get("type") in FAST_REQUEST_TYPES:
            try:
                envelope = self._model(payload, 0)
            except Exception:  # _Unsure, or anything unexpected: the SDK decides
                pass
            else:
                assert isinstance(envelope, RequestEnvelope)
                return envelope
        return self.sdk_read(payload)

    def sdk_read(self, payload: dict[str, Any]) -> RequestEnvelope:
        """The SDK's own way: the payload as text again, through ``DefaultSerializer``."""
        envelope = self.serializer.deserialize(json.dumps(payload), RequestEnvelope)
        return envelope

    # ---- plans ----------------------------------------------------------------------------------
    def _converter(self, type_name: Any) -> Convert:
        """A function (value, depth) -> value for one of the SDK's type strings (or a class)."""
        key = type_name if isinstance(type_name, str) else f"{type_name.__module__}.{type_name.__qualname__}"
        found = self._converters.get(key)
        if found is None:
            found = self._make_converter(type_name)
            self._converters[key] = found
        return found

    def _make_converter(self, type_name: Any) -> Convert:
        if isinstance(type_name, str):
            if type_name.startswith("list["):
                m = _LIST.match(type_name)
                if m is None or "," in m.group(1):
                    return _always_unsure
                return self._container_converter(list, m.group(1).strip())
            if type_name.startswith("dict("):
                m = _DICT.match(type_name)
                if m is None:
                    return _always_unsure
                return self._container_converter(dict, m.group(2))
            native = DefaultSerializer.NATIVE_TYPES_MAPPING.get(type_name)
            cls: Any = native if native is not None else self._load_class(type_name)
        else:
            cls = type_name
        if cls in DefaultSerializer.PRIMITIVE_TYPES:
            return _primitive_converter(cls)
        if cls is object:
            return _object_value
        if cls is datetime:
            return _datetime_value
        if cls is date:
            return _always_unsure
        if isinstance(cls, type) and issubclass(cls, Enum):
            return _enum_converter(cls)
        if hasattr(cls, "deserialized_types"):
            return self._model_converter(cls)
        return _object_value  # the SDK hands back the payload itself

    def _load_class(self, name: str) -> type:
        cls = self._classes.get(name)
        if cls is None:
            module_name, _, class_name = name.rpartition(".")
            if not module_name:
                raise _Unsure(f"class name without a module: {name}")
            module = __import__(module_name, fromlist=[class_name])
            cls = getattr(module, class_name)
            self._classes[name] = cls
        return cls

    def _container_converter(self, container: type[Any], item_type: str) -> Convert:
        """A list or dict whose items are all of ``item_type`` (the item converter is made on first use)."""
        item: Convert | None = None

        def convert(value: Any, depth: int) -> Any:
            nonlocal item
            if value is None:
                return None
            if type(value) is not container or depth > MAX_DEPTH:
                raise _Unsure(f"not a {container.__name__}")
            if item is None:
                item = self._converter(item_type)
            if container is list:
                return [item(v, depth + 1) for v in value]
            return {k: item(v, depth + 1) for k, v in value.items()}

        return convert

    def _plan(self, cls: type) -> tuple[tuple[tuple[str, str, Convert], ...], frozenset[str]]:
        """(attribute, payload key, converter) in the SDK's order, and the payload keys the model maps."""
        plan = self._plans.get(cls)
        if plan is None:
            types: dict[str, Any] = cls.deserialized_types  # type: ignore[attr-defined]
            mapping = dict(getattr(cls, "attribute_map", {}))
            mapping.update({k: k for k in types if k not in mapping})
            fields = tuple((attr, key, self._converter(types[attr])) for attr, key in mapping.items())
            plan = (fields, frozenset(mapping.values()))
            self._plans[cls] = plan
        return plan

    def _model_converter(self, base: type) -> Convert:
        discriminated = hasattr(base, "get_real_child_model")

        def convert(value: Any, depth: int) -> Any:
            if value is None:
                return None
            if type(value) is not dict or depth > MAX_DEPTH:
                raise _Unsure("not an object")
            cls = base
            if discriminated:
                name = base.get_real_child_model(value)  # type: ignore[attr-defined]
                if not name:
                    raise _Unsure("no model for this discriminator")
                cls = self._load_class(name)
            fields, mapped = self._plan(cls)
            model = cls()
            for attr, key, field_converter in fields:
                if key in value:
                    setattr(model, attr, field_converter(value[key], depth + 1))
            for key in value:
                if key not in mapped:
                    setattr(model, key, _copy(value[key], depth + 1))
            return model

        return convert


def _always_unsure(value: Any, depth: int) -> Any:
    if value is None:
        return None
    raise _Unsure("a type string the fast reader leaves to the SDK")


def _object_value(value: Any, depth: int) -> Any:
    return _copy(value, depth)


def _datetime_value(value: Any, depth: int) -> Any:
    if value is None:
        return None
    if type(value) is not str:
        raise _Unsure("a timestamp that is not text")
    return parse_timestamp(value)


def _primitive_converter(cls: type) -> Convert:
    if cls is float:  # JSON writes 1280.0 as 1280: float(1280), as the SDK casts it
        return _float_value

    def convert(value: Any, depth: int) -> Any:
        if value is None or type(value) is cls:
            return value
        raise _Unsure(f"not a {cls.__name__}")  # the SDK casts (bool("no") is True): leave it to the SDK

    return convert


def _float_value(value: Any, depth: int) -> Any:
    kind = type(value)
    if value is None or kind is float:
        return value
    if kind is int:
        return float(value)  # OverflowError for a huge number: the SDK fails on it too
    raise _Unsure("not a number")


def _enum_converter(cls: type[Enum]) -> Convert:
    members = dict(cls._value2member_map_)

    def convert(value: Any, depth: int) -> Any:
        if value is None:
            return None
        member = members.get(value) if type(value) is str else None
        if member is None:
            raise _Unsure("not a known enum value")
        return member

    return convert


# ---- the other way: response objects to JSON-ready values ------------------------------------------

_K_NONE, _K_PRIMITIVE, _K_LIST, _K_TUPLE, _K_DATE, _K_ENUM, _K_OTHER = range(7)


class ResponseWriter:
    """``serialize(obj)``: what ``DefaultSerializer.serialize`` returns, with its type tests made once
    per type and each model class's (attribute, key) pairs worked out once. Anything unexpected (a
    Decimal, an object without ``deserialized_types``, an error) is left to the SDK's serializer."""

    def __init__(self, serializer: DefaultSerializer | None = None) -> None:
        self.serializer = serializer or DefaultSerializer()
        self._kinds: dict[type, int] = {type(None): _K_NONE}
        self._plans: dict[type, tuple[tuple[str, str], ...]] = {}

    def serialize(self, obj: Any) -> Any:
        try:
            return self._value(obj)
        except Exception:  # _Unsure, or anything else: the SDK decides (and raises as it would)
            return self.serializer.serialize(obj)

    def _kind(self, cls: type) -> int:
        # the SDK's order of isinstance tests, once per type
        if issubclass(cls, DefaultSerializer.PRIMITIVE_TYPES):
            kind = _K_PRIMITIVE
        elif issubclass(cls, list):
            kind = _K_LIST
        elif issubclass(cls, tuple):
            kind = _K_TUPLE
        elif issubclass(cls, date):  # datetime too
            kind = _K_DATE
        elif issubclass(cls, Enum):
            kind = _K_ENUM
        else:
            kind = _K_OTHER  # Decimal, dict, a model or anything else: see _value
        self._kinds[cls] = kind
        return kind

    def _plan(self, cls: type) -> tuple[tuple[str, str], ...]:
        plan = self._plans.get(cls)
        if plan is None:
            types = cls.deserialized_types  # type: ignore[attr-defined]
            mapping = getattr(cls, "attribute_map", {})
            plan = tuple((attr, mapping.get(attr, attr)) for attr in types)
            self._plans[cls] = plan
        return plan

    def _value(self, obj: Any) -> Any:
        cls = type(obj)
        kind = self._kinds.get(cls)
        if kind is None:
            kind = self._kind(cls)
        if kind == _K_NONE:
            return None
        if kind == _K_PRIMITIVE:
            return obj
        if kind == _K_LIST:
            return [self._value(v) for v in obj]
        if kind == _K_TUPLE:
            return tuple(self._value(v) for v in obj)
        if kind == _K_DATE:
            return obj.isoformat()
        if kind == _K_ENUM:
            return obj.value
        if isinstance(obj, dict):
            return {k: self._value(v) for k, v in obj.items()}
        if isinstance(obj, decimal.Decimal) or not hasattr(cls, "deserialized_types"):
            raise _Unsure("not a model")
        out: dict[str, Any] = {}
        for attr, key in self._plan(cls):
            value = getattr(obj, attr)
            if value is not None:
                out[key] = value
        return {k: self._value(v) for k, v in out.items()}
