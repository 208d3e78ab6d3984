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
from suggestions import numbers, speakers
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
    speaker_text: str | None = None  # the speaker as written ("He", "the group", "Zaman")
    speaker_kind: str | None = None  # "person", "organisation", or None when the text does not say
    speaker_role: str | None = None  # "spokesman": for a new actor the text describes
    speaker_affiliation: str | None = None  # "Taliban", "the Balkh police command"
    frame_start: int | None = None  # the reporting frame ("Zaman said", "According to X,")
    frame_end: int | None = None
    affiliation_id: int | None = None  # the tracker's actor for speaker_affiliation (review.py)
    new_actor: bool = False  # a named speaker the tracker does not know: propose an actor

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
    role: str | None = None  # from an appositive: "X, the group's spokesman, said"
    affiliation: str | None = None
    frame_start: int | None = None  # the reporting frame: "Zaman said", "According to X,"
    frame_end: int | None = None


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
            written = before[-1].lstrip('("“') if before else ""
            word = written.lower()
            if word in p.ABBREVIATIONS:
                continue
            if len(word) == 1 and word.isalpha():
                word = written
                # An initial ("N Biren Singh", "George W. Bush"), not "a post on X."
                previous = before[-2] if len(before) > 1 else ""
                if not word.isupper() or previous[:1].isupper() or len(before) == 1:
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
    """Named: a person or an organisation with a proper noun; see `speakers.is_named`."""
    return speakers.is_named(speaker)


def _voice(speaker: str | None, quoted: bool, hedged: bool) -> str:
    if speaker is None:
        return "hearsay" if hedged else "unnamed"
    if speaker.lower() in {"he", "she", "they", "we", "i"}:
        return "quoted" if quoted else "paraphrased"
    if not _is_named(speaker):
        return "unnamed"
    return "quoted" if quoted else "paraphrased"


_ASIDE = re.compile(
    r",\s*(?:however|meanwhile|though|too|also|in\s+turn|for\s+(?:his|her|its|their)\s+part)\s*,",
    re.IGNORECASE,
)


_ADVERB_BEFORE = re.compile(r",\s*(?:later|also|earlier|then|separately)\s+$")


def _sentence_subject(text: str, start: int, at: int) -> tuple[str | None, str | None]:
    """The subject that opens text[start:at] (after a dateline), with a named appositive preferred:
    "A Taliban commander in South Waziristan, Maulvi Nazir, was quoted" gives Maulvi Nazir."""
    dateline = p.DATELINE.match(text, start, at)
    begin = dateline.end() if dateline else start
    m = p.SPEAKER_AFTER.match(text, begin, at)
    if not m:
        return None, None
    speaker = _clean_speaker(_SPEAKER_END.split(m.group("speaker"))[0])
    rest = text[begin + len(m.group()) : at]
    named = re.match(rf"\s*(?:[^,]{{0,60}}),\s*(?P<name>{p.NAME}),", rest)
    if speaker and named and (not _is_named(speaker) or _titled(speaker)):
        return _clean_speaker(named.group("name")), speaker
    return speaker, None


def _titled(speaker: str) -> bool:
    return any(speakers._bare(w) in speakers.TITLES for w in speaker.split())


def _speaker_before(text: str, start: int, at: int) -> tuple[str | None, str | None]:
    """The speaker written right before position `at` in the sentence starting at `start`, and an
    appositive describing it ("the group's spokesman") when there is one."""
    left = _ASIDE.sub("", text[max(start, at - 160) : at])
    left = _ADVERB_BEFORE.sub(", ", left)
    clause = _CLAUSE_BREAK.split(left)[-1]
    apposed = None
    if "," in left and (
        left.rstrip().endswith(",") or _ROLE_RE.search(left, left.rfind(",")) is not None
    ):
        apposed = p.APPOSITION.search(left)
    if apposed and apposed.group("comma") and _clean_speaker(apposed.group("speaker")):
        speaker = _clean_speaker(apposed.group("speaker"))
        appositive = " ".join(apposed.group("appositive").split())
        if appositive.lower().startswith(("who ", "which ", "speaking", "however")):
            return speaker, None
        other = _clean_speaker(appositive)
        proper = appositive[:1].isupper() or re.match(r"the\s+[A-Z]", appositive)
        if (
            other
            and proper
            and _is_named(other)
            and (not speaker or not _is_named(speaker) or _titled(speaker))
        ):
            return other, speaker  # "the district health officer, Dr Faisal Kamal, told"
        return speaker, appositive
    if (
        apposed
        and _ROLE_RE.search(apposed.group("appositive"))
        and _clean_speaker(apposed.group("speaker"))
    ):
        return _clean_speaker(apposed.group("speaker")), None
    clause = clause.split(",")[-1] if not clause.rstrip().endswith(",") else clause
    m = p.SPEAKER_BEFORE.search(clause)
    if m and "," in m.group("speaker"):
        role, name = (part.strip() for part in m.group("speaker").rsplit(",", 1))
        if _is_named(name) and speakers.kind_of(name) != "organisation":
            return _clean_speaker(name), role  # "The head of the judiciary, Kazem Mousavi, said"
    if not m:
        m = p.WHO_CLAUSE.search(clause)
    if not m:
        if p.COORDINATED.search(clause):
            return _sentence_subject(text, start, at)
        return None, None
    return _clean_speaker(m.group("speaker")), None


def _speaker_after(text: str, at: int, end: int) -> str | None:
    m = p.SPEAKER_AFTER.match(text, at, end)
    if not m:
        return None
    speaker = _SPEAKER_END.split(m.group("speaker"))[0]
    named = _NAMED_AFTER.match(text, m.start("speaker") + len(speaker))
    if named and (not _is_named(speaker) or _titled(speaker)):
        return _clean_speaker(named.group("name"))  # "the deputy police chief, Alireza Daliri,"
    return _clean_speaker(speaker)


_NAMED_AFTER = re.compile(rf",\s*(?P<name>{p.NAME}),")


def _frame(text: str, start: int, end: int, written: str | None, at: int, verb_end: int):
    """Where the reporting frame (speaker and verb) lies: from the speaker as written to the end of
    the verb, or from the verb to the speaker when the speaker follows ("said Suhail Shaheen")."""
    if not written:
        return at, verb_end
    before = text.rfind(written, start, at)
    if before != -1:
        return before, verb_end
    after = text.find(written, at, end)
    if after != -1:
        return at, after + len(written)
    return at, verb_end


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

    def add(speaker, verb, at, verb_end, appositive=None, voice=None):
        role = affiliation = None
        if appositive:
            role, affiliation = speakers.describe(appositive)
            if role and not any(speakers._bare(w) in speakers.TITLES for w in role.split()):
                role = affiliation = None
        frame_start, frame_end = _frame(text, start, end, speaker, at, verb_end)
        found.append(
            Cue(
                speaker,
                verb,
                voice or _voice(speaker, quoted, bool(hedge)),
                stance(verb),
                at,
                role,
                affiliation,
                frame_start,
                frame_end,
            )
        )

    for m in p.SAY_RE.finditer(text, start, end):
        verb = m.group("verb")
        at = m.start()
        verb_end = m.end("verb")
        if _DETERMINER_BEFORE.search(lowered, max(start, at - 7), at):
            continue  # "the alleged mastermind": an adjective, not a reporting verb
        obj = (m.group("object") or "").strip()
        if verb in {"told", "tells", "tell"} and obj:
            verb = f"{verb} {obj}"
            verb_end = m.end()
        elif verb in {"claimed", "claims", "claim"} and lowered.startswith(
            " responsibility", m.end()
        ):
            verb = f"{verb} responsibility"
            verb_end = m.end() + len(" responsibility")
        medium = p.MEDIUM.match(lowered, m.end("verb") + 1, end)
        if medium and medium.group("medium"):  # "said in a tweet", "said in a statement"
            verb = f"{verb} {' '.join(text[medium.start() : medium.end()].split())}"
            verb_end = medium.end()
        appositive = None
        if verb in p.PARTICIPLES:
            clause = max(text.rfind(", but ", start, at), text.rfind("; ", start, at))
            if found and found[-1].at > clause:
                continue  # "X said, blaming ...": the same speaker again
            speaker, appositive = _sentence_subject(text, clause + 2 if clause != -1 else start, at)
        else:
            speaker, appositive = _speaker_before(text, start, at)
        if speaker is None:
            after = text[m.start() - 3 : m.start()]
            if at == start or after.rstrip().endswith((",", "”", '"', "’")):
                after_verb = m.end() if verb.startswith(("told", "tell")) else m.end("verb")
                speaker = _speaker_after(text, after_verb, end)
        if speaker is None:
            continue
        add(speaker, verb, at, verb_end, appositive)
    for m in p.ACCORDING.finditer(lowered, start, end):
        speaker = _speaker_after(text, m.end(), end)
        if speaker:
            verb = " ".join(text[m.start() : m.end()].split())
            add(speaker, verb, m.start(), m.end(), voice=_voice(speaker, quoted, False))
    for m in p.TOLL_BY.finditer(lowered, start, end):
        speaker = _speaker_after(text, m.end(), end)
        if speaker:
            add(
                speaker,
                "provided the toll",
                m.start(),
                m.end(),
                voice=_voice(speaker, False, False),
            )
    if not found:
        medium = p.MEDIUM.search(lowered, start, end)
        if medium:
            verb = " ".join(text[medium.start() : medium.end()].split())
            speaker, appositive = _speaker_before(text, start, medium.start())
            if speaker is None and _NOBODY.search(lowered, start, medium.start()):
                return found  # "no group claimed responsibility"
            add(
                speaker,
                verb,
                medium.start(),
                medium.end(),
                appositive,
                _voice(speaker, quoted, False),
            )
        elif hedge:
            verb = " ".join(text[hedge.start() : hedge.end()].split())
            add(None, verb, hedge.start(), hedge.end(), voice="hearsay")
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
        if rest.startswith(("or wounded", "or injured", "or hurt", "or killed", "or dead")):
            measure = None  # "killed or wounded": neither count alone
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


def _supersede(figures: list[tuple[Candidate, _Figure, int]], headline: int) -> dict[int, int]:
    """For each revised toll, the earlier toll of the same text it supersedes (by list index).

    A revision ("the toll rose to 31", "was 21, later 29") supersedes, in this order of preference:
    the nearest earlier count in its own sentence; a count stated as the first or earlier one; the
    nearest count before it; the nearest after it (a story that gives the new toll first). Parts of
    a count, increments ("twelve more") and counts of other measures or populations never qualify.
    """
    out: dict[int, int] = {}
    for r, (_, rf, r_sentence) in enumerate(figures):
        if not rf.revision or r_sentence == headline or rf.part or rf.increment:
            continue  # a headline states the news, it does not revise it

        def fits(e: int, r: int = r) -> bool:
            return _may_supersede(figures[r], figures[e], later_first=e > r)

        same = [e for e in range(r) if figures[e][2] == r_sentence and fits(e)]
        marked = [e for e in range(len(figures)) if figures[e][1].initial and fits(e)]
        before = [e for e in range(r) if fits(e) and figures[e][2] != headline]
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


_QUOTES = '"“”'
_EDGE = " \t\n,;:-–—\"“”‘’'"


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding spaces, commas and quotation marks, and without a final stop."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and (text[end - 1] in _EDGE or text[end - 1] == "."):
        end -= 1
    if text.startswith("that ", start) and end - start > 5:
        start += 5
    return start, end


def quote_span(text: str, start: int, end: int, frame: tuple[int, int] | None) -> tuple[int, int]:
    """The words attributed in the sentence text[start:end], without the reporting frame.

    A quotation next to the frame ("“We will not forget,” he said") is the quotation; otherwise the
    reported clause: after a frame that opens the sentence ("X said that ..."), before one that
    closes it ("..., officials said"), or the longer side of one in the middle.
    """
    if frame is None:
        return start, end
    f0, f1 = frame
    for open_mark, close_mark in (("“", "”"), ('"', '"')):
        q0 = text.find(open_mark, start, end)
        q1 = text.find(close_mark, q0 + 1, end) if q0 != -1 else -1
        if q0 == -1 or q1 == -1:
            continue
        before, after = text[start:q0], text[q1 + 1 : end]
        adjacent = (f0 >= q1 and not text[q1 + 1 : f0].strip(" ,.")) or (
            f1 <= q0 and not text[f1:q0].strip(" ,:")
        )
        if adjacent or (not before.strip() and f0 >= q1):
            q_start, q_end = _strip(text, q0, q1)
            if q_end > q_start:
                return q_start, q_end
        _ = after
    before = _strip(text, start, f0)
    after = _strip(text, f1, end)
    dateline = p.DATELINE.match(text, start, f0)
    if dateline and not text[dateline.end() : f0].strip():
        before = (f0, f0)
    size_before, size_after = before[1] - before[0], after[1] - after[0]
    if size_before < 12 and size_after >= 12:
        return after
    if size_before >= 12 and (size_after < 12 or size_before >= size_after or f1 >= end - 2):
        return before
    if size_after >= 12:
        return after
    return start, end


def _needs_context(cue: Cue) -> bool:
    """Whether resolving this cue's speaker needs the names around it."""
    written = (cue.speaker or "").lower()
    return bool(written) and (
        written in _CONTEXT_WORDS or " " not in written.strip() or written.startswith("the ")
    )


_CONTEXT_WORDS = speakers.PERSON_PRONOUNS | speakers.ORG_PHRASES | {"they"}


def _resolve(cues_by_sentence, text: str, spans) -> dict[int, tuple]:
    """For each cue (by id): the speaker it names, its kind, role and affiliation.

    Goes through the text once, keeping the persons and organisations named so far (as speakers,
    as sentence subjects and as groups mentioned in passing) to resolve pronouns, "the group", "the
    agency" and surnames against the nearest compatible one.
    """
    needed = any(_needs_context(c) for cues_ in cues_by_sentence for c in cues_)
    subjects = _subjects(text, spans) if needed else []
    mentions = sorted((speakers.mentions_in(text) if needed else []) + subjects, key=lambda m: m.at)
    known: list[speakers.Mention] = []
    pending = iter(mentions)
    upcoming = next(pending, None)
    out: dict[int, tuple] = {}
    for sentence_cues in cues_by_sentence:
        for cue in sentence_cues:
            at = cue.frame_start if cue.frame_start is not None else cue.at
            while upcoming is not None and upcoming.at < at:
                known.append(upcoming)
                upcoming = next(pending, None)
            written = cue.speaker
            name, kind, role, affiliation = written, None, cue.role, cue.affiliation
            if written is None:
                out[id(cue)] = (None, None, None, None)
                continue
            low = " ".join(written.lower().split())
            if low in speakers.PERSON_PRONOUNS | {"they"} | speakers.ORG_PHRASES or low in {
                "the agency", "its news agency", "the news agency", "the militant group",
                "the outfit",
            }:  # fmt: skip
                name, kind = speakers.resolve(written, at, known, 0)
                if name is None:
                    name = None if low == "it" else written
            elif _is_named(written):
                named = speakers.split_title(written)
                name, kind = speakers.full_name(named.name, known), named.kind
                if kind is None:
                    kind = next((m.kind for m in reversed(known) if m.name == name), None)
                role = role or named.role
                affiliation = affiliation or named.affiliation
            if affiliation and affiliation.lower() in {"the group", "the militants", "the outfit"}:
                affiliation = speakers.resolve("the group", at, known, 0)[0] or affiliation
            out[id(cue)] = (name, kind, role, affiliation)
            if name and (name != written or _is_named(written)):
                known.append(speakers.mention(at, name, kind, speaker=True))
    return out


_NAME_OPENS = re.compile(
    r"(?:[A-Z][A-Z .,'-]{2,40}[-–—:]\s*)?(?:The\s+|A\s+)?[A-Z][\w'’.-]*\s+[A-Z]"
)


def _subjects(text: str, spans) -> list:
    """Who opens each sentence, when it is a name: "President Joe Biden vowed ..."."""
    out = []
    for start, end in spans:
        if not _NAME_OPENS.match(text, start):
            continue
        speaker, _ = _sentence_subject(text, start, min(end, start + 160))
        if speaker and speaker.lower() not in speakers.PERSON_PRONOUNS and _is_named(speaker):
            named = speakers.split_title(speaker)
            if named.kind:
                out.append(speakers.mention(start, named.name, named.kind, speaker=False))
    return out


def suggest(text: str) -> list[Candidate]:
    """Candidate attributions and figures in `text`, in text order."""
    out: list[Candidate] = []
    events = _EventHints(text)
    lowered = _lower(text)
    # One pass per expression over the whole text; sentences without a trigger are skipped.
    triggers = sorted(
        [m.start() for m in p.SAY_RE.finditer(text)]
        + [
            m.start()
            for regex in (p.ACCORDING, p.MEDIUM, p.HEDGE, p.TOLL_BY)
            for m in regex.finditer(lowered)
        ]
    )
    counts = list(p.FIGURE_RE.finditer(lowered))
    count_starts = [m.start() for m in counts]
    spans = sentences(text)
    found = []
    for start, end in spans:
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
        found.append((sentence_cues, figures))
    all_cues = [c for c, _ in found]
    resolved = _resolve(all_cues, text, spans) if any(all_cues) else {}
    tolls: list[tuple[Candidate, _Figure, int]] = []
    for index, ((start, end), (sentence_cues, figures)) in enumerate(
        zip(spans, found, strict=True)
    ):
        hint = events.near(start, end) if figures or sentence_cues else None
        made: list[Candidate] = []
        seen: set[str] = set()
        for cue in sentence_cues:
            name, kind, role, affiliation = resolved.get(id(cue), (cue.speaker, None, None, None))
            if cue.speaker is not None and name is None:
                continue  # "it said" with nothing it can stand for
            key = (name or "").casefold()
            if key in seen:
                continue  # one attribution per speaker and sentence
            seen.add(key)
            voice = cue.voice
            if voice != "hearsay" and cue.speaker is not None:
                pronoun = cue.speaker.lower() in speakers.PERSON_PRONOUNS | {"they", "it"}
                if name != cue.speaker and (kind or not pronoun):
                    voice = _voice(
                        name, cue.voice == "quoted" or _has_quote(text, start, end), False
                    )
                elif pronoun:
                    voice = "unnamed"
            frame = (cue.frame_start, cue.frame_end) if cue.frame_start is not None else None
            q0, q1 = quote_span(text, start, end, frame) if cue.speaker or frame else (start, end)
            made.append(
                Candidate(
                    kind="attribution",
                    quote=text[q0:q1],
                    start=q0,
                    end=q1,
                    speaker=name,
                    verb=cue.verb,
                    voice=voice,
                    stance=cue.stance,
                    event_hint=hint,
                    sentence_start=start,
                    sentence_end=end,
                    speaker_text=cue.speaker,
                    speaker_kind=kind,
                    speaker_role=role,
                    speaker_affiliation=affiliation,
                    frame_start=frame[0] if frame else None,
                    frame_end=frame[1] if frame else None,
                )
            )
        out.extend(made)
        lead = next((c for c in made if c.speaker), None) or (made[0] if made else None)
        for fig in figures:
            inside = lead is not None and lead.start <= fig.start and fig.end <= lead.end
            q0, q1 = (lead.start, lead.end) if inside else (start, end)
            candidate = Candidate(
                kind="figure",
                quote=text[q0:q1],
                start=q0,
                end=q1,
                speaker=lead.speaker if lead else None,
                verb=lead.verb if lead else None,
                voice=lead.voice if lead else "own",
                stance=lead.stance if lead else "supports",
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
                speaker_text=lead.speaker_text if lead else None,
                speaker_kind=lead.speaker_kind if lead else None,
                speaker_role=lead.speaker_role if lead else None,
                speaker_affiliation=lead.speaker_affiliation if lead else None,
                frame_start=lead.frame_start if lead and inside else None,
                frame_end=lead.frame_end if lead and inside else None,
            )
            tolls.append((candidate, fig, index))
            out.append(candidate)
    # A first line without a full stop is a headline: it states the news, it revises nothing.
    headline = 0 if spans and text[spans[0][1] - 1] not in '.!?"”’' else -1
    for r, e in _supersede(tolls, headline).items():
        revised = dataclasses.replace(tolls[r][0], supersedes=tolls[e][0].fingerprint)
        out[out.index(tolls[r][0])] = revised
    return out


def _has_quote(text: str, start: int, end: int) -> bool:
    return any(mark in text[start:end] for mark in _QUOTES)
