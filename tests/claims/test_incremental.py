"""The write services keep the stored statuses and the change feed up to date by re-reading only
what a write can change (claims.services._refresh with `touched` and `proposal_only`,
claims.feed.record_evidence). Property: after any sequence of evidence writes, reviews and
publication steps, the incremental result equals the full one: every stored status equals the
status derived from all the evidence, and reconciling the feed with the whole public state
(feed.rebuild) finds nothing to log.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from claims import evidence, feed, services
from claims.models import Attribution, Claim, Figure, PublicChange
from tests import factories
from tests.api_helpers import world  # noqa: F401  (fixture)

QUOTES = (
    "killing at least 46 people",
    "Around 100 people were wounded",
    "The group denied any link",
    "officials said",
)
STANCES = [choice for choice, _ in Attribution.Stance.choices]
OPERATIONS = (
    "add",
    "edit",
    "move",
    "delete",
    "add figure",
    "delete figure",
    "approve",
    "reject",
    "publish",
    "unpublish",
)


def assert_incremental_equals_full() -> None:
    stored = {pk: (s, r) for pk, s, r in Claim.objects.values_list("pk", "status", "status_reason")}
    assert stored == evidence.derive(stored)
    last = PublicChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    feed.rebuild()  # logs what differs: nothing when the log held every public record as it is
    missed = PublicChange.objects.filter(id__gt=last).values_list("type", "object_id", "action")
    assert list(missed) == []


def nth(queryset, i: int):
    rows = list(queryset.order_by("pk"))
    return rows[i % len(rows)] if rows else None


def apply(operation: str, i: int, j: int, context: dict) -> None:
    claims, reviewer, event = context["claims"], context["reviewer"], context["event"]
    claim = claims[i % len(claims)]
    claim.refresh_from_db()
    attribution = nth(Attribution.objects.originals(), i + j)
    if operation == "add":
        row = Attribution(
            claim=claim,
            document=context["document"],
            voice=Attribution.Voice.OWN,
            stance=STANCES[j % len(STANCES)],
            quote=QUOTES[j % len(QUOTES)],
        )
        row.full_clean()
        services.save_attribution(attribution=row)
    elif operation in ("edit", "move") and attribution is not None:
        if operation == "edit":
            attribution.stance = STANCES[(STANCES.index(attribution.stance) + 1) % len(STANCES)]
        else:
            attribution.claim = claim
        attribution.full_clean()
        services.save_attribution(attribution=attribution)
    elif operation == "delete" and attribution is not None:
        services.delete_attribution(attribution=attribution)
    elif operation == "add figure" and attribution is not None:
        figure = Figure(
            attribution=attribution,
            event=event,
            measure="killed",
            qualifier=Figure.Qualifier.EXACT,
            value=[5, 46, 200][j % 3],
        )
        figure.full_clean()
        services.save_figure(figure=figure)
    elif operation == "delete figure":
        figure = nth(Figure.objects.originals(), j)
        if figure is not None:
            services.delete_figure(figure=figure)
    elif operation in ("approve", "reject"):
        pending = [*Attribution.objects.pending(), *Figure.objects.pending()]
        if not pending:
            return
        if operation == "approve":
            services.approve_evidence(items=pending[j % len(pending) :], by=reviewer)
        else:
            services.reject_evidence(items=[pending[j % len(pending)]], by=reviewer, reason="No")
    elif operation == "publish" and claim.publication == Claim.Publication.DRAFT:
        services.submit_for_review(claim=claim, by=reviewer)
        services.publish(claim=claim, by=reviewer)
    elif operation == "unpublish" and claim.publication == Claim.Publication.PUBLISHED:
        services.unpublish(claim=claim, by=reviewer, reason="Recheck")


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 1_000), st.integers(0, 1_000)),
        min_size=1,
        max_size=10,
    )
)
def test_incremental_refresh_equals_a_full_one_after_any_writes(world, steps):  # noqa: F811
    reviewer = factories.UserFactory(is_superuser=True)
    context = {
        "claims": [world["toll"], world["denial_claim"], world["draft"]],
        "reviewer": reviewer,
        "event": world["event"],
        "document": world["doc_a"],
    }
    with transaction.atomic():
        assert_incremental_equals_full()
        for operation, i, j in steps:
            note(f"{operation} {i} {j}")
            try:
                with transaction.atomic():
                    apply(operation, i, j, context)
            except ValidationError:
                continue  # a refused write (the same quote twice on a claim): nothing changed
            assert_incremental_equals_full()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_proposal_on_a_published_claim_costs_the_same_however_much_evidence_it_holds(world):  # noqa: F811
    """Adding evidence to a published claim proposes it: its live evidence, hence the public
    status, cannot change, so the evidence is not re-read; only the version of the staff's view
    moves."""
    claim = world["toll"]
    counts = []
    for quote in ("killed in the blast", "Officials said"):
        row = Attribution(
            claim=claim, document=world["doc_b"], voice="own", stance="refutes", quote=quote
        )
        row.full_clean()
        before = Claim.objects.get(pk=claim.pk)
        with CaptureQueriesContext(connection) as queries:
            services.save_attribution(attribution=row)
        counts.append(len(queries))
        after = Claim.objects.get(pk=claim.pk)
        assert Attribution.objects.get(pk=row.pk).review == Attribution.Review.PENDING
        assert (after.status, after.status_reason) == (before.status, before.status_reason)
        assert after.evidence_version == before.evidence_version + 1
        assert_incremental_equals_full()
        for _ in range(30):  # the second proposal lands on a claim with 30 more rows
            document = factories.DocumentFactory()
            factories.AttributionFactory(claim=claim, document=document, quote="officials said")
        services.refresh_claims([claim.pk])  # as a bulk loader does
    assert counts[0] == counts[1]
