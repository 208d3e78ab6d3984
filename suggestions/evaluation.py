"""Score the suggestion engine against annotated texts. Plain Python, no Django.

A folder holds `NAME.txt` texts and `NAME.json` annotations (the format is described in
tests/suggestions/devset/README.md). `evaluate(folder)` runs the engine on every text and counts,
per kind, what was expected, what was proposed and what was right: figures overall and by
qualifier, speakers overall and by voice, and revised tolls (a figure proposed as superseding the
earlier one). A found figure is right when its span overlaps the annotated one and its measure,
qualifier and value agree; a found attribution is right when its sentence overlaps the annotated
stretch and its speaker and voice agree.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from suggestions.engine import PRONOUNS, Candidate, suggest
from suggestions.speakers import TITLES

_DETERMINERS = {"the", "a", "an", "its", "his", "her", "their"}


def _tokens(name: str) -> set[str]:
    words = re.findall(r"[\w'’-]+", name.casefold().replace("’", "'"))
    return {w.removesuffix("'s") for w in words if w not in _DETERMINERS}


def speaker_matches(annotated: str | None, found: str | None) -> bool:
    """Whether a found speaker names the annotated one: all its words, or most of them.

    An annotated `None` (hearsay, or a pronoun with no named antecedent) matches no speaker or an
    unresolved pronoun, never a name.
    """
    if annotated is None:
        return found is None or found.casefold() in PRONOUNS
    if found is None:
        return False
    want, got = _tokens(annotated), _tokens(found)
    want = (want - TITLES) or want  # "President Ghani" is Ashraf Ghani
    if not want or not got:
        return False
    return want <= got or (got <= want and len(got) * 2 >= len(want))


@dataclass
class Tally:
    """Expected, found and correct items of one kind; precision and recall from them."""

    expected: int = 0
    found: int = 0
    correct_expected: int = 0  # annotated items that were found
    correct_found: int = 0  # proposals that were right

    @property
    def recall(self) -> float | None:
        return self.correct_expected / self.expected if self.expected else None

    @property
    def precision(self) -> float | None:
        return self.correct_found / self.found if self.found else None

    def add(self, other: "Tally") -> None:
        self.expected += other.expected
        self.found += other.found
        self.correct_expected += other.correct_expected
        self.correct_found += other.correct_found


@dataclass
class Report:
    figures: Tally = field(default_factory=Tally)
    by_qualifier: dict[str, Tally] = field(default_factory=dict)
    speakers: Tally = field(default_factory=Tally)
    by_voice: dict[str, Tally] = field(default_factory=dict)
    revisions: Tally = field(default_factory=Tally)
    texts: int = 0
    items: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    # The names the first scoring script used; tests read them.
    @property
    def figure_recall(self) -> float:
        return self.figures.recall or 0.0

    @property
    def figure_precision(self) -> float:
        return self.figures.precision if self.figures.precision is not None else 1.0

    @property
    def speaker_recall(self) -> float:
        return self.speakers.recall or 0.0

    def lines(self) -> list[str]:
        """The report as printed: one line per kind, then its breakdown."""

        def line(name: str, tally: Tally, indent: str = "") -> str:
            def pct(value, num, den):
                return f"{value:.2f} ({num}/{den})" if value is not None else "n/a"

            p = pct(tally.precision, tally.correct_found, tally.found)
            r = pct(tally.recall, tally.correct_expected, tally.expected)
            return f"{indent}{name:<16} precision {p:<16} recall {r}"

        out = [f"{self.texts} texts, {self.items} annotated items"]
        out.append(line("figures", self.figures))
        out += [line(k, v, "  ") for k, v in sorted(self.by_qualifier.items())]
        out.append(line("speakers", self.speakers))
        out += [line(k, v, "  ") for k, v in sorted(self.by_voice.items())]
        out.append(line("revisions", self.revisions))
        return out


@dataclass
class _Wanted:
    start: int
    end: int
    note: dict
    optional: bool


def _span(
    text: str, stretch: str, inner: str | None, name: str, strict: bool = True
) -> tuple[int, int]:
    if text.count(stretch) != 1 and (strict or stretch not in text):
        raise ValueError(f"{name}: {stretch!r} occurs {text.count(stretch)} times, not once")
    at = text.index(stretch)
    if inner:
        at += stretch.index(inner)
        return at, at + len(inner)
    return at, at + len(stretch)


def _region(c: Candidate) -> tuple[int, int]:
    """The sentence a candidate was read from (its quote and its reporting frame)."""
    start = c.sentence_start if c.sentence_start is not None else c.start
    end = c.sentence_end if c.sentence_end is not None else c.end
    return start, end


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _tally(table: dict[str, Tally], key: str | None) -> Tally:
    return table.setdefault(key or "none", Tally())


def score_text(
    name: str, text: str, notes: dict, candidates: list[Candidate], report: Report
) -> None:
    """Add one annotated text's counts to `report`."""
    report.texts += 1
    figures = [c for c in candidates if c.kind == "figure"]
    attributions = [c for c in candidates if c.kind == "attribution"]

    # Figures. The older format (speakers as bare names) took a figure's first occurrence.
    speakers = notes.get("speakers", [])
    legacy = bool(speakers) and isinstance(speakers[0], str)
    wanted = []
    for note in notes.get("figures", []):
        start, end = _span(text, note["text"], note.get("figure"), name, strict=not legacy)
        wanted.append(_Wanted(start, end, note, bool(note.get("optional"))))
    report.items += len(wanted)
    matched: dict[int, int] = {}  # candidate index -> wanted index
    for w_i, w in enumerate(wanted):
        key = (w.note["measure"], w.note["qualifier"], w.note["value"])
        for i, c in enumerate(figures):
            if i in matched or not _overlaps((c.text_start, c.text_end), (w.start, w.end)):
                continue
            if (c.measure, c.qualifier, c.value) == key and (
                "value_high" not in w.note or w.note["value_high"] == c.value_high
            ):
                matched[i] = w_i
                break
        if w.optional:
            continue
        report.figures.expected += 1
        _tally(report.by_qualifier, w.note["qualifier"]).expected += 1
        if w_i in matched.values():
            report.figures.correct_expected += 1
            _tally(report.by_qualifier, w.note["qualifier"]).correct_expected += 1
        else:
            report.misses.append(f"{name}: figure {w.note}")
    for i, c in enumerate(figures):
        if i in matched and wanted[matched[i]].optional:
            continue  # an optional count proposed: neither right nor wrong
        report.figures.found += 1
        _tally(report.by_qualifier, c.qualifier).found += 1
        if i in matched:
            report.figures.correct_found += 1
            _tally(report.by_qualifier, c.qualifier).correct_found += 1
        else:
            report.false.append(
                f"{name}: figure {c.text!r} {c.measure} {c.qualifier} {c.value} "
                f"(in “{text[c.text_start - 30 : c.text_end + 30]}”)".replace("\n", " ")
            )

    # Revised tolls: the later figure names the earlier one it supersedes.
    by_text = {w.note["text"]: w_i for w_i, w in enumerate(wanted)}
    figure_of = {w_i: figures[i] for i, w_i in matched.items()}
    fingerprints = {c.fingerprint: c for c in figures}
    for w_i, w in enumerate(wanted):
        earlier = w.note.get("supersedes")
        if not earlier:
            continue
        report.revisions.expected += 1
        later_c, earlier_c = figure_of.get(w_i), figure_of.get(by_text[earlier])
        if later_c and earlier_c and later_c.supersedes == earlier_c.fingerprint:
            report.revisions.correct_expected += 1
        else:
            report.misses.append(f"{name}: revision {w.note['text']!r} supersedes {earlier!r}")
    expected_pairs = {
        (w_i, by_text[w.note["supersedes"]])
        for w_i, w in enumerate(wanted)
        if "supersedes" in w.note
    }
    index_of = {id(c): w_i for w_i, c in figure_of.items()}
    for c in figures:
        if not c.supersedes:
            continue
        report.revisions.found += 1
        earlier_c = fingerprints.get(c.supersedes)
        pair = (index_of.get(id(c)), index_of.get(id(earlier_c)) if earlier_c else None)
        if pair in expected_pairs:
            report.revisions.correct_found += 1
        else:
            report.false.append(
                f"{name}: revision {c.text!r} supersedes {earlier_c and earlier_c.text!r}"
            )

    # Speakers.
    if legacy:
        # The older format: names only, anywhere in the text; no voice, so no precision.
        found = [s for c in attributions for s in (c.speaker, c.speaker_text) if s]
        for written in speakers:
            report.items += 1
            report.speakers.expected += 1
            if any(speaker_matches(written, s) for s in found):
                report.speakers.correct_expected += 1
            else:
                report.misses.append(f"{name}: speaker {written!r} (found {sorted(set(found))})")
        return
    used: dict[int, dict] = {}
    report.items += len(speakers)
    for note in speakers:
        span = _span(text, note["at"], None, name)
        hit = None
        for i, c in enumerate(attributions):
            if i in used or not _overlaps(_region(c), span):
                continue
            if speaker_matches(note["speaker"], c.speaker) and c.voice == note["voice"]:
                hit = i
                break
        if hit is not None:
            used[hit] = note
        if note.get("optional"):
            continue
        report.speakers.expected += 1
        _tally(report.by_voice, note["voice"]).expected += 1
        if hit is not None:
            report.speakers.correct_expected += 1
            _tally(report.by_voice, note["voice"]).correct_expected += 1
        else:
            near = [(c.speaker, c.voice) for c in attributions if _overlaps(_region(c), span)]
            report.misses.append(
                f"{name}: speaker {note['speaker']!r} {note['voice']} at {note['at']!r} "
                f"(found {near})"
            )
    for i, c in enumerate(attributions):
        if i in used and used[i].get("optional"):
            continue
        report.speakers.found += 1
        _tally(report.by_voice, c.voice).found += 1
        if i in used:
            report.speakers.correct_found += 1
            _tally(report.by_voice, c.voice).correct_found += 1
        else:
            report.false.append(
                f"{name}: speaker {c.speaker!r} {c.voice} ({c.verb!r} in "
                f"“{text[_region(c)[0] : _region(c)[1]][:90]}”)".replace("\n", " ")
            )


def evaluate(folder: Path | str, engine: Callable[[str], list[Candidate]] = suggest) -> Report:
    """Run `engine` on every annotated text in `folder` and score it (see the module docstring)."""
    folder = Path(folder)
    report = Report()
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        raise ValueError(f"{folder}: no annotated texts (NAME.txt with NAME.json)")
    for path in paths:
        notes_path = path.with_suffix(".json")
        if not notes_path.exists():
            raise ValueError(f"{path.name}: no annotation {notes_path.name}")
        text = path.read_text(encoding="utf-8")
        notes = json.loads(notes_path.read_text(encoding="utf-8"))
        score_text(path.stem, text, notes, engine(text), report)
    return report
