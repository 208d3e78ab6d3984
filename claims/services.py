"""Writes that touch several models. Each runs in one transaction."""

from collections.abc import Iterable

from django.db import transaction

from claims import intervals, status
from claims.models import Attribution, Claim, Figure
from sources.models import Document


def document_origins(document_ids: Iterable[int]) -> dict[int, tuple[tuple, str]]:
    """Map each document id to (origin key, origin label), walking derived_from chains in bulk.

    One query per level of copying, however many documents are asked for.
    """
    rows: dict[int, dict] = {}
    wanted = set(document_ids)
    while wanted:
        fetched = Document.objects.filter(pk__in=wanted).values(
            "pk",
            "title",
            "derived_from_id",
            "outlet_id",
            "outlet__name",
            "origin_outlet_id",
            "origin_outlet__name",
        )
        for row in fetched:
            rows[row["pk"]] = row
        wanted = {r["derived_from_id"] for r in rows.values() if r["derived_from_id"]} - rows.keys()

    def root(pk: int) -> dict:
        seen = set()
        row = rows[pk]
        while row["derived_from_id"] and row["derived_from_id"] in rows and row["pk"] not in seen:
            seen.add(row["pk"])
            row = rows[row["derived_from_id"]]
        return row

    origins = {}
    for pk in set(document_ids):
        if pk not in rows:
            continue
        r = root(pk)
        if r["origin_outlet_id"]:
            origins[pk] = (("outlet", r["origin_outlet_id"]), r["origin_outlet__name"])
        elif r["outlet_id"]:
            origins[pk] = (("outlet", r["outlet_id"]), r["outlet__name"])
        else:
            origins[pk] = (("document", r["pk"]), f"unknown publisher of “{r['title']}”")
    return origins


def attribution_origins(attributions: Iterable[Attribution]) -> dict[int, tuple[tuple, str]]:
    """Map attribution id to its origin: the `via` outlet when given, else its document's origin.

    Expects `via` to be selected with the attributions.
    """
    attributions = list(attributions)
    by_document = document_origins({a.document_id for a in attributions})
    return {
        a.pk: (("outlet", a.via_id), a.via.name) if a.via_id else by_document[a.document_id]
        for a in attributions
    }


def _speaker_label(a: Attribution, origin_label: str) -> str:
    if a.speaker_id:
        return a.speaker.name
    if a.voice == Attribution.Voice.OWN:
        return f"{origin_label} (own voice)"
    if a.speaker_description:
        return f"{a.speaker_description} (in {origin_label})"
    return f"{a.get_voice_display().lower()} in {origin_label}"


def evidence_for(claim: Claim) -> tuple[list[status.Evidence], status.Figures]:
    """Everything the status rules read about a claim, in three queries."""
    attributions = list(
        claim.attributions.select_related("speaker", "via", "document").order_by("pk")
    )
    origins = attribution_origins(attributions)
    evidence = []
    for a in attributions:
        origin_key, origin_label = origins[a.pk]
        source_key = ("actor", a.speaker_id) if a.speaker_id else ("origin", origin_key)
        evidence.append(
            status.Evidence(
                attribution_id=a.pk,
                source_key=source_key,
                speaker_label=_speaker_label(a, origin_label),
                origin_key=origin_key,
                origin_label=origin_label,
                voice=a.voice,
                stance=a.stance,
                on=a.stated_on or a.document.published,
            )
        )
    figures = Figure.objects.filter(attribution__claim=claim).only(
        "pk",
        "attribution_id",
        "event_id",
        "measure",
        "population",
        "low",
        "high",
        "superseded_by_id",
        "text",
    )
    facts = [f.fact() for f in figures]
    labels = {
        a.pk: f"{e.speaker_label} via {a.via.name}" if a.via_id else e.speaker_label
        for a, e in zip(attributions, evidence, strict=True)
    }
    texts = {f.pk: f.text for f in figures}
    return evidence, status.Figures(intervals.divergences(facts), labels, texts)


def refresh_status(claim: Claim) -> None:
    """Derive the claim's status and reason from its evidence and store them.

    Writes with update() so a derived value neither bumps the version editors compare nor adds a
    history row of its own.
    """
    evidence, figures = evidence_for(claim)
    claim.status, claim.status_reason = status.derive(evidence, figures)
    Claim.objects.filter(pk=claim.pk).update(status=claim.status, status_reason=claim.status_reason)


@transaction.atomic
def refresh_claims(claim_ids: Iterable[int]) -> None:
    """Refresh the stored status of each claim."""
    for claim in Claim.objects.filter(pk__in=set(claim_ids)):
        refresh_status(claim)


def refresh_claims_for_documents(document_ids: Iterable[int]) -> None:
    """Refresh every claim with an attribution in one of these documents."""
    refresh_claims(
        Attribution.objects.filter(document_id__in=list(document_ids))
        .values_list("claim_id", flat=True)
        .distinct()
    )
