"""Evidence: where an attribution comes from and who speaks in it, named one way everywhere.

The one implementation of
- the origin of attributions in bulk: the outlet each was relayed through (`via`), else the origin
  of its document (`Document.objects.origins`, the copy chain to its root), by the rule of
  `Attribution.origin()`;
- the speaker label: the named actor; else the outlet in its own voice, the described unnamed
  source, an unnamed source or hearsay, each with the origin it appeared in;
- the `status.Evidence` rows and `status.Figures` that the status rules (`claims.status`) read.

Status reasons, the claim page and its stance matrix, the event comparison, the outlet page, the
API and the synthetic corpus all call these functions, so they name a speaker the same way.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings

from claims import intervals, status
from claims.models import Attribution, Claim, ClaimRelation, Figure
from sources.models import Document, Origin, one_of

# Only the values the rules read, as plain rows: no model instances (a claim with a thousand
# attributions made four thousand of them, with speaker, via and document, on every write).
_ATTRIBUTION_COLUMNS = (
    "pk",
    "claim_id",
    "document_id",
    "speaker_id",
    "via_id",
    "speaker_description",
    "voice",
    "stance",
    "said_on",
    "speaker__name",
    "via__name",
)


def attribution_origins(attributions: Iterable[Attribution]) -> dict[int, Origin]:
    """Map attribution id to its origin: the `via` outlet when given, else its document's origin.

    Expects `via` to be selected with the attributions; one query per level of copying.
    """
    attributions = list(attributions)
    by_document = Document.objects.origins({a.document_id for a in attributions if not a.via_id})
    return {a.pk: a.origin(by_document.get(a.document_id)) for a in attributions}


def speaker_label(attribution: Attribution, origin_label: str) -> str:
    """Who speaks, in words. Expects `speaker` and `via` selected.

    “Amrullah Saleh”; “the Taliban, as reported by RFE/RL” (relayed through `via`); “The New
    York Times” (its own voice: the voice is shown beside the label, never in it); “a senior
    official cited by RFE/RL”; “an unnamed source cited by RFE/RL”; “hearsay reported by RFE/RL”.
    """
    a = attribution
    return _speaker_words(
        a.speaker.name if a.speaker_id else None,
        a.via.name if a.via_id else None,
        a.voice,
        a.speaker_description,
        origin_label,
    )


def _speaker_words(
    speaker: str | None, via: str | None, voice: str, description: str, origin_label: str
) -> str:
    """speaker_label on plain values: the speaker's and the via outlet's names (None when
    there is none), the voice, the unnamed source's description and the origin's label."""
    if speaker is not None:
        if via is not None:
            return f"{speaker}, as reported by {via}"
        return speaker
    if voice == Attribution.Voice.OWN:
        return origin_label
    if voice == Attribution.Voice.HEARSAY and not description:
        return f"hearsay reported by {origin_label}"
    who = description or "an unnamed source"
    return f"{who} cited by {origin_label}"


# A statement named by its stance: “a refuting statement”.
STANCE_WORDS = {
    Attribution.Stance.SUPPORTS: "supporting",
    Attribution.Stance.REFUTES: "refuting",
    Attribution.Stance.QUESTIONS: "questioning",
    Attribution.Stance.NEUTRAL: "neutral",
}


def statement_words(attribution: Attribution, origin_label: str, published=None) -> str:
    """One attribution in words, for an editor: “a refuting statement by the Taliban in Reuters,
    2021-08-27”; “a supporting statement by The New York Times in its own voice, undated”; “a
    questioning statement by a senior official cited by RFE/RL, 2021-08-27”; “a supporting
    statement, hearsay reported by Socialist Worker, 2023-04-29”. The speaker is `speaker_label`;
    the date is when it was said, else when its document was `published`, else “undated” (the
    date the status reasons use). Expects `speaker` and `via` selected."""
    a = attribution
    stance = STANCE_WORDS.get(a.stance, a.stance)
    who = speaker_label(a, origin_label)
    if a.voice == Attribution.Voice.OWN:
        where = f" {status.VOICE_WORDS[status.OWN]}"
    elif a.speaker_id and not a.via_id:
        where = f" in {origin_label}"
    else:
        where = ""  # the label already names where it appeared (relayed, unnamed, hearsay)
    on = a.stated_on or published
    when = on.isoformat() if on else "undated"
    by = "," if who.startswith("hearsay") else " by"
    return f"a {stance} statement{by} {who}{where}, {when}"


def source_key(attribution: Attribution, origin_key: tuple) -> tuple:
    """Who speaks, as an identity: the actor, or for unnamed voices the origin."""
    return _source_key(attribution.speaker_id, origin_key)


def _source_key(speaker_id: int | None, origin_key: tuple) -> tuple:
    if speaker_id:
        return ("actor", speaker_id)
    return ("origin", origin_key)


def label(attributions: Iterable[Attribution], origins: dict | None = None) -> list[Attribution]:
    """Set `origin_key`, `origin_label` and `speaker_label` on each attribution (for templates).

    Expects `speaker` and `via` selected (and takes their `origins` when the caller has them);
    returns the attributions as a list.
    """
    attributions = list(attributions)
    if origins is None:
        origins = attribution_origins(attributions)
    for a in attributions:
        a.origin_key, a.origin_label = origins[a.pk]
        a.speaker_label = speaker_label(a, a.origin_label)
    return attributions


def _reviewed(queryset, proposed: bool):
    """The evidence rows the status reads: the live (approved) ones, or with `proposed` the rows
    as they would be if every pending change were approved (claims.models.review)."""
    return queryset.proposed() if proposed else queryset.live()


def gather(
    claim_ids: Iterable[int],
    groups: dict[int, frozenset[int]] | None = None,
    *,
    proposed: bool = False,
) -> dict[int, tuple[list[status.Evidence], status.Figures]]:
    """Everything the status rules read about each claim, for many claims at once.

    `groups` maps a claim to the claims whose evidence counts for it (its same_as group, see
    claims.relations); by default a claim reads its own. Reads approved evidence only, or with
    `proposed` the evidence as it would be once every pending change is approved (the staff
    preview). Three queries plus one per level of copying, however many claims are asked for.
    """
    claim_ids = set(claim_ids)
    groups = {pk: (groups or {}).get(pk, frozenset({pk})) for pk in claim_ids}
    members = set().union(*groups.values()) if groups else set()
    # A pending copy of an edit stands in for the live row it replaces (replaces_id), under that
    # row's id, so a preview names it and attaches its figures as the approved row would.
    rows = list(
        _reviewed(Attribution.objects.filter(claim_id__in=members), proposed)
        .order_by("pk")
        .values_list(*_ATTRIBUTION_COLUMNS, "replaces_id")
    )
    by_document = Document.objects.origins({row[2] for row in rows if not row[4]})
    evidence: dict[int, list[status.Evidence]] = {pk: [] for pk in members}
    labels: dict[int, dict[int, str]] = defaultdict(dict)
    claim_of: dict[int, int] = {}
    for pk, claim_id, document_id, speaker_id, via_id, described, voice, stance, on, *rest in rows:
        speaker, via, replaces_id = rest
        pk = replaces_id or pk
        origin_key, origin_label = Attribution.origin_from(
            via_id, via, None if via_id else by_document[document_id]
        )
        e = status.Evidence(
            attribution_id=pk,
            source_key=_source_key(speaker_id, origin_key),
            speaker_label=_speaker_words(speaker, via, voice, described, origin_label),
            origin_key=origin_key,
            origin_label=origin_label,
            voice=voice,
            stance=stance,
            on=on,  # Attribution.said_on: the stated date, else the document's
        )
        evidence[claim_id].append(e)
        labels[claim_id][pk] = e.speaker_label
        claim_of[pk] = claim_id
    facts: dict[int, list[intervals.FigureFact]] = defaultdict(list)
    texts: dict[int, dict[int, str]] = defaultdict(dict)
    tolerances: dict[int, dict[int, float]] = defaultdict(dict)
    approximately = Figure.Qualifier.APPROXIMATELY
    # By attribution ids, not through a join on the claim: on a hot claim the join made the
    # planner scan every figure.
    for among in one_of(Figure, "attribution_id", list(claim_of)):
        figures = (
            _reviewed(Figure.objects.filter(among), proposed)
            .order_by()
            .values_list(*Figure.FACT_COLUMNS, "text", "qualifier", "replaces_id")
        )
        for pk, *columns, text, qualifier, replaces_id in figures:
            fact = Figure.fact_from(replaces_id or pk, *columns)
            claim_id = claim_of[fact.attribution_id]
            facts[claim_id].append(fact)
            texts[claim_id][fact.id] = text
            if qualifier == approximately:
                tolerances[claim_id][fact.id] = settings.FIGURE_APPROXIMATE_TOLERANCE
    gathered = {}
    for claim_id in claim_ids:
        group = sorted(groups[claim_id])
        # In one order whatever the database returned: the reason names pairs in this order.
        ordered = sorted(
            (f for m in group for f in facts[m]),
            key=lambda f: (f.measure, f.population, f.interval.low),
        )
        # Enough pairs per group to name MAX_DIVERGENCES_SHOWN distinct ones; the rest counted.
        found = intervals.find_divergences(ordered, limit=status.DIVERGENCES_GATHERED)
        gathered[claim_id] = (
            sorted((e for m in group for e in evidence[m]), key=lambda e: e.attribution_id),
            status.Figures(
                found.pairs,
                {k: v for m in group for k, v in labels[m].items()},
                {k: v for m in group for k, v in texts[m].items()},
                total=found.total,
                tolerances={k: v for m in group for k, v in tolerances[m].items()},
            ),
        )
    return gathered


def evidence_for(claim, *, proposed: bool = False) -> tuple[list[status.Evidence], status.Figures]:
    """Everything the status rules read about one claim (with its same_as group's evidence):
    approved evidence, or with `proposed` as it would be once every pending change is approved."""
    groups = ClaimRelation.objects.same_as_groups([claim.pk])
    return gather([claim.pk], groups, proposed=proposed)[claim.pk]


def derive(claim_ids: Iterable[int], *, proposed: bool = False) -> dict[int, tuple[str, str]]:
    """(status, reason) of each claim, derived from its approved evidence, the evidence of its
    same_as group, and the claims it contradicts (claims.relations): a handful of queries when no
    claim is related, however many claims are asked for. With `proposed`, from the evidence as it
    would be once every pending change is approved: the staff preview, by the same rules."""
    claim_ids = set(claim_ids)
    groups = ClaimRelation.objects.same_as_groups(claim_ids)
    opposed = ClaimRelation.objects.contradicting_each(groups)
    others = set().union(*opposed.values()) if opposed else set()
    if others - groups.keys():
        groups.update(ClaimRelation.objects.same_as_groups(others - groups.keys()))
    gathered = gather(claim_ids | others, groups, proposed=proposed)
    texts = dict(Claim.objects.filter(pk__in=others).values_list("pk", "text")) if others else {}
    return {
        pk: status.derive(
            *gathered[pk],
            [status.Tension(texts[o], gathered[o][0]) for o in sorted(opposed[pk])],
        )
        for pk in claim_ids
    }


def previews(claims: Iterable[Claim]) -> dict[int, tuple[str, str]]:
    """(status, reason) each claim would have if every pending change to its evidence (or its
    same_as group's) were approved, for the claims where that differs from the stored status:
    the staff preview, by the same rules as the stored status. A handful of queries."""
    claims = list(claims)
    if not claims:
        return {}
    would = derive([c.pk for c in claims], proposed=True)
    return {c.pk: would[c.pk] for c in claims if would[c.pk] != (c.status, c.status_reason)}
