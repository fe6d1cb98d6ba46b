"""Natural-language understanding from the skill's own interaction model.

Every sample becomes a matcher: a sequence of literal words and slots. An utterance is aligned with each
candidate sample (dynamic programming over words): literal words match exactly or with a small typo;
words the sample lacks are skipped at a cost (filler words cost little); words the sample has but the
utterance lacks cost too; slots take a span of words that fits their type. A second, order-free pass
forgives word order. The best alignment gives the intent, the slots and a score in 0..1; below
:data:`THRESHOLD` the answer is AMAZON.FallbackIntent, as on a speaker.

Custom slot types resolve through their values and synonyms into Alexa's ``resolutions`` structure
(ER_SUCCESS_MATCH / ER_SUCCESS_NO_MATCH); AMAZON.NUMBER takes words or digits; AMAZON.DURATION becomes
ISO 8601; AMAZON.SearchQuery keeps the person's own words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from skill.sim.model import SLOT_REF, InteractionModel
from skill.sim.text import Speller, Tokens, normalise, parse_duration, parse_number, tokenize

THRESHOLD = 0.55
FALLBACK = "AMAZON.FallbackIntent"
INF = math.inf

# The built-in intents' usual phrasings (Alexa's own model knows them; samples in the model add to these).
BUILTIN_SAMPLES: dict[str, tuple[str, ...]] = {
    "AMAZON.HelpIntent": ("help", "help me", "what can i say", "how do i use this", "i need help with this skill"),
    "AMAZON.StopIntent": ("stop", "quit", "exit", "bye", "bye bye", "good bye", "shut up", "be quiet", "stop it"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it", "cancel that", "nevermind"),
    "AMAZON.YesIntent": (
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "yes please",
        "sounds good",
        "of course",
        "go ahead",
        "let us do it",
        "why not",
        "alright",
        "absolutely",
        "definitely",
        "please",
    ),
    "AMAZON.NoIntent": (
        *("no", "nope", "nah", "no thanks", "not really", "no way", "i do not think so", "no not now"),
        *("no i am alright", "no i am fine", "no i am okay"),
    ),
    "AMAZON.NavigateHomeIntent": ("go home", "home", "main menu", "go to the start", "back to the main menu"),
    "AMAZON.RepeatIntent": (
        "repeat",
        "repeat that",
        "say that again",
        "again",
        "what did you say",
        "pardon",
        "come again",
        "can you repeat that",
        "say that one more time",
    ),
    "AMAZON.StartOverIntent": (
        "start over",
        "restart",
        "start again",
        "begin again",
        "from the beginning",
        "start from the beginning",
    ),
    "AMAZON.PauseIntent": ("pause", "pause it", "pause that", "hold on", "wait", "pause the meditation"),
    "AMAZON.ResumeIntent": ("resume", "continue", "unpause", "carry on", "keep going", "play again"),
    "AMAZON.NextIntent": ("next", "skip", "next one", "skip this", "skip ahead", "play the next one"),
    "AMAZON.PreviousIntent": ("previous", "go back", "back", "previous one", "last one", "play the previous one"),
    "AMAZON.LoopOnIntent": ("loop on", "loop", "turn on loop", "loop this", "keep repeating this"),
    "AMAZON.LoopOffIntent": ("loop off", "turn off loop", "stop looping", "no more looping"),
    "AMAZON.ShuffleOnIntent": ("shuffle", "shuffle on", "turn on shuffle", "mix it up"),
    "AMAZON.ShuffleOffIntent": ("shuffle off", "turn off shuffle", "stop shuffling", "no shuffle"),
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words a person adds without changing what they ask: cheap to skip.
FILLERS = _words(
    """um umm uh uhh er erm hmm ah oh hey hi hello alexa please just like so well actually really maybe now
    basically honestly kind sort pretty quite very bit little you know mean think guess right okay ok then also
    today again some yeah sure yes try"""
)
# Small words that carry grammar more than meaning: cheaper to skip than content words.
FUNCTION_WORDS = _words(
    """i me my a an the to and of for it is that this can could would will with in on at we us let do did
    am are was were be been have has had so"""
)
# Words of a sample that may go unsaid at a small cost.
SOFT_LITERALS = _words(
    """a an the my some me to of for please let us i you can could would am is are was have been it that this"""
)
# Polite openings stripped for a second try ("could you give me an affirmation").
PREAMBLES = tuple(
    tuple(p.split())
    for p in (
        "i would like you to",
        "i want you to",
        "i need you to",
        "can you please",
        "could you please",
        "would you please",
        "can you",
        "could you",
        "would you",
        "will you",
        "i would like to",
        "i want to",
        "i need to",
        "i could use",
        "i would love",
        "can i",
        "could i",
        "may i",
        "please",
    )
)
PREAMBLE_PENALTY = 0.03
INSERT_FILLER = 0.15
INSERT_FUNCTION = 0.4
INSERT_WORD = 1.0
DELETE_SOFT = 0.35
DELETE_WORD = 0.9
DELETE_SLOT = 1.0
TYPO_PER_EDIT = 0.3
ORDER_PENALTY = 0.5
SLOT_NO_MATCH = 1.0
MAX_NO_MATCH_WORDS = 2
MAX_ANSWER_WORDS = 4  # an unknown value said alone, as the answer to a question about that slot
FREE_SLOT_LOST_WORD = 1.0
STEM_EDITS = 1
MAX_SPAN = {"AMAZON.NUMBER": 5, "AMAZON.DURATION": 7}
MAX_CUSTOM_SPAN = 6
CANDIDATES = 60
EXACT = 0.97  # a score this high is the sample itself (free text costs a hair)
REORDER_CANDIDATES = 12
REORDER_BELOW = 0.8


@dataclass(frozen=True)
class Slot:
    name: str
    type: str


@dataclass(frozen=True)
class Matcher:
    """One sample compiled: its intent, its elements (literal words and slots) and their literal words."""

    intent: str
    sample: str
    elements: tuple[str | Slot, ...]
    literals: frozenset[str]

    @property
    def weight(self) -> int:
        return len(self.elements)

    @property
    def literal_count(self) -> int:
        return sum(1 for e in self.elements if isinstance(e, str))


@dataclass
class SlotFill:
    """A filled slot: the words heard, its type, and (custom types) the resolution."""

    name: str
    type: str
    value: str
    resolved_id: str | None = None
    resolved_name: str | None = None
    custom: bool = False
    corrected: bool = False

    @property
    def status(self) -> str | None:
        if not self.custom:
            return None
        return "ER_SUCCESS_MATCH" if self.resolved_id is not None else "ER_SUCCESS_NO_MATCH"


@dataclass
class Parse:
    """What the NLU made of an utterance."""

    utterance: str
    intent: str
    slots: dict[str, SlotFill]
    score: float
    sample: str | None = None
    notes: list[str] = field(default_factory=list)
    slot_types: dict[str, str] = field(default_factory=dict)

    def explain(self) -> str:
        fills = ", ".join(
            f"{s.name}={s.value!r}" + (f" -> {s.resolved_id} ({s.status})" if s.custom else "")
            for s in self.slots.values()
        )
        head = f"{self.intent} (score {self.score:.2f})"
        if self.sample is not None:
            head += f" from sample {self.sample!r}"
        parts = [head] + ([f"slots: {fills}"] if fills else []) + self.notes
        return "; ".join(parts)


@dataclass
class _Utterance:
    tokens: Tokens
    corrections: list[dict[str, int]]  # per word: vocabulary word -> edits
    span_cache: dict[tuple[str, int, int], tuple[float, SlotFill | None]] = field(default_factory=dict)


def stem(word: str) -> str:
    """A crude stem so "ending" meets "end", "streaks" "streak" and "encouraging" "encourage"."""
    base = word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if len(base) > 3 and base[-1] == base[-2]:
                base = base[:-1]
            break
    return base[:-1] if len(base) > 3 and base.endswith("e") else base


def _authority(skill_id: str, type_name: str) -> str:
    return f"amzn1.er-authority.echo-sdk.{skill_id}.{type_name}"


class Nlu:
    """Resolves utterances against one locale's interaction model."""

    def __init__(self, model: InteractionModel, threshold: float = THRESHOLD) -> None:
        self.model = model
        self.threshold = threshold
        self.matchers: list[Matcher] = []
        for intent in model.intents.values():
            samples = list(intent.samples) + list(BUILTIN_SAMPLES.get(intent.name, ()))
            for sample in dict.fromkeys(samples):
                self.matchers.append(self._compile(intent.name, sample, intent.slots))
        # custom slot types: normalised phrase -> (id, name)
        self.values: dict[str, dict[tuple[str, ...], tuple[str, str]]] = {}
        for type_name, slot_type in model.types.items():
            table: dict[tuple[str, ...], tuple[str, str]] = {}
            for value in slot_type.values:
                for phrase in (value.name, *value.synonyms):
                    table.setdefault(normalise(phrase), (value.id, value.name))
            self.values[type_name] = table
        vocabulary = {w for m in self.matchers for w in m.literals}
        vocabulary |= {w for table in self.values.values() for phrase in table for w in phrase}
        vocabulary |= {w for w in (["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])}
        self.vocabulary = vocabulary
        self.speller = Speller(vocabulary)
        self.stems: dict[str, set[str]] = {}
        for word in vocabulary:
            self.stems.setdefault(stem(word), set()).add(word)
        self.slot_types = {i.name: dict(i.slots) for i in model.intents.values()}
        # answers to a slot the skill asks for: the intent's samples that hold the slot, and its slot samples
        self.answers: dict[tuple[str, str], list[Matcher]] = {}
        for intent in model.intents.values():
            for slot_name in intent.slots:
                own = [
                    m
                    for m in self.matchers
                    if m.intent == intent.name and Slot(slot_name, intent.slots[slot_name]) in m.elements
                ]
                extra = [self._compile(intent.name, s, intent.slots) for s in intent.slot_samples.get(slot_name, ())]
                self.answers[(intent.name, slot_name)] = own + [m for m in extra if m.sample not in intent.samples]

    @staticmethod
    def _compile(intent: str, sample: str, slots: dict[str, str]) -> Matcher:
        elements: list[str | Slot] = []
        position = 0
        for ref in SLOT_REF.finditer(sample):
            elements.extend(normalise(sample[position : ref.start()]))
            elements.append(Slot(ref.group(1), slots.get(ref.group(1), "AMAZON.SearchQuery")))
            position = ref.end()
        elements.extend(normalise(sample[position:]))
        literals = frozenset(e for e in elements if isinstance(e, str))
        return Matcher(intent, sample, tuple(elements), literals)

    # ---- public ---------------------------------------------------------------------------------
    def parse(self, utterance: str) -> Parse:
        """The intent and slots for ``utterance`` (AMAZON.FallbackIntent when nothing fits well enough)."""
        tokens = tokenize(utterance)
        if not tokens.words:
            return Parse(utterance, FALLBACK, {}, 0.0, notes=["nothing to match"])
        best = self._best_match(tokens)
        for preamble in PREAMBLES if best is None or best[0] < EXACT else ():
            if tokens.words[: len(preamble)] == preamble and len(tokens.words) > len(preamble):
                k = len(preamble)
                stripped = Tokens(tokens.words[k:], tokens.origin[k:], tokens.original)
                other = self._best_match(stripped)
                if other is not None:
                    other = (other[0] - PREAMBLE_PENALTY, *other[1:4], [*other[4], f"set aside {' '.join(preamble)!r}"])
                    if best is None or (other[0], other[1]) > (best[0], best[1]):
                        best = other
                break
        if best is None or best[0] < self.threshold:
            note = f"best was {best[2].intent} at {best[0]:.2f}" if best else "no sample came close"
            return Parse(utterance, FALLBACK, {}, best[0] if best else 0.0, notes=[f"{note}, under {self.threshold}"])
        score, _, matcher, fills, notes = best
        return Parse(
            utterance,
            matcher.intent,
            fills,
            round(max(score, 0.0), 4),
            matcher.sample,
            notes,
            dict(self.slot_types.get(matcher.intent, {})),
        )

    def parse_answer(self, utterance: str, intent: str, slot: str) -> Parse | None:
        """``utterance`` heard as the answer to the skill asking for ``intent``'s ``slot`` (Dialog.ElicitSlot).

        The intent's own samples and the slot's samples are tried; a free-text slot (AMAZON.SearchQuery)
        otherwise takes the whole utterance. None when the words cannot fill the slot."""
        types = dict(self.slot_types.get(intent, {}))
        if slot not in types:
            return None
        tokens = tokenize(utterance)
        if not tokens.words:
            return None
        note = f"heard as the answer for {intent}.{slot} (the skill asked for it)"
        best = self._best_match(tokens, self.answers.get((intent, slot), []))
        if best is not None and best[0] >= self.threshold and slot in best[3]:
            score, _, matcher, fills, notes = best
            return Parse(utterance, intent, fills, round(score, 4), matcher.sample, [note, *notes], types)
        if types[slot] == "AMAZON.SearchQuery" and not all(w in FUNCTION_WORDS or w in FILLERS for w in tokens.words):
            fill = SlotFill(slot, types[slot], tokens.span_text(0, len(tokens.words)))
            return Parse(utterance, intent, {slot: fill}, 1.0, None, [note, "free text: the whole utterance"], types)
        if types[slot] in self.values:  # a value the type lacks: Alexa still fills the slot, unresolved
            small = FUNCTION_WORDS | FILLERS
            start, end = 0, len(tokens.words)
            while start < end and tokens.words[start] in small:
                start += 1
            while end > start and tokens.words[end - 1] in small:
                end -= 1
            if 0 < end - start <= MAX_ANSWER_WORDS:
                fill = SlotFill(slot, types[slot], tokens.span_text(start, end), custom=True)
                return Parse(utterance, intent, {slot: fill}, 0.6, None, [note, "not a value of its type"], types)
        return None

    def _best_match(
        self, tokens: Tokens, matchers: list[Matcher] | None = None
    ) -> tuple[float, int, Matcher, dict[str, SlotFill], list[str]] | None:
        corrections = []
        for word in tokens.words:
            found = dict(self.speller.candidates(word)) if word not in self.vocabulary else {}
            for other in self.stems.get(stem(word), ()):
                if other != word:
                    found[other] = min(found.get(other, STEM_EDITS), STEM_EDITS)
            corrections.append(found)
        heard = _Utterance(tokens, corrections)
        present = set(tokens.words) | {c for found in corrections for c in found}

        word_forms = [
            ({w} | set(found), self._insert_cost(w)) for w, found in zip(tokens.words, corrections, strict=True)
        ]
        ranked = []
        for matcher in self.matchers if matchers is None else matchers:
            overlap = len(matcher.literals & present)
            if overlap or not matcher.literals:
                missing = matcher.literals - present
                bound = sum(DELETE_SOFT if w in SOFT_LITERALS else DELETE_WORD for w in missing)
                if matcher.literal_count == matcher.weight:  # no slot to take the other words: each is skipped
                    bound += sum(cost for forms, cost in word_forms if not forms & matcher.literals)
                ranked.append((bound / (matcher.weight + 1), -overlap, matcher))
        ranked.sort(key=lambda r: (r[0], r[1]))

        best: tuple[float, int, Matcher, dict[str, SlotFill], list[str]] | None = None

        def consider(matcher: Matcher, found: tuple[float, dict[str, SlotFill], list[str]] | None) -> None:
            nonlocal best
            if found is None:
                return
            cost, fills, notes = found
            score = max(0.0, 1 - cost / (matcher.weight + 1))
            if best is None or (score, matcher.literal_count) > (best[0], best[1]):
                best = (score, matcher.literal_count, matcher, fills, notes)

        for lower_bound, _, matcher in ranked[:CANDIDATES]:
            if best is not None and 1 - lower_bound < best[0]:
                break
            if best is not None and best[0] >= EXACT and matcher.literal_count <= best[1]:
                continue  # an exact match is only beaten by a more specific exact match
            consider(matcher, self._align(heard, matcher))
        if best is None or best[0] < REORDER_BELOW:
            covered = sorted(ranked, key=lambda r: (r[1] / max(1, len(r[2].literals)), -r[2].weight))
            for _, _, matcher in covered[:REORDER_CANDIDATES]:
                consider(matcher, self._unordered(heard, matcher))
        return best

    def slots_json(self, parsed: Parse, skill_id: str) -> dict[str, Any]:
        """The ``intent.slots`` object Alexa sends: every slot of the intent, filled or not."""
        out: dict[str, Any] = {}
        for name in parsed.slot_types:
            fill = parsed.slots.get(name)
            slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
            if fill is not None:
                slot["value"] = fill.value
                simple: dict[str, Any] = {"type": "Simple", "value": fill.value}
                if fill.custom:
                    slot["resolutions"] = self.resolutions(fill, skill_id)
                    simple["resolutions"] = slot["resolutions"]
                slot["slotValue"] = simple
            out[name] = slot
        return out

    def resolutions(self, fill: SlotFill, skill_id: str) -> dict[str, Any]:
        authority: dict[str, Any] = {
            "authority": _authority(skill_id, fill.type),
            "status": {"code": fill.status},
        }
        if fill.resolved_id is not None:
            authority["values"] = [{"value": {"name": fill.resolved_name, "id": fill.resolved_id}}]
        return {"resolutionsPerAuthority": [authority]}

    def resolve_value(self, type_name: str, text: str) -> SlotFill:
        """A slot of ``type_name`` filled with ``text`` (for intents given by name in scripts)."""
        words = normalise(text)
        custom = type_name in self.values
        fill = SlotFill("", type_name, text, custom=custom)
        if custom:
            found = self.values[type_name].get(words)
            if found:
                fill.resolved_id, fill.resolved_name = found
        elif type_name == "AMAZON.NUMBER":
            number = parse_number(words)
            fill.value = str(number) if number is not None else text
        elif type_name == "AMAZON.DURATION":
            fill.value = parse_duration(words) or text
        return fill

    # ---- scoring --------------------------------------------------------------------------------
    def _insert_cost(self, word: str) -> float:
        if word in FILLERS:
            return INSERT_FILLER
        return INSERT_FUNCTION if word in FUNCTION_WORDS else INSERT_WORD

    @staticmethod
    def _delete_cost(element: str | Slot) -> float:
        if isinstance(element, Slot):
            return DELETE_SLOT
        return DELETE_SOFT if element in SOFT_LITERALS else DELETE_WORD

    @staticmethod
    def _match_cost(heard: _Utterance, i: int, literal: str) -> float:
        word = heard.tokens.words[i]
        if word == literal:
            return 0.0
        edits = heard.corrections[i].get(literal)
        return INF if edits is None else TYPO_PER_EDIT * edits

    def _span(self, heard: _Utterance, slot: Slot, start: int, end: int, alone: bool) -> tuple[float, SlotFill | None]:
        """The cost of ``slot`` taking words ``start:end`` (INF if they cannot fill it), and the fill."""
        key = (slot.type + ("!" if alone else ""), start, end)
        cached = heard.span_cache.get(key)
        if cached is not None:
            return cached
        words = heard.tokens.words[start:end]
        text = heard.tokens.span_text(start, end)
        result: tuple[float, SlotFill | None] = (INF, None)
        if slot.type == "AMAZON.NUMBER":
            number = parse_number(words)
            if number is None:
                corrected = tuple(self._best(heard, i) for i in range(start, end))
                number = parse_number(corrected)
                if number is not None:
                    result = (TYPO_PER_EDIT, SlotFill(slot.name, slot.type, str(number)))
            else:
                result = (0.0, SlotFill(slot.name, slot.type, str(number)))
        elif slot.type == "AMAZON.DURATION":
            duration = parse_duration(words)
            if duration is not None:
                result = (0.0, SlotFill(slot.name, slot.type, duration))
        elif slot.type in self.values:
            result = self._custom_span(heard, slot, start, end, words, text, alone)
        elif all(w in FUNCTION_WORDS or w in FILLERS for w in words):
            result = (INF, None)  # free text made only of small words is not something said on purpose
        else:  # AMAZON.SearchQuery and other free-text types: the person's own words
            result = (0.01 * len(words), SlotFill(slot.name, slot.type, text))
        heard.span_cache[key] = result
        return result

    def _best(self, heard: _Utterance, i: int) -> str:
        found = heard.corrections[i]
        return min(found, key=lambda w: found[w]) if found else heard.tokens.words[i]

    def _custom_span(
        self, heard: _Utterance, slot: Slot, start: int, end: int, words: tuple[str, ...], text: str, alone: bool
    ) -> tuple[float, SlotFill | None]:
        table = self.values[slot.type]
        found = table.get(words)
        if found is not None:
            return 0.0, SlotFill(slot.name, slot.type, text, found[0], found[1], custom=True)
        corrected = []
        edits = 0
        for i in range(start, end):
            word = heard.tokens.words[i]
            options = heard.corrections[i]
            if word in self.vocabulary or not options:
                corrected.append(word)
            else:
                best = min(options, key=lambda w: options[w])
                corrected.append(best)
                edits += options[best]
        if edits:
            found = table.get(tuple(corrected))
            if found is not None:
                fill = SlotFill(slot.name, slot.type, text, found[0], found[1], custom=True, corrected=True)
                return TYPO_PER_EDIT * edits, fill
        if alone or end - start > MAX_NO_MATCH_WORDS or any(w in FUNCTION_WORDS or w in FILLERS for w in words[:1]):
            return INF, None  # an unknown value starts with a word of its own ("kind of wobbly" is "wobbly")
        if words[-1] in FUNCTION_WORDS:
            return INF, None
        return SLOT_NO_MATCH + 0.3 * (end - start - 1), SlotFill(slot.name, slot.type, text, custom=True)

    def _align(self, heard: _Utterance, matcher: Matcher) -> tuple[float, dict[str, SlotFill], list[str]] | None:
        """Order-keeping alignment of the utterance with the sample (edit distance over words and slots)."""
        words = heard.tokens.words
        elements = matcher.elements
        n, m = len(words), len(elements)
        alone = matcher.literal_count == 0
        cost = [[INF] * (m + 1) for _ in range(n + 1)]
        back: list[list[tuple[str, int, int, Any]]] = [[("", 0, 0, None)] * (m + 1) for _ in range(n + 1)]
        cost[n][m] = 0.0
        for i in range(n, -1, -1):
            for j in range(m, -1, -1):
                if i == n and j == m:
                    continue
                best = INF
                step: tuple[str, int, int, Any] = ("", 0, 0, None)
                if i < n:
                    c = self._insert_cost(words[i]) + cost[i + 1][j]
                    if c < best:
                        best, step = c, ("skip", i + 1, j, words[i])
                if j < m:
                    element = elements[j]
                    c = self._delete_cost(element) + cost[i][j + 1]
                    if c < best:
                        best, step = c, ("missing", i, j + 1, element)
                    if i < n and isinstance(element, str):
                        c = self._match_cost(heard, i, element) + cost[i + 1][j + 1]
                        if c < best:
                            best, step = c, ("word", i + 1, j + 1, element)
                    elif i < n and isinstance(element, Slot):
                        limit = MAX_SPAN.get(element.type, MAX_CUSTOM_SPAN if element.type in self.values else n)
                        for k in range(i + 1, min(n, i + limit) + 1):
                            span_cost, fill = self._span(heard, element, i, k, alone)
                            c = span_cost + cost[k][j + 1]
                            if c < best:
                                best, step = c, ("slot", k, j + 1, fill)
                cost[i][j] = best
                back[i][j] = step
        if cost[0][0] == INF:
            return None
        fills: dict[str, SlotFill] = {}
        lost = 0
        lost_content = 0
        notes: list[str] = []
        i = j = 0
        while (i, j) != (n, m):
            kind, ni, nj, info = back[i][j]
            if kind == "slot" and info is not None:
                fills[info.name] = info
                if info.corrected:
                    notes.append(f"read {info.value!r} as {info.resolved_name!r}")
            elif kind == "skip":
                notes.append(f"skipped {info!r}")
            elif kind == "missing":
                lost += 1
                lost_content += isinstance(info, str) and info not in SOFT_LITERALS
                notes.append(f"missing {info.name + ' slot' if isinstance(info, Slot) else repr(info)}")
            elif kind == "word" and words[i] != info:
                notes.append(f"read {words[i]!r} as {info!r}")
            i, j = ni, nj
        if 2 * lost > matcher.weight:
            return None  # most of the sample is missing: not this sample
        # a slot that takes any words is only credible when the words around it were said
        if lost_content and any(f.type == "AMAZON.SearchQuery" for f in fills.values()):
            return None
        free = any(f.custom and f.resolved_id is None for f in fills.values())
        penalty = FREE_SLOT_LOST_WORD * lost_content if free else 0.0
        return cost[0][0] + penalty, fills, notes

    def _unordered(self, heard: _Utterance, matcher: Matcher) -> tuple[float, dict[str, SlotFill], list[str]] | None:
        """Word order forgiven: literals found anywhere, slots from the words left over."""
        words = heard.tokens.words
        if matcher.literal_count == 0 or len(words) < 2:
            return None
        used = [False] * len(words)
        total = ORDER_PENALTY
        positions = []
        for element in matcher.elements:
            if not isinstance(element, str):
                continue
            options = [(self._match_cost(heard, i, element), i) for i in range(len(words)) if not used[i]]
            options = [o for o in options if o[0] < INF]
            if options:
                c, i = min(options)
                used[i] = True
                total += c
                positions.append(i)
            elif element in SOFT_LITERALS or not any(
                isinstance(e, Slot) and e.type == "AMAZON.SearchQuery" for e in matcher.elements
            ):
                total += self._delete_cost(element)
                positions.append(-1)
            else:
                return None  # free text is only credible when its carrier phrase was said
        fills: dict[str, SlotFill] = {}
        starts: dict[str, int] = {}
        slots = [e for e in matcher.elements if isinstance(e, Slot)]
        for slot in sorted(slots, key=lambda s: s.type == "AMAZON.SearchQuery"):
            runs = _runs(used)
            best: tuple[float, int, int, SlotFill | None] = (INF, 0, 0, None)
            for start, end in runs:
                for a in range(start, end):
                    for b in range(end, a, -1):
                        c, fill = self._span(heard, slot, a, b, False)
                        if c < best[0] or (c == best[0] and fill is not None and b - a > best[2] - best[1]):
                            best = (c, a, b, fill)
            c, a, b, fill = best
            if fill is None:
                total += DELETE_SLOT
                continue
            total += c
            fills[slot.name] = fill
            starts[slot.name] = a
            for i in range(a, b):
                used[i] = True
        order = iter(positions)
        sequence = [next(order) if isinstance(e, str) else starts.get(e.name, -1) for e in matcher.elements]
        sequence = [p for p in sequence if p >= 0]
        if sequence == sorted(sequence):
            return None  # in order: the alignment already judged it
        total += sum(self._insert_cost(w) for w, u in zip(words, used, strict=True) if not u)
        return total, fills, ["word order forgiven"]


def _runs(used: list[bool]) -> list[tuple[int, int]]:
    runs = []
    start = None
    for i, flag in enumerate([*used, True]):
        if not flag and start is None:
            start = i
        elif flag and start is not None:
            runs.append((start, i))
            start = None
    return runs
