"""`kindness bench sim`: the simulator's NLU time per utterance and its in-process turn time.

A turn is everything ``kindness sim`` does for one utterance: NLU, the request envelope, ask-sdk's
deserialisation, the skill's handlers and templates, the journal, and serialising the answer.
Target: median turn under 20 ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

from skill.config import Settings
from skill.sim.device import Device
from skill.sim.envelopes import Identity
from skill.sim.model import SLOT_REF, load_model
from skill.sim.nlu import Nlu
from skill.sim.transport import InProcessTransport

TURN_TARGET_MS = 20.0

UTTERANCES = [
    "i feel anxious",
    "um i'm feeling kind of nervous about a seven",
    "i'm grateful for my sister's phone call this morning",
    "what was i grateful for yesterday",
    "box breathing for five minutes",
    "breathing box",
    "play a ten minute metta meditation",
    "could you give me an affirmation please",
    "i want to die",
    "what's the capital of france",
    "order me a pizza",
    "yes please",
    "stop",
    "delete my jornal",
    "how have i been feeling lately",
    "i'd like a twenty minute body scan",
]
CONVERSATION = ["open inner kindness", "what can i say", "i feel anxious", "what's the weather", "main menu", "stop"]


def _filled_samples(limit: int) -> list[str]:
    model = load_model()
    out: list[str] = []
    for intent in model.intents.values():
        for sample in intent.samples:

            def fill(match: object, slots: dict[str, str] = intent.slots) -> str:
                slot_type = slots[match.group(1)]  # type: ignore[attr-defined]
                if slot_type == "AMAZON.NUMBER":
                    return "five"
                if slot_type == "AMAZON.SearchQuery":
                    return "my morning walk"
                return model.types[slot_type].values[0].name

            out.append(SLOT_REF.sub(fill, sample))
    return out[:limit]


def _stats(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "max_ms": round(ordered[-1], 3),
    }


def bench_nlu(rounds: int) -> dict[str, float]:
    nlu = Nlu(load_model())
    utterances = UTTERANCES + _filled_samples(200)
    for u in utterances:  # warm the caches once, as a running simulator would be
        nlu.parse(u)
    times = []
    for _ in range(rounds):
        for text in utterances:
            start = time.perf_counter()
            nlu.parse(text)
            times.append((time.perf_counter() - start) * 1000)
    return _stats(times)


def bench_turns(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="kindness-bench-sim-") as tmp:
        settings = Settings.from_env({"KINDNESS_DATA_DIR": tmp}).replace(user_secret="bench")
        transport = InProcessTransport(settings)
        try:
            device = Device(transport, load_model(), Identity(user="bench"))
            for line in CONVERSATION:
                device.say(line)
            times = []
            for _ in range(rounds):
                for line in CONVERSATION:
                    start = time.perf_counter()
                    device.say(line)
                    times.append((time.perf_counter() - start) * 1000)
        finally:
            transport.close()
    return _stats(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kindness bench sim", description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="times each utterance or conversation is repeated")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--out", type=Path, help="also write the JSON figures to this file")
    args = parser.parse_args(argv)
    logging.getLogger("skill").setLevel(logging.WARNING)  # request logs would time the terminal, not the skill
    logging.getLogger("alembic").setLevel(logging.WARNING)
    figures = {"nlu": bench_nlu(args.rounds), "turn": bench_turns(args.rounds), "turn_target_ms": TURN_TARGET_MS}
    figures["turn_within_target"] = figures["turn"]["median_ms"] < TURN_TARGET_MS  # type: ignore[index]
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    if args.json:
        print(json.dumps(figures))
        return 0
    print("simulator benchmark")
    for name, label in (("nlu", "NLU per utterance"), ("turn", "in-process turn")):
        row = figures[name]
        print(
            f"  {label:<20} median {row['median_ms']:7.2f} ms   p95 {row['p95_ms']:7.2f} ms"  # type: ignore[index]
            f"   max {row['max_ms']:7.2f} ms   n={row['n']}"  # type: ignore[index]
        )
    verdict = "within" if figures["turn_within_target"] else "OVER"
    print(f"  median turn is {verdict} the {TURN_TARGET_MS:.0f} ms target")
    return 0
