"""One-row reads compiled once per process (api.prepared.OneRow): the row the ORM would read, in
one query, never stale; anything but integer columns goes through the ORM."""

import pytest
from django.db.models import F

from api.prepared import OneRow
from claims import versions
from claims.models import Claim, Event
from tests import factories

pytestmark = pytest.mark.django_db


def _event_row(field, key):
    return Event.objects.filter(**{field: key}).order_by().values_list("pk", "version")


def test_a_one_row_read_is_the_orm_row_in_one_query(django_assert_num_queries):
    event = factories.EventFactory(slug="airport")
    rows = OneRow(_event_row)
    with django_assert_num_queries(1):
        assert rows.first("pk", event.pk) == (event.pk, event.version)
    with django_assert_num_queries(1):
        assert rows.first("slug", "airport") == (event.pk, event.version)
    assert rows.first("pk", event.pk + 1000) is None
    assert rows.first("slug", "nowhere") is None
    Event.objects.filter(pk=event.pk).update(version=F("version") + 1)
    assert rows.first("pk", event.pk) == (event.pk, event.version + 1)  # never a stale row


def test_a_one_row_read_is_compiled_once_per_shape():
    event = factories.EventFactory(slug="airport")
    built = []

    def build(field, key):
        built.append((field, key))
        return _event_row(field, key)

    rows = OneRow(build)
    for _ in range(3):
        assert rows.first("pk", event.pk)[0] == event.pk
        assert rows.first("slug", "airport")[0] == event.pk
    assert len(built) == 2  # one sentinel build per shape, none per call


def test_other_columns_or_shapes_go_through_the_orm_every_time():
    event = factories.EventFactory(slug="airport", name="Airport")
    built = []

    def names(field, key):
        built.append(key)
        return Event.objects.filter(**{field: key}).order_by().values_list("pk", "name")

    rows = OneRow(names)
    for _ in range(2):
        assert rows.first("pk", event.pk) == (event.pk, "Airport")
    assert built.count(event.pk) == 2  # a text column: converters may apply, so the ORM runs


def test_the_public_claim_version_is_the_orm_version():
    claim = factories.ClaimFactory(slug="the-claim")
    draft = factories.ClaimFactory(slug="a-draft", publication=Claim.Publication.DRAFT)
    row = Claim.objects.filter(pk=claim.pk).values_list("pk", *versions.SHOWN_SUMS).get()
    assert versions.claim(None, claim.pk).parts == (row,)
    assert versions.claim(None, claim.slug).parts == (row,)
    assert versions.claim(None, draft.pk) is None  # the public never sees a draft
