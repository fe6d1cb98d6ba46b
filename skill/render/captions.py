"""Stage 6: WebVTT captions from the real timings of each spoken sentence."""

from __future__ import annotations

from skill.render.timeline import Layout, Speech


def timestamp(ms: int) -> str:
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def cues(layout: Layout) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) for every spoken sentence, in order."""
    return [(e.start_ms, e.start_ms + e.duration_ms, e.item.text) for e in layout.events if isinstance(e.item, Speech)]


def webvtt(layout: Layout, title: str = "") -> str:
    lines = ["WEBVTT" + (f" - {title}" if title else ""), ""]
    for index, (start, end, text) in enumerate(cues(layout), 1):
        lines += [str(index), f"{timestamp(start)} --> {timestamp(end)}", text.replace("-->", "->"), ""]
    return "\n".join(lines)


def parse_webvtt(text: str) -> list[tuple[int, int, str]]:
    """Cues back from WebVTT text (for tests and tools)."""

    def ms(stamp: str) -> int:
        h, m, s = stamp.split(":")
        sec, milli = s.split(".")
        return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000 + int(milli)

    out: list[tuple[int, int, str]] = []
    blocks = text.strip().split("\n\n")
    for block in blocks[1:]:
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if "-->" in line:
                start, end = (part.strip().split(" ")[0] for part in line.split("-->"))
                out.append((ms(start), ms(end), " ".join(lines[i + 1 :])))
                break
    return out
