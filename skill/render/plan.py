"""What the library holds: every meditation at every length, breathing sessions, and the speaker clip.

A :class:`Job` is one output file with everything needed to lay it out once its sentences are spoken.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skill.catalogue import load_catalogue, script_name, strip_metadata
from skill.library import breathing_file, captions_for, clip_file, meditation_file
from skill.practices.breathing import PATTERNS, Pattern, beat_times
from skill.render.timeline import (
    Bell,
    BellTiming,
    Item,
    Layout,
    Placed,
    ScriptError,
    Speech,
    layout_sequence,
    layout_to_length,
    parse_script,
)
from skill.speech import Speech as SpeechTemplates

# breathing sessions rendered per pattern (minutes of paced breathing); 4-7-8 stays within the
# four rounds recommended for beginners, which fit in one minute
BREATHING_LENGTHS: dict[str, tuple[int, ...]] = {
    "box": (2, 5, 10),
    "4-7-8": (1,),
    "coherent": (2, 5, 10),
    "cyclic-sigh": (2, 5, 10),
}
CLIP_ID = "self-compassion-break"
CLIP_MINUTES = 3
CUE_MARGIN_MS = 150  # a cue must end at least this long before the next beat
GRID_LEAD_MS = 2500  # from the end of the introduction to the first beat
CLOSING_LEAD_MS = 1000


@dataclass(frozen=True)
class Job:
    """One output file of the library."""

    kind: str  # "meditation" | "breathing" | "clip"
    id: str
    length_min: int
    title: str
    description: str
    theme: str
    profile: str  # "longform" | "clip"
    file: str
    items: tuple[Item, ...] = ()  # a meditation's script
    pattern: str = ""  # breathing: the pattern id
    rounds: int = 0
    intro: tuple[Item, ...] = ()
    cues: tuple[tuple[str, Speech], ...] = ()  # breathing: phase cue -> its spoken cue
    closing: tuple[Item, ...] = ()

    @property
    def captions(self) -> str:
        return captions_for(self.file)

    @property
    def target_ms(self) -> int:
        return self.length_min * 60_000

    def speech(self) -> list[Speech]:
        """Every sentence this file speaks (duplicates removed, order kept)."""
        found: dict[Speech, None] = {}
        for item in (*self.items, *self.intro, *(s for _, s in self.cues), *self.closing):
            if isinstance(item, Speech):
                found[item] = None
        return list(found)

    def estimate_seconds(self) -> float:
        if self.kind == "breathing":
            return PATTERNS[self.pattern].round_seconds * self.rounds + 40
        return self.length_min * 60.0

    def layout(self, durations: dict[Speech, int]) -> Layout:
        if self.kind == "breathing":
            return breathing_layout(self, durations)
        return layout_to_length(list(self.items), durations, self.target_ms)


def breathing_layout(job: Job, durations: dict[Speech, int], bells: BellTiming | None = None) -> Layout:
    """Opening bell, introduction, the cues on the pattern's exact grid, closing words, closing bell."""
    bells = bells or BellTiming()
    pattern: Pattern = PATTERNS[job.pattern]
    events: list[Placed] = [Placed(0, Bell("open"), bells.ring_ms)]
    intro, t = layout_sequence(list(job.intro), durations, bells.open_hold_ms)
    events += intro
    grid_start = t + GRID_LEAD_MS
    cue_for = dict(job.cues)
    for beat_s, phase in beat_times(pattern, job.rounds, start=grid_start / 1000):
        cue = cue_for[phase.cue]
        if durations[cue] > phase.seconds * 1000 - CUE_MARGIN_MS:
            raise ScriptError(
                f"the cue {cue.text!r} lasts {durations[cue]} ms: too long for a {phase.seconds:g} s phase"
            )
        events.append(Placed(int(round(beat_s * 1000)), cue, durations[cue]))
    grid_end = grid_start + int(round(pattern.round_seconds * job.rounds * 1000))
    closing, t = layout_sequence(list(job.closing), durations, grid_end + CLOSING_LEAD_MS)
    events += closing
    t += bells.close_lead_ms
    events.append(Placed(t, Bell("close"), bells.ring_ms))
    return Layout(tuple(events), t + bells.ring_ms)


def _say(templates: SpeechTemplates, key: str, **data: object) -> str:
    return templates.render(f"breathing_audio/{key}", "en", None, **data).ssml


def plan(templates_dir: Path) -> list[Job]:
    """Every file of the full library, in a stable order."""
    templates = SpeechTemplates(templates_dir)
    jobs: list[Job] = []
    for meditation in load_catalogue(templates_dir).values():
        source = (Path(templates_dir) / script_name(meditation.id)).read_text(encoding="utf-8")
        try:
            ssml = templates.env.from_string(strip_metadata(source)).render()
            items = tuple(parse_script(ssml))
        except ScriptError as exc:
            raise ScriptError(f"{script_name(meditation.id)}: {exc}") from exc
        for minutes in meditation.lengths:
            jobs.append(
                Job(
                    "meditation",
                    meditation.id,
                    minutes,
                    title=meditation.title,
                    description=meditation.description,
                    theme=meditation.theme,
                    profile="longform",
                    file=meditation_file(meditation.id, minutes),
                    items=items,
                )
            )
        if meditation.id == CLIP_ID:
            jobs.append(
                Job(
                    "clip",
                    CLIP_ID,
                    CLIP_MINUTES,
                    title=meditation.title,
                    description=meditation.description,
                    theme=meditation.theme,
                    profile="clip",
                    file=clip_file(CLIP_ID),
                    items=items,
                )
            )
    for pattern_id, lengths in BREATHING_LENGTHS.items():
        pattern = PATTERNS[pattern_id]
        cue_items = {}
        for phase in pattern.phases:
            spoken = [i for i in parse_script(_say(templates, phase.cue)) if isinstance(i, Speech)]
            cue_items[phase.cue] = spoken[0]
        for minutes in lengths:
            jobs.append(
                Job(
                    "breathing",
                    pattern_id,
                    minutes,
                    title=_say(templates, "title", pattern=pattern_id),
                    description=_say(templates, "description", pattern=pattern_id),
                    theme="breath",
                    profile="longform",
                    file=breathing_file(pattern_id, minutes),
                    pattern=pattern_id,
                    rounds=pattern.clamp_rounds(pattern.rounds_for_minutes(minutes)),
                    intro=tuple(parse_script(_say(templates, "intro", pattern=pattern_id))),
                    cues=tuple(cue_items.items()),
                    closing=tuple(parse_script(_say(templates, "closing", pattern=pattern_id))),
                )
            )
    return jobs


def select(jobs: list[Job], only: str | None = None, length: int | None = None) -> list[Job]:
    """The jobs for one id (any kind) and/or one length."""
    chosen = [j for j in jobs if (only is None or j.id == only) and (length is None or j.length_min == length)]
    if only is not None and not any(j.id == only for j in jobs):
        known = sorted({j.id for j in jobs})
        raise ScriptError(f"nothing in the library is called {only!r}; choose from {', '.join(known)}")
    return chosen
