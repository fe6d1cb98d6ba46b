"""The meditation catalogue: what each script in ``templates/meditations/`` offers.

Each script ``<id>.ssml.j2`` opens with a jinja comment holding YAML metadata, so it is never spoken::

    {#---
    title: Loving-kindness
    description: Wish yourself and others well, one circle at a time.
    theme: kindness
    lengths: [3, 5, 10, 20]
    ---#}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SCRIPT_SUFFIX = ".ssml.j2"
METADATA = re.compile(r"\A\s*\{#---\s*\n(?P<yaml>.*?)\n---#\}", re.DOTALL)
REQUIRED = ("title", "description", "theme", "lengths")


class CatalogueError(ValueError):
    """A meditation script whose metadata is missing or malformed (the message names the file)."""


@dataclass(frozen=True)
class Meditation:
    """One meditation the library offers, at each of ``lengths`` minutes."""

    id: str
    title: str
    description: str
    theme: str
    lengths: tuple[int, ...]


def meditations_dir(templates_dir: Path) -> Path:
    return Path(templates_dir) / "meditations"


def script_name(meditation_id: str) -> str:
    """The script's template name under the templates root (for :meth:`Speech.render_file`)."""
    return f"meditations/{meditation_id}{SCRIPT_SUFFIX}"


def parse_metadata(source: str, origin: str) -> dict[str, object]:
    """The YAML metadata block at the top of a script's source."""
    match = METADATA.match(source)
    if not match:
        raise CatalogueError(f"{origin}: no metadata block (a leading '{{#---' ... '---#}}' comment)")
    try:
        data = yaml.safe_load(match.group("yaml"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{origin}: metadata is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{origin}: metadata must be a mapping")
    return data


def strip_metadata(source: str) -> str:
    """The script body without its metadata block."""
    return METADATA.sub("", source, count=1)


def meditation_from_source(meditation_id: str, source: str, origin: str = "") -> Meditation:
    origin = origin or meditation_id
    data = parse_metadata(source, origin)
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise CatalogueError(f"{origin}: metadata lacks {', '.join(missing)}")
    lengths = data["lengths"]
    if (
        not isinstance(lengths, list)
        or not lengths
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in lengths)
    ):
        raise CatalogueError(f"{origin}: lengths must be a non-empty list of whole minutes")
    for key in ("title", "description", "theme"):
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(f"{origin}: {key} must be non-empty text")
    return Meditation(
        id=meditation_id,
        title=str(data["title"]).strip(),
        description=str(data["description"]).strip(),
        theme=str(data["theme"]).strip(),
        lengths=tuple(sorted(set(lengths))),
    )


def load_catalogue(templates_dir: Path) -> dict[str, Meditation]:
    """Every meditation under ``templates_dir/meditations``, by id, in id order."""
    folder = meditations_dir(templates_dir)
    catalogue: dict[str, Meditation] = {}
    for path in sorted(folder.glob(f"*{SCRIPT_SUFFIX}")):
        meditation_id = path.name[: -len(SCRIPT_SUFFIX)]
        catalogue[meditation_id] = meditation_from_source(
            meditation_id, path.read_text(encoding="utf-8"), origin=str(path)
        )
    return catalogue
