"""Find candidate attributions and casualty figures in a text. Plain Python, no Django.

`suggest(text)` returns `Candidate`s: each carries the sentence that states it (the document's own
characters with their offsets), who says it as written, the reporting verb, a proposed voice and
stance, and for figures the measure, qualifier, bounds, population and a hint of the event. The
Django layer (`suggestions.review`) resolves speakers to actors and hides decided ones.
"""

import dataclasses
import hashlib
import re
from bisect import bisect_left
from dataclasses import asdict, dataclass

from claims.intervals import TOTAL
from suggestions import numbers
from suggestions import patterns as p


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
    sentence_start: int | None = None  # the sentence the candidate was read from
    sentence_end: int | None = None
    supersedes: str | None = None  # fingerprint of the earlier figure this one revises

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


PRONOUNS = {"he", "she", "they", "we", "i", "it"}


@dataclass(frozen=True)
class Cue:
    """Who is reported as saying the sentence, and how."""

    speaker: str | None
    verb: str
    voice: str
    stance: str
    at: int


_INITIALS = re.compile(r"\b[A-Z]\.[A-Z]\.$")
_LEADING_JOINER = re.compile(r"^(?:and|but|as|while|which|who|that)\s+", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;:“”\"]|,(?=\s*[“\"])")
_ROLE_RE = re.compile(rf"\b(?:{p.ROLE})\b")
_SPEAKER_END = re.compile(r",|\s+(?:who|which|that|in|on|at|when|after|as)\s")
_DETERMINERS = {"the", "a", "an", "one", "two", "three", "several", "some", "many", "other"}
_NOBODY = re.compile(r"\b(?:nobody|no\s+one|no\s+group|none)\b")
_DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|his|her|its|their)\s+$")


def _lower(text: str) -> str:
    """text.lower() with the same length, so offsets found in it hold in the text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --- sentences ---------------------------------------------------------------------------------------


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding white space."""
    spans, start = [], 0
    for m in p.SENTENCE_END.finditer(text):
        if m.group().startswith((".", "!", "?")) and "\n" not in m.group():
            before = text[max(start, m.start() - 6) : m.start()].split()
            word = before[-1].lower().lstrip('("“') if before else ""
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
    if speaker.endswith(".") and not _INITIALS.search(speaker):
        speaker = speaker[:-1]
    speaker = _LEADING_JOINER.sub("", speaker)
    if not speaker or speaker.lower() in p.NOT_SPEAKERS:
        return None
    if speaker.lower().startswith(("no ", "nobody")):
        return None
    return speaker


def _is_named(speaker: str) -> bool:
    """Named: ends with a name ("Taliban spokesman Zabihullah Mujahid", "the Taliban").

    Unnamed: a role without a name ("a senior official in the Pakistani government").
    """
    words = speaker.split()
    if words[-1][:1].isupper():
        return True
    if any(w.lower() in p.ROLE_WORDS for w in words):
        return False
    return any(w[:1].isupper() and w.lower() not in _DETERMINERS for w in words)


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
    left = text[max(start, at - 160) : at]
    clause = _CLAUSE_BREAK.split(left)[-1]
    apposed = p.APPOSITION.search(left) if "," in left else None
    if apposed and (apposed.group("comma") or _ROLE_RE.search(apposed.group("appositive"))):
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
    speaker = _SPEAKER_END.split(m.group("speaker"))[0]
    return _clean_speaker(speaker)


def cues(text: str, start: int, end: int, lowered: str | None = None) -> list[Cue]:
    """Attribution cues in the sentence text[start:end] (`lowered` is text.lower(), if known)."""
    lowered = _lower(text) if lowered is None else lowered
    sentence = text[start:end]
    found: list[Cue] = []
    quoted = "“" in sentence or "”" in sentence or '"' in sentence
    refuting = p.REFUTE_PHRASES.search(lowered, start, end) is not None
    questioning = p.QUESTION.search(lowered, start, end) is not None
    hedge = p.HEDGE.search(lowered, start, end)

    def stance(verb: str) -> str:
        if verb.split()[0].lower() in p.DENY or refuting:
            return "refutes"
        if questioning:
            return "questions"
        return "supports"

    for m in p.SAY_RE.finditer(text, start, end):
        verb = m.group("verb")
        at = m.start()
        if _DETERMINER_BEFORE.search(lowered, max(start, at - 7), at):
            continue  # "the alleged mastermind": an adjective, not a reporting verb
        obj = (m.group("object") or "").strip()
        if verb in {"told", "tells", "tell"} and obj:
            verb = f"{verb} {obj}"
        elif verb in {"claimed", "claims", "claim"} and lowered.startswith(
            " responsibility", m.end()
        ):
            verb = f"{verb} responsibility"
        medium = p.MEDIUM.match(lowered, m.end("verb") + 1, end)
        if medium and medium.group("medium"):  # "said in a tweet", "said in a statement"
            verb = f"{verb} {' '.join(text[medium.start() : medium.end()].split())}"
        if verb in p.PARTICIPLES:
            speaker = _speaker_after(text, start, at) or _speaker_before(text, start, at)
        else:
            speaker = _speaker_before(text, start, at)
        if speaker is None:
            after = text[m.start() - 3 : m.start()]
            if at == start or after.rstrip().endswith((",", "”", '"', "’")):
                after_verb = m.end() if verb.startswith(("told", "tell")) else m.end("verb")
                speaker = _speaker_after(text, after_verb, end)
        if speaker is None:
            continue
        found.append(Cue(speaker, verb, _voice(speaker, quoted, bool(hedge)), stance(verb), at))
    for m in p.ACCORDING.finditer(lowered, start, end):
        speaker = _speaker_after(text, m.end(), end)
        if speaker:
            verb = " ".join(text[m.start() : m.end()].split())
            found.append(
                Cue(speaker, verb, _voice(speaker, quoted, False), stance(verb), m.start())
            )
    if not found:
        medium = p.MEDIUM.search(lowered, start, end)
        if medium:
            verb = " ".join(text[medium.start() : medium.end()].split())
            speaker = _speaker_before(text, start, medium.start())
            if speaker is None and _NOBODY.search(lowered, start, medium.start()):
                return found  # "no group claimed responsibility"
            found.append(
                Cue(speaker, verb, _voice(speaker, quoted, False), stance(verb), medium.start())
            )
        elif hedge:
            verb = " ".join(text[hedge.start() : hedge.end()].split())
            found.append(Cue(None, verb, "hearsay", stance(verb), hedge.start()))
    return found


# --- figures -----------------------------------------------------------------------------------------


@dataclass
class _Figure:
    count: numbers.Count
    start: int
    end: int  # after the population words
    measure: str | None
    population: str
    part: bool = False  # a part of a count given just before ("including five children")
    increment: bool = False  # "twelve more victims": added to a toll, not a toll
    revision: str | None = None  # the verb that revises an earlier toll ("rose", "later")
    initial: bool = False  # stated as the first or earlier toll


_WORDS = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z](?:[\w'’-]|\.(?=\w))*|\d(?:\d|[,.](?=\d))*|[^\w\s]")


def _population(words: list[str]) -> str:
    words = [w for w in words if w.lower() not in {"of", "its", "their", "the", "his", "her"}]
    if len(words) > 1 and words[0].endswith(("'s", "’s", "'", "’")):
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
    while i < len(tokens) and len(pop) < 6:
        word = tokens[i].group()
        low = word.lower().rstrip(".")
        if i == 0 and (low in p.NOT_PEOPLE or word == "%"):
            return None, [], at, True
        if low in p.MEASURE_AFTER or (low in p.AUXILIARY and low not in {"in", "total"}):
            break
        if low == "of" and i + 1 < len(tokens):
            nxt = tokens[i + 1].group()
            if nxt.lower() in {"them", "whom", "which"}:
                return None, [], at, True
            after = tokens[i + 2].group().lower() if i + 2 < len(tokens) else ""
            if nxt.lower() in {"the", "those"} and (
                after in p.MEASURE_AFTER or after in {"victims", "casualties"}
            ):
                return None, [], at, True  # "six of the injured": part of a count given elsewhere
            if nxt[:1].isalpha():
                pop += [word, nxt]
                i += 2
                continue
            break
        if low == "and" and i + 1 < len(tokens):
            nxt = tokens[i + 1].group().lower()
            if (
                nxt.isalpha()
                and nxt not in p.MEASURE_AFTER
                and nxt not in p.MEASURE_BEFORE
                and (nxt not in p.AUXILIARY and nxt not in p.POPULATION_STOP)
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
    # Then auxiliaries, then the measure; ", including two police officials," is skipped.
    j = i
    if (
        j + 1 < len(tokens)
        and tokens[j].group() == ","
        and tokens[j + 1].group().lower() in {"including", "among", "mostly", "most"}
    ):
        close = next(
            (k for k in range(j + 2, min(len(tokens), j + 12)) if tokens[k].group() == ","), None
        )
        if close is not None:
            j = close + 1
    while j < len(tokens) and tokens[j].group().lower() in p.AUXILIARY:
        if tokens[j].group().lower() == "in" and j + 1 < len(tokens):
            if tokens[j + 1].group().lower() == "hospital" and j > i:
                return "wounded", pop, end, False  # "43 people were still in hospital"
            break
        j += 1
    if j < len(tokens):
        word = tokens[j].group().lower()
        measure = p.MEASURE_AFTER.get(word)
        if (
            measure == "killed"
            and word == "lost"
            and (
                not window[tokens[j].end() :]
                .lstrip()
                .lower()
                .startswith(("their lives", "his life"))
            )
        ):
            measure = None
        if measure == "detained" and word == "held":
            measure = None
        rest = window[tokens[j].end() :].lstrip().lower()
        if word == "embraced" and not rest.startswith("martyrdom"):
            measure = None
        if word == "sent" and not rest.startswith("to hell"):
            measure = None
        if measure == "wounded" and j == i and p.DIED_LATER.match(text, at + tokens[j].end()):
            measure = "killed"  # "two more people injured in the attack have died"
        if word == "among" and rest.startswith(("the dead", "those killed")):
            measure = "killed"
        if word == "among" and rest.startswith(("the injured", "the wounded")):
            measure = "wounded"
        if measure == "evacuated":
            rest = window[tokens[j].end() :].lstrip().lower()
            if rest.startswith(("were not", "was not", "weren't")):
                measure = "not_evacuated"
        if word == "among":
            measure = measure if rest.startswith(("the", "those")) else None
        if measure:
            return measure, pop, end, False
    return None, pop, end, False


def _left(text: str, sentence_start: int, at: int) -> str | None:
    """Measure named right before a count: "killing", "death toll rose to", "taken out"."""
    row = p.ROW.match(text, sentence_start, at)
    if row and row.group("label").lower() in p.ROW_LABELS:
        return p.ROW_LABELS[row.group("label").lower()]
    window = text[max(sentence_start, at - 130) : at]
    phrase = p.LEFT_PHRASES.search(window)
    if phrase:
        if phrase.group("toll"):
            toll = phrase.group("toll").lower()
            return "wounded" if ("injur" in toll or "wound" in toll) else "killed"
        if phrase.group("deaths"):
            return "killed"
        if phrase.group("injured"):
            return "wounded"
        if phrase.group("out"):
            return "evacuated"
        return "attackers"
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*|[^\w\s]", window[-60:]) if w not in "\"“”'"]
    k = len(words) - 1
    skipped = 0
    while k >= 0 and words[k].lower() in p.BEFORE_FILLER and skipped < 3:
        k -= 1
        skipped += 1
    if k >= 0:
        if k and words[k - 1].lower() == "or":
            return None  # "killed or wounded": neither count alone
        return p.MEASURE_BEFORE.get(words[k].lower())
    return None


def _figures_in(text: str, start: int, end: int, matches) -> list[_Figure]:
    """Figures among the counts `matches` (FIGURE_RE on the lower-cased text) of a sentence."""
    found: list[_Figure] = []
    previous: _Figure | None = None
    for m in matches:
        low = m.group("blow") or m.group("low")
        high = m.group("bhigh") or m.group("high")
        count = numbers.read(m.group("qual"), low, high, m.group("vague"))
        if count is None:
            continue
        before = text[max(start, m.start() - 12) : m.start()].split()
        if before and before[-1].lower().strip(".,") in p.MONTHS | {"aged", "age", "ages"}:
            continue
        digits = (low or "").replace(",", "")
        if digits.isdigit() and 1900 <= int(digits) <= 2100 and not high:
            continue
        if count.qualifier == "exact" and text.startswith("+", m.end()):
            count = numbers.Count("at_least", count.value, None, count.value or 0, None)  # "200+"
        left = text[max(start, m.start() - 60) : m.start()]
        part = bool(p.SUBSET_BEFORE.search(left) or p.AMONG_BEFORE.search(left))
        after = m.end()
        subset = p.SUBSET_AFTER.match(text, m.end(), end)
        if subset:  # "15 of them children", "three of whom were dead"
            part, after = True, subset.end()
        measure, pop, pop_end, veto = _right(text, after, end)
        if veto:
            previous = None
            continue
        if (subset or part) and not pop and measure is None:
            continue  # "five of them in a serious condition": a detail of a count, not a count
        revision = p.REVISION.search(left)
        if measure is None:
            measure = _left(text, start, m.start())
            before = text[max(start, m.start() - 60) : m.start()]
            if measure and count.qualifier == "exact" and p.ABOVE.search(before):
                value = count.value or 0
                count = numbers.Count("more_than", value, None, value + 1, None)
            if measure == "evacuated" and p.COUNTERFACTUAL.search(before):
                measure = "not_evacuated"
        between = text[previous.end : m.start()] if previous is not None else ""
        if (
            measure is None
            and previous is not None
            and previous.measure
            and (
                p.COORDINATION.match(between)
                or part
                or (revision and revision.group("verb").lower() == "later" and "." not in between)
            )
        ):
            measure = previous.measure
        if measure is None and pop and pop[-1].lower() in p.ATTACKER_WORDS | {"bombers"}:
            measure = "attackers"
        words = [w.lower() for w in pop]
        figure = _Figure(
            count,
            m.start(),
            max(pop_end, m.end()),
            measure,
            _population(pop),
            part=part,
            increment=bool(words[:1] == ["more"] or re.search(r"\b(?:another|more)\s*$", left)),
            revision=revision.group("verb").lower() if revision else None,
            initial=bool(p.INITIAL.search(text, start, m.start())),
        )
        previous = figure
        if measure:
            found.append(figure)
    return found


def _may_supersede(later: tuple, earlier: tuple, *, later_first: bool) -> bool:
    """Whether `earlier` (candidate, figure, sentence) can be the toll that `later` revises."""
    (rc, rf, _), (ec, ef, _) = later, earlier
    if ec is rc or ef.part or ef.increment or ec.measure != rc.measure or ec.value == rc.value:
        return False
    if later_first and ef.revision and ef.revision != "later":
        return False  # itself a revision stated after this one
    if rc.population != ec.population and TOTAL not in (ec.population, rc.population):
        return False
    return not (rf.revision in p.RISING and (ec.value or 0) > (rc.value or 0))


def _supersede(figures: list[tuple[Candidate, _Figure, int]]) -> dict[int, int]:
    """For each revised toll, the earlier toll of the same text it supersedes (by list index).

    A revision ("the toll rose to 31", "was 21, later 29") supersedes, in this order of preference:
    the nearest earlier count in its own sentence; a count stated as the first or earlier one; the
    nearest count before it; the nearest after it (a story that gives the new toll first). Parts of
    a count, increments ("twelve more") and counts of other measures or populations never qualify.
    """
    out: dict[int, int] = {}
    for r, (_, rf, r_sentence) in enumerate(figures):
        if not rf.revision or r_sentence == 0 or rf.part or rf.increment:
            continue  # a headline states the news, it does not revise it

        def fits(e: int, r: int = r) -> bool:
            return _may_supersede(figures[r], figures[e], later_first=e > r)

        same = [e for e in range(r) if figures[e][2] == r_sentence and fits(e)]
        marked = [e for e in range(len(figures)) if figures[e][1].initial and fits(e)]
        before = [e for e in range(r) if fits(e) and figures[e][2] != 0]
        after = [e for e in range(r + 1, len(figures)) if fits(e)]
        for pool, pick in ((same, -1), (marked, 0), (before, -1), (after, 0)):
            if pool:
                out[r] = pool[pick]
                break
    return out


# --- events ------------------------------------------------------------------------------------------


class _EventHints:
    """Places and attacks named in a text, found once, looked up per sentence."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.hints: list[str] = []
        for m in p.EVENT_RE.finditer(text):
            hint = m.group("named") or m.group("place")
            if hint.split()[0].lower() in p.NOT_PLACES:
                continue
            self.starts.append(m.start())
            self.hints.append(" ".join(hint.split()))

    def near(self, start: int, end: int) -> str | None:
        """The first one named in text[start:end], else the nearest one in the 600 before."""
        i = bisect_left(self.starts, start)
        if i < len(self.starts) and self.starts[i] < end:
            return self.hints[i]
        if i and self.starts[i - 1] >= start - 600:
            return self.hints[i - 1]
        return None


# --- the engine --------------------------------------------------------------------------------------


def suggest(text: str) -> list[Candidate]:
    """Candidate attributions and figures in `text`, in text order."""
    out: list[Candidate] = []
    events = _EventHints(text)
    lowered = _lower(text)
    # One pass per expression over the whole text; sentences without a trigger are skipped.
    triggers = sorted(
        [m.start() for m in p.SAY_RE.finditer(text)]
        + [m.start() for regex in (p.ACCORDING, p.MEDIUM, p.HEDGE) for m in regex.finditer(lowered)]
    )
    counts = list(p.FIGURE_RE.finditer(lowered))
    count_starts = [m.start() for m in counts]
    tolls: list[tuple[Candidate, _Figure, int]] = []
    for index, (start, end) in enumerate(sentences(text)):
        sentence = text[start:end]
        i = bisect_left(triggers, start)
        sentence_cues = (
            cues(text, start, end, lowered) if i < len(triggers) and triggers[i] < end else []
        )
        j = bisect_left(count_starts, start)
        k = bisect_left(count_starts, end, lo=j)
        figures = (
            _figures_in(text, start, end, [m for m in counts[j:k] if m.end() <= end])
            if k > j
            else []
        )
        hint = events.near(start, end) if figures or sentence_cues else None
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
                    event_hint=hint,
                )
            )
        cue = next((c for c in sentence_cues if c.speaker), None) or (
            sentence_cues[0] if sentence_cues else None
        )
        for fig in figures:
            tolls.append(
                (
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
                        sentence_start=start,
                        sentence_end=end,
                    ),
                    fig,
                    index,
                )
            )
            out.append(tolls[-1][0])
    for r, e in _supersede(tolls).items():
        revised = dataclasses.replace(tolls[r][0], supersedes=tolls[e][0].fingerprint)
        out[out.index(tolls[r][0])] = revised
    return out
