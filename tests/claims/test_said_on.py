"""The stored date an attribution was said (Attribution.said_on) follows the one rule, the stated
date else the document's, through every write that changes either; date-range filters read it."""

import datetime

import pytest

from claims import services
from claims.filters import dated_between
from claims.models import Attribution, Claim
from tests.factories import AttributionFactory, DocumentFactory

pytestmark = pytest.mark.django_db

TEXT = "Amrullah Saleh said the group did it. The Taliban denied any role in the attack."


def said_on(attribution) -> datetime.date | None:
    return Attribution.objects.values_list("said_on", flat=True).get(pk=attribution.pk)


def rule(attribution) -> datetime.date | None:
    attribution = Attribution.objects.select_related("document").get(pk=attribution.pk)
    return attribution.stated_on or attribution.document.published


def in_range(after, before) -> set[int]:
    return set(
        Attribution.objects.filter(dated_between("", after, before)).values_list("pk", flat=True)
    )


def test_said_on_follows_the_stated_date_and_the_document_date():
    document = DocumentFactory(published=datetime.date(2021, 8, 29), text=TEXT)
    other = DocumentFactory(published=None, text="Undated. " + TEXT)
    undated = AttributionFactory(document=document, quote="the group did it")
    stated = AttributionFactory(
        document=document, quote="denied any role", stated_on=datetime.date(2021, 8, 27)
    )
    assert said_on(undated) == datetime.date(2021, 8, 29) == rule(undated)
    assert said_on(stated) == datetime.date(2021, 8, 27) == rule(stated)
    # Drafts: edits apply at once (on a published claim they would wait for review).
    Claim.objects.update(publication=Claim.Publication.DRAFT)

    # The document's date moves: its undated attributions move with it, stated ones stay.
    document.published = datetime.date(2021, 9, 2)
    services.save_document(document=document)
    assert said_on(undated) == datetime.date(2021, 9, 2) == rule(undated)
    assert said_on(stated) == datetime.date(2021, 8, 27) == rule(stated)
    assert in_range(datetime.date(2021, 9, 1), None) == {undated.pk}
    assert in_range(None, datetime.date(2021, 8, 31)) == {stated.pk}

    # The stated date is cleared, then the attribution moves to an undated document.
    stated.stated_on = None
    services.save_attribution(attribution=stated)
    assert said_on(stated) == datetime.date(2021, 9, 2) == rule(stated)
    stated.document = other
    services.save_attribution(attribution=stated)
    assert said_on(stated) is None and rule(stated) is None
    assert in_range(datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)) == {undated.pk}

    # A revised text re-anchors the quotes (each saved again) and keeps the date.
    document.text = "Kabul. " + TEXT
    services.save_document(document=document)
    assert said_on(undated) == datetime.date(2021, 9, 2) == rule(undated)
