"""Score the suggestion engine against the hand-annotated articles in tests/suggestions/articles."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from suggestions.engine import suggest

ARTICLES = Path(__file__).resolve().parent / "articles"
_DETERMINERS = {"the", "a", "an", "its", "his", "her", "their"}


def _tokens(name: str) -> set[str]:
    words = re.findall(r"[\w'’-]+", name.casefold().replace("’", "'"))
    return {w.removesuffix("'s") for w in words if w not in _DETERMINERS}


def speaker_matches(annotated: str, found: str) -> bool:
    want, got = _tokens(annotated), _tokens(found)
    if not want or not got:
        return False
    return want <= got or (got <= want and len(got) * 2 >= len(want))


@dataclass
class Score:
    figures_expected: int = 0
    figures_found: int = 0
    figures_correct: int = 0
    speakers_expected: int = 0
    speakers_found: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    @property
    def figure_recall(self) -> float:
        return self.figures_correct / self.figures_expected

    @property
    def figure_precision(self) -> float:
        return self.figures_correct / self.figures_found if self.figures_found else 1.0

    @property
    def speaker_recall(self) -> float:
        return self.speakers_found / self.speakers_expected


def _span(text: str, wanted: dict) -> tuple[int, int]:
    at = text.index(wanted["text"])
    inner = wanted.get("figure")
    if inner:
        at += wanted["text"].index(inner)
        return at, at + len(inner)
    return at, at + len(wanted["text"])


def score() -> Score:
    result = Score()
    for path in sorted(ARTICLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        notes = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        candidates = suggest(text)
        figures = [c for c in candidates if c.kind == "figure"]
        matched: set[int] = set()
        for wanted in notes["figures"]:
            result.figures_expected += 1
            start, end = _span(text, wanted)
            for i, c in enumerate(figures):
                if i in matched or c.text_end <= start or c.text_start >= end:
                    continue
                if (c.measure, c.qualifier, c.value) == (
                    wanted["measure"],
                    wanted["qualifier"],
                    wanted["value"],
                ):
                    matched.add(i)
                    result.figures_correct += 1
                    break
            else:
                result.misses.append(f"{path.stem}: figure {wanted}")
        result.figures_found += len(figures)
        for i, c in enumerate(figures):
            if i not in matched:
                result.false.append(f"{path.stem}: {c.text!r} {c.measure} {c.qualifier} {c.value}")
        speakers = [c.speaker for c in candidates if c.speaker]
        for name in notes["speakers"]:
            result.speakers_expected += 1
            if any(speaker_matches(name, s) for s in speakers):
                result.speakers_found += 1
            else:
                result.misses.append(
                    f"{path.stem}: speaker {name!r} (found {sorted(set(speakers))})"
                )
    return result


if __name__ == "__main__":
    s = score()
    print("\n".join(s.misses))
    print("FALSE:", "\n".join(s.false))
    print(
        f"figures: recall {s.figure_recall:.2f} ({s.figures_correct}/{s.figures_expected}), "
        f"precision {s.figure_precision:.2f} ({s.figures_correct}/{s.figures_found}); "
        f"speakers: recall {s.speaker_recall:.2f} ({s.speakers_found}/{s.speakers_expected})"
    )
