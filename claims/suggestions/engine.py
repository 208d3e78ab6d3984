"""Find candidate attributions and casualty figures in a text. Plain Python, no Django.

`suggest(text)` returns `Candidate`s: each carries the sentence that states it (the document's own
characters with their offsets), who says it as written, the reporting verb, a proposed voice and
stance, and for figures the measure, qualifier, bounds, population and a hint of the event. The
Django layer (`claims.suggestions.review`) resolves speakers to actors and hides decided ones.
"""

import hashlib
import re
from dataclasses import asdict, dataclass

from claims.intervals import TOTAL
from claims.suggestions import numbers
from claims.suggestions import patterns as p


@dataclass(frozen=True)
class Candidate:
    kind: str  # "figure" or "attribution"
    quote: str
    start: int
    end: int
    speaker: str | None = None
    actor_id: int | None = None
    verb: str | None = None
    voice: str = "own"
    stance: str = "supports"
    measure: str | None = None
    qualifier: str | None = None
    value: int | None = None
    value_high: int | None = None
    low: float | None = None
    high: float | None = None
    population: str | None = None
    event_hint: str | None = None
    text: str | None = None  # the figure as written
    text_start: int | None = None
    text_end: int | None = None

    @property
    def fingerprint(self) -> str:
        """Identifies the suggestion within its document: kind, span and values, not the actor."""
        key = "|".join(
            str(v)
            for v in (
                self.kind,
                self.start,
                self.end,
                self.text_start,
                self.measure,
                self.qualifier,
                self.value,
                self.value_high,
                self.population,
                (self.speaker or "").casefold(),
            )
        )
        return hashlib.sha256(key.encode()).hexdigest()

    def as_dict(self) -> dict:
        data = asdict(self)
        data["fingerprint"] = self.fingerprint
        if self.kind != "figure":
            for key in ("measure", "qualifier", "value", "value_high", "low", "high"):
                data[key] = None
            data["population"] = None
        return data


@dataclass(frozen=True)
class Cue:
    """Who is reported as saying the sentence, and how."""

    speaker: str | None
    verb: str
    voice: str
    stance: str
    at: int


# --- sentences ---------------------------------------------------------------------------------------


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding white space."""
    spans, start = [], 0
    for m in p.SENTENCE_END.finditer(text):
        if m.group().startswith((".", "!", "?")) and "\n" not in m.group():
            before = text[max(start, m.start() - 6) : m.start()].split()
            word = before[-1].lower().lstrip("(\"“") if before else ""
            if word in p.ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        end = m.start() + len(m.group().rstrip())
        _add(text, spans, start, end)
        start = m.end()
    _add(text, spans, start, len(text))
    return spans


def _add(text: str, spans: list, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


# --- attributions ------------------------------------------------------------------------------------


def _clean_speaker(raw: str) -> str | None:
    speaker = p.LEADING_NOISE.sub("", raw.strip(" ,")).strip()
    if speaker.endswith(".") and not re.search(r"\b[A-Z]\.[A-Z]\.$", speaker):
        speaker = speaker[:-1]
    speaker = re.sub(r"^(?:and|but|as|while|which|who|that)\s+", "", speaker, flags=re.I)
    if not speaker or speaker.lower() in p.NOT_SPEAKERS:
        return None
    if speaker.lower().startswith(("no ", "nobody")):
        return None
    return speaker


def _is_named(speaker: str) -> bool:
    """A named speaker has a capitalised word that is not a sentence-initial determiner."""
    words = speaker.split()
    return any(
        w[:1].isupper() and w.lower() not in {"the", "a", "an", "one", "two", "three", "several"}
        for w in words
    ) and not all(w.lower().rstrip("s") in p.ROLE_WORDS for w in words if w[:1].isupper())


def _voice(speaker: str | None, quoted: bool, hedged: bool) -> str:
    if speaker is None:
        return "hearsay" if hedged else "unnamed"
    if speaker.lower() in {"he", "she", "they", "we", "i"}:
        return "quoted" if quoted else "paraphrased"
    if not _is_named(speaker):
        return "unnamed"
    return "quoted" if quoted else "paraphrased"


def _speaker_before(text: str, start: int, at: int) -> str | None:
    """The speaker written right before position `at` in the sentence starting at `start`."""
    left = text[max(start, at - 200) : at]
    clause = re.split(r"[;:“”\"]|,(?=\s*[“\"])", left)[-1]
    apposed = p.APPOSITION.search(left)
    if apposed and (
        apposed.group("comma") or re.search(rf"\b(?:{p.ROLE})\b", apposed.group("appositive"))
    ):
        return _clean_speaker(apposed.group("speaker"))
    clause = clause.split(",")[-1] if not clause.rstrip().endswith(",") else clause
    m = p.SPEAKER_BEFORE.search(clause)
    if not m:
        return None
    return _clean_speaker(m.group("speaker"))


def _speaker_after(text: str, at: int, end: int) -> str | None:
    m = p.SPEAKER_AFTER.match(text, at, end)
    if not m:
        return None
    speaker = re.split(r",|\s+(?:who|which|that|in|on|at|when|after|as)\s", m.group("speaker"))[0]
    return _clean_speaker(speaker)


def cues(text: str, start: int, end: int) -> list[Cue]:
    """Attribution cues in the sentence text[start:end]."""
    sentence = text[start:end]
    found: list[Cue] = []
    quoted = any(q in sentence for q in "“”\"")
    refuting = bool(p.REFUTE_PHRASES.search(sentence))
    questioning = bool(p.QUESTION.search(sentence))
    hedge = p.HEDGE.search(sentence)

    def stance(verb: str) -> str:
        if verb.split()[0].lower() in p.DENY or refuting:
            return "refutes"
        if questioning:
            return "questions"
        return "supports"

    for m in p.SAY_RE.finditer(text, start, end):
        verb = m.group("verb")
        at = m.start()
        if re.search(r"\b(?:the|a|an|his|her|its|their)\s+$", text[max(start, at - 6) : at], re.I):
            continue  # "the alleged mastermind": an adjective, not a reporting verb
        obj = (m.group("object") or "").strip()
        if verb in {"told", "tells", "tell"} and obj:
            verb = f"{verb} {obj}"
        elif verb in {"claimed", "claims", "claim"}:
            if re.match(r"\s+responsibility", text[m.end() : m.end() + 20]):
                verb = f"{verb} responsibility"
        speaker = _speaker_before(text, start, at)
        if speaker is None:
            after = text[m.start() - 3 : m.start()]
            if at == start or re.search(r"[,”\"’]\s*$", after):
                speaker = _speaker_after(text, m.end(), end)
        if speaker is None:
            continue
        found.append(
            Cue(speaker, verb, _voice(speaker, quoted, bool(hedge)), stance(verb), at)
        )
    for m in p.ACCORDING.finditer(text, start, end):
        speaker = _speaker_after(text, m.end(), end)
        if speaker:
            verb = " ".join(m.group().split())
            found.append(Cue(speaker, verb, _voice(speaker, quoted, False), stance(verb), m.start()))
    if not found:
        medium = p.MEDIUM.search(sentence)
        if medium:
            verb = " ".join(medium.group().split())
            speaker = _speaker_before(text, start, start + medium.start())
            found.append(
                Cue(speaker, verb, _voice(speaker, quoted, False), stance(verb), start + medium.start())
            )
        elif hedge:
            verb = " ".join(hedge.group().split())
            found.append(Cue(None, verb, "hearsay", stance(verb), start + hedge.start()))
    return found


# --- figures -----------------------------------------------------------------------------------------


@dataclass
class _Figure:
    count: numbers.Count
    start: int
    end: int  # after the population words
    measure: str | None
    population: str


_WORDS = re.compile(r"[A-Za-z](?:[\w'’-]|\.(?=\w))*|\d(?:\d|[,.](?=\d))*|[^\w\s]")


def _population(words: list[str]) -> str:
    words = [w for w in words if w.lower() not in {"of", "its", "their", "the", "his", "her"}]
    if len(words) > 1 and re.search(r"['’]s?$", words[0]):
        words = words[1:]  # "eight of ISIS-K's leaders" counts leaders
    if words and words[-1].lower() in {"more", "others", "other"}:
        words = words[:-1]
    text = " ".join(words).strip()
    if text.lower() in p.TOTAL_WORDS or all(w.lower() in p.TOTAL_WORDS for w in words):
        return TOTAL
    return text


def _right(text: str, at: int, limit: int) -> tuple[str | None, list[str], int, bool]:
    """Measure named after a count, the population words, where they end, and a veto."""
    window = text[at : min(limit, at + 90)]
    pop: list[str] = []
    end = at
    tokens = list(_WORDS.finditer(window))
    i = 0
    # Who is counted: a few words, possibly "of its leaders", "students and teachers".
    while i < len(tokens) and len(pop) < 5:
        word = tokens[i].group()
        low = word.lower().rstrip(".")
        if i == 0 and (low in p.NOT_PEOPLE or word == "%"):
            return None, [], at, True
        if low in p.MEASURE_AFTER or low in p.AUXILIARY and low not in {"in", "total"}:
            break
        if low == "of" and i + 1 < len(tokens):
            nxt = tokens[i + 1].group()
            if nxt.lower() in {"them", "whom", "which"}:
                return None, [], at, True
            if nxt.lower() in {"its", "their", "the", "his", "her", "those"} or re.search(
                r"['’]s?$", nxt
            ):
                pop += [word, nxt]
                i += 2
                continue
            break
        if low == "and" and i + 1 < len(tokens):
            nxt = tokens[i + 1].group().lower()
            if nxt.isalpha() and nxt not in p.MEASURE_AFTER and nxt not in p.MEASURE_BEFORE and (
                nxt not in p.AUXILIARY and nxt not in p.POPULATION_STOP
            ):
                pop.append(word)
                i += 1
                continue
            break
        if not word[0].isalpha() or (low in p.POPULATION_STOP and low not in {"more"}):
            if low == "more":
                pop.append(word)
                i += 1
            break
        pop.append(word)
        i += 1
    if pop and pop[-1].lower() == "and":
        pop.pop()
        i -= 1
    end = at + (tokens[i - 1].end() if i and pop else 0)
    # Then auxiliaries, then the measure.
    j = i
    while j < len(tokens) and tokens[j].group().lower() in p.AUXILIARY:
        if tokens[j].group().lower() == "in" and j + 1 < len(tokens):
            break
        j += 1
    if j < len(tokens):
        word = tokens[j].group().lower()
        measure = p.MEASURE_AFTER.get(word)
        if measure == "killed" and word == "lost":
            if not window[tokens[j].end() :].lstrip().lower().startswith(("their lives", "his life")):
                measure = None
        if measure == "detained" and word == "held":
            measure = None
        if measure == "evacuated":
            rest = window[tokens[j].end() :].lstrip().lower()
            if rest.startswith(("were not", "was not", "weren't")):
                measure = "not_evacuated"
        if measure:
            return measure, pop, end, False
    return None, pop, end, False


def _left(text: str, sentence_start: int, at: int) -> str | None:
    """Measure named right before a count: "killing", "death toll rose to", "taken out"."""
    window = text[max(sentence_start, at - 60) : at]
    phrase = p.LEFT_PHRASES.search(window)
    if phrase:
        if phrase.group("toll") or phrase.group("deaths"):
            return "killed"
        if phrase.group("out"):
            return "evacuated"
        return "attackers"
    words = re.findall(r"[A-Za-z][\w'’-]*|[^\w\s]", window)
    k = len(words) - 1
    skipped = 0
    while k >= 0 and words[k].lower() in p.BEFORE_FILLER and skipped < 3:
        k -= 1
        skipped += 1
    if k >= 0:
        return p.MEASURE_BEFORE.get(words[k].lower())
    return None


def _figures_in(text: str, start: int, end: int) -> list[_Figure]:
    found: list[_Figure] = []
    previous: _Figure | None = None
    for m in p.FIGURE_RE.finditer(text, start, end):
        low = m.group("blow") or m.group("low")
        high = m.group("bhigh") or m.group("high")
        count = numbers.read(m.group("qual"), low, high, m.group("vague"))
        if count is None:
            continue
        before = text[max(start, m.start() - 12) : m.start()].split()
        if before and before[-1].lower().strip(".,") in p.MONTHS:
            continue
        digits = (low or "").replace(",", "")
        if digits.isdigit() and 1900 <= int(digits) <= 2100 and not high:
            continue
        measure, pop, pop_end, veto = _right(text, m.end(), end)
        if veto:
            previous = None
            continue
        if measure is None:
            measure = _left(text, start, m.start())
        if (
            measure is None
            and previous is not None
            and previous.measure
            and p.COORDINATION.match(text[previous.end : m.start()])
        ):
            measure = previous.measure
        if measure is None and pop and pop[-1].lower() in p.ATTACKER_WORDS | {"bombers"}:
            measure = "attackers"
        figure = _Figure(count, m.start(), max(pop_end, m.end()), measure, _population(pop))
        previous = figure
        if measure:
            found.append(figure)
    return found


# --- events ------------------------------------------------------------------------------------------


def _event_hint(text: str, start: int, end: int) -> str | None:
    """A place or attack named in the sentence, else the nearest one before it."""

    def hints(a: int, b: int) -> list[str]:
        out = []
        for m in p.EVENT_RE.finditer(text, a, b):
            hint = m.group("named") or m.group("place")
            first = hint.split()[0].lower()
            if first in p.NOT_PLACES:
                continue
            out.append(" ".join(hint.split()))
        return out

    inside = hints(start, end)
    if inside:
        return inside[0]
    before = hints(max(0, start - 600), start)
    return before[-1] if before else None


# --- the engine --------------------------------------------------------------------------------------


def suggest(text: str) -> list[Candidate]:
    """Candidate attributions and figures in `text`, in text order."""
    out: list[Candidate] = []
    for start, end in sentences(text):
        sentence = text[start:end]
        has_number = p.FIGURE_RE.search(sentence) is not None
        sentence_cues = cues(text, start, end)
        figures = _figures_in(text, start, end) if has_number else []
        hint = _event_hint(text, start, end) if figures else None
        seen: set[str] = set()
        for cue in sentence_cues:
            key = (cue.speaker or "").casefold() + "|" + cue.verb
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Candidate(
                    kind="attribution",
                    quote=sentence,
                    start=start,
                    end=end,
                    speaker=cue.speaker,
                    verb=cue.verb,
                    voice=cue.voice,
                    stance=cue.stance,
                    event_hint=_event_hint(text, start, end),
                )
            )
        cue = next((c for c in sentence_cues if c.speaker), None) or (
            sentence_cues[0] if sentence_cues else None
        )
        for fig in figures:
            out.append(
                Candidate(
                    kind="figure",
                    quote=sentence,
                    start=start,
                    end=end,
                    speaker=cue.speaker if cue else None,
                    verb=cue.verb if cue else None,
                    voice=cue.voice if cue else "own",
                    stance=cue.stance if cue else "supports",
                    measure=fig.measure,
                    qualifier=fig.count.qualifier,
                    value=fig.count.value,
                    value_high=fig.count.value_high,
                    low=fig.count.low,
                    high=fig.count.high,
                    population=fig.population,
                    event_hint=hint,
                    text=text[fig.start : fig.end],
                    text_start=fig.start,
                    text_end=fig.end,
                )
            )
    return out
