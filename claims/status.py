"""The claim-status rules of SPEC.md, as a pure function of the evidence. No Django here.

The models gather one Evidence per attribution (who speaks, from which origin, in which voice and
stance) plus the figure divergences, and store what `derive` returns.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from claims.charts import range_words
from claims.intervals import TOTAL, Divergence

CONTESTED = "contested"
CORROBORATED = "corroborated"
REPORTED = "reported"
ATTRIBUTED = "attributed"
UNSUPPORTED = "unsupported"

OWN = "own"
SUPPORTS, REFUTES, QUESTIONS = "supports", "refutes", "questions"
AGAINST = {REFUTES: "refuted", QUESTIONS: "questioned"}
# How a voice reads beside the speaker; unnamed sources and hearsay say so in their label.
VOICE_WORDS = {OWN: "in its own voice", "quoted": "quoted", "paraphrased": "paraphrased"}
# How many diverging figure pairs a status reason names before summing up the rest.
MAX_DIVERGENCES_SHOWN = 10
# How many pairs per group to gather so that MAX_DIVERGENCES_SHOWN distinct lines can be named.
DIVERGENCES_GATHERED = 5 * MAX_DIVERGENCES_SHOWN


@dataclass(frozen=True)
class Evidence:
    attribution_id: int
    source_key: tuple  # who speaks: ("actor", id), or ("origin", origin key) for unnamed voices
    speaker_label: str  # "Amrullah Saleh", "The New York Times" (claims.evidence.speaker_label)
    origin_key: tuple  # ("outlet", id) or ("document", id) when the publisher is unknown
    origin_label: str
    voice: str
    stance: str
    on: date | None

    def describe(self) -> str:
        """“Amrullah Saleh (quoted, 2021-08-27)”, “RFE/RL (in its own voice, undated)”."""
        when = self.on.isoformat() if self.on else "undated"
        voice = VOICE_WORDS.get(self.voice)
        return (
            f"{self.speaker_label} ({voice}, {when})" if voice else f"{self.speaker_label} ({when})"
        )


@dataclass(frozen=True)
class Figures:
    """Labels for figure divergences, made by the caller which knows the rows."""

    divergences: Sequence[Divergence]  # the pairs to name (the first of them, on a hot claim)
    labels: dict[int, str]  # attribution id -> who gave the figures: "United States government"
    texts: dict[int, str] = field(default_factory=dict)  # figure id -> "some 170 Afghans"
    # figure id -> the share an approximate figure is allowed either way: 0.15 for "some 170"
    tolerances: dict[int, float] = field(default_factory=dict)
    total: int | None = None  # every diverging pair, counted; None: len(divergences)

    @property
    def count(self) -> int:
        return len(self.divergences) if self.total is None else self.total

    def amount(self, estimate) -> str:
        """What one side of a divergence says, in words and whole people: “about 85 to 115
        killed (“around 100”, allowing 15% either way)”, “at least 158 killed, counting “some 170
        Afghans” and “13 American soldiers”, allowing 15% either way for “some 170 Afghans””."""
        ids = estimate.figure_ids
        written = [f"“{self.texts[i]}”" for i in ids if self.texts.get(i)]
        hedged = [i for i in ids if i in self.tolerances]
        about = "about " if hedged and len(ids) == 1 and not estimate.interval.open_ended else ""
        what = estimate.measure.replace("_", " ")
        if estimate.population != TOTAL:
            what += f" among {estimate.population}"
        words = f"{about}{range_words(estimate.interval)} {what}"
        allowing = ""
        if hedged:
            shares = sorted({_percent(self.tolerances[i]) for i in hedged})
            allowing = f"allowing {_and(shares)} either way"
        if len(ids) > 1 or estimate.rolled_up:
            words += f", counting {_and(written)}" if written else ""
            if allowing:
                hedged_texts = [f"“{self.texts[i]}”" for i in hedged if self.texts.get(i)]
                words += f", {allowing}" + (f" for {_and(hedged_texts)}" if hedged_texts else "")
            return words
        inside = ", ".join(p for p in (_and(written), allowing) if p)
        return f"{words} ({inside})" if inside else words

    def describe(self, estimate) -> str:
        """“Who: what they say” for one side of a divergence."""
        who = self.labels.get(estimate.attribution_id, "")
        return f"{who}: {self.amount(estimate)}" if who else self.amount(estimate)


def _percent(share) -> str:
    return f"{float(share) * 100:.4g}%"


def _and(items: list[str]) -> str:
    """“A”, “A and B”, “A, B and C”, without repeats."""
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass(frozen=True)
class Tension:
    """A claim this one contradicts (claims.relations), with the evidence read on it."""

    claim_text: str
    evidence: Sequence[Evidence]


def _tensions(supports: list[Evidence], tensions: Sequence[Tension]) -> list[str]:
    """“in tension with …” for each contradicting claim supported by an origin other than the
    ones supporting this claim; nothing when this claim has no support."""
    if not supports:
        return []
    ours = {s.origin_key for s in supports}
    parts = []
    for t in tensions:
        theirs = [e for e in t.evidence if e.stance == SUPPORTS and e.origin_key not in ours]
        if theirs:
            who = _join([e.describe() for e in theirs])
            parts.append(f"in tension with “{t.claim_text}”, supported by {who}")
    return parts


def _join(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    return "; ".join(unique)


def _disputes(
    supports: list[Evidence], against: list[Evidence]
) -> tuple[list[Evidence], list[Evidence]]:
    """The supporting and opposing evidence that takes part in a dispute, in the order of the
    (support, against) pairs with different speakers, without building those pairs: a claim with
    a thousand attributions has hundreds of thousands of them.
    """
    against_keys = {a.source_key for a in against}
    support_keys = {s.source_key for s in supports}
    pro = [s for s in supports if against_keys - {s.source_key}]
    con: list[Evidence] = []
    waiting = [a for a in against if support_keys - {a.source_key}]
    for s in pro:
        if not waiting:
            break
        con.extend(a for a in waiting if a.source_key != s.source_key)
        waiting = [a for a in waiting if a.source_key == s.source_key]
    # `con` lists each opposing item once, in the order its first pair would name it; the pairs
    # listed them again and again, and _join removed the repeats.
    return pro, con


def derive(
    evidence: Sequence[Evidence],
    figures: Figures | None = None,
    tensions: Sequence[Tension] = (),
) -> tuple[str, str]:
    """Return (status, reason) for a claim's attributions and figure divergences.

    `tensions` are the claims it contradicts: when one of them is supported by another origin
    while this one is supported, the claim is contested and the reason names the other claim.
    """
    supports = [e for e in evidence if e.stance == SUPPORTS]
    against = [e for e in evidence if e.stance in AGAINST]
    # Disagreement counts only between different speakers: a source contradicting itself is
    # not a dispute between sources.
    pro_side, con_side = _disputes(supports, against)
    divergences = list(figures.divergences) if figures else []
    tension_parts = _tensions(supports, tensions)
    if pro_side or divergences or tension_parts:
        parts = []
        if pro_side:
            pro = _join([s.describe() for s in pro_side])
            con_by_kind: dict[str, list[str]] = {}
            for a in con_side:
                con_by_kind.setdefault(AGAINST[a.stance], []).append(a.describe())
            cons = ", ".join(f"{kind} by {_join(who)}" for kind, who in con_by_kind.items())
            parts.append(f"supported by {pro}, {cons}")
        if divergences:
            shown: dict[str, None] = {}
            seen = 0
            for d in divergences:
                seen += 1
                line = f"{figures.describe(d.a)}, versus {figures.describe(d.b)}"
                shown[line] = None
                if len(shown) == MAX_DIVERGENCES_SHOWN:
                    break
            if seen < figures.count:
                # A hot claim can hold tens of thousands of diverging pairs: name a few.
                more = figures.count - seen
                shown[
                    f"and {more} more pair{'s' if more > 1 else ''} of figures that cannot both be right"
                ] = None
            parts.append("the figures cannot all be right: " + _join(list(shown)))
        parts.extend(tension_parts)
        return CONTESTED, f"{CONTESTED}: " + "; ".join(parts)
    if not supports:
        if evidence:
            return UNSUPPORTED, f"{UNSUPPORTED}: no attribution supports it"
        return UNSUPPORTED, f"{UNSUPPORTED}: no attributions yet"
    own = [s for s in supports if s.voice == OWN]
    origins = list(dict.fromkeys(s.origin_key for s in own))
    if len(origins) >= 2:
        labels = _and([s.origin_label for s in own])
        return CORROBORATED, (
            f"{CORROBORATED}: stated as fact by {len(origins)} independent outlets ({labels})"
        )
    if own:
        return REPORTED, f"{REPORTED}: stated as fact by {own[0].origin_label} only"
    return (
        ATTRIBUTED,
        f"{ATTRIBUTED}: no outlet states it as fact; it rests on what others said: "
        + _join([s.describe() for s in supports]),
    )
