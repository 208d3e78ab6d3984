"""Claim relations in the database: model rules, their effect on status and reasons, the admin
inline and suggestions, the claim page and the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from claims import services
from claims.models import Attribution, Claim, ClaimRelation
from tests.admin_forms import form_data, staff_in
from tests.factories import ActorFactory, AttributionFactory, ClaimFactory, DocumentFactory

pytestmark = pytest.mark.django_db


def relate(claim, kind, target) -> ClaimRelation:
    relation = ClaimRelation(claim=claim, kind=kind, target=target)
    relation.full_clean()
    return services.save_relation(relation=relation)


def status_of(claim) -> tuple[str, str]:
    claim.refresh_from_db()
    return claim.status, claim.status_reason


def test_a_relation_to_its_own_claim_is_a_validation_error():
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="own claim"):
        ClaimRelation(claim=claim, kind="same_as", target=claim).full_clean()


def test_the_reverse_of_an_existing_relation_is_refused():
    a, b = ClaimFactory(), ClaimFactory()
    relate(a, "narrower", b)
    with pytest.raises(ValidationError, match="already have this relation"):
        ClaimRelation(claim=b, kind="broader", target=a).full_clean()


def test_a_narrower_cycle_is_a_validation_error():
    a, b, c = ClaimFactory(), ClaimFactory(), ClaimFactory()
    relate(a, "narrower", b)
    relate(b, "narrower", c)
    with pytest.raises(ValidationError, match="cycle"):
        ClaimRelation(claim=c, kind="narrower", target=a).full_clean()


def test_same_as_groups_are_transitive_and_read_both_ways():
    a, b, c = ClaimFactory(), ClaimFactory(), ClaimFactory()
    relate(a, "same_as", b)
    relate(c, "same_as", b)
    assert ClaimRelation.objects.same_as_group(a.pk) == {a.pk, b.pk, c.pk}
    seen = ClaimRelation.objects.seen_from([b.pk], Claim.objects.all())[b.pk]
    assert {(kind, other.pk) for kind, other in seen} == {("same_as", a.pk), ("same_as", c.pk)}


def test_evidence_on_a_same_as_claim_counts_for_the_whole_group():
    wording_a = ClaimFactory(text="IS-K has links with the Haqqani network")
    wording_b = ClaimFactory(text="The Haqqani network is linked to IS-K")
    AttributionFactory(claim=wording_b, quote="killing at least 46 people")
    assert status_of(wording_a)[0] == "unsupported"

    relation = relate(wording_a, "same_as", wording_b)
    assert status_of(wording_a)[0] == "reported"
    assert status_of(wording_b)[0] == "reported"

    services.delete_relation(relation=relation)
    assert status_of(wording_a) == ("unsupported", "unsupported: no attributions yet")


def test_a_new_attribution_on_one_wording_refreshes_the_other():
    a, b = ClaimFactory(), ClaimFactory()
    relate(a, "same_as", b)
    AttributionFactory(claim=b)
    assert status_of(a)[0] == "reported"


def test_contradicting_claims_both_supported_show_the_tension_in_both_reasons(client):
    will_not = ClaimFactory(text="The Taliban will not cooperate with the US against IS-K")
    will = ClaimFactory(text="The Taliban cooperate with the US against IS-K")
    shaheen = ActorFactory(name="Suhail Shaheen")
    officials = ActorFactory(name="US officials")
    AttributionFactory(
        claim=will_not, speaker=shaheen, voice="quoted", quote="killing at least 46 people"
    )
    AttributionFactory(
        claim=will, speaker=officials, voice="paraphrased", quote="Around 100 people were wounded"
    )
    assert status_of(will_not)[0] == "attributed"

    relate(will_not, "contradicts", will)

    status, reason = status_of(will_not)
    assert status == "contested"
    assert f"in tension with “{will.text}”, supported by US officials (paraphrased" in reason
    status, reason = status_of(will)
    assert status == "contested"
    assert f"in tension with “{will_not.text}”, supported by Suhail Shaheen (quoted" in reason
    for claim, other in ((will, will_not), (will_not, will)):
        html = client.get(claim.get_absolute_url()).content.decode()
        assert "in tension with" in html and "Contradicts" in html and other.text in html


def test_about_page_states_the_same_as_evidence_rule(client):
    html = client.get(reverse("claims:about")).content.decode()
    assert "evidence for any claim of the group counts as evidence for every claim in it" in html


def test_no_tension_when_the_contradicting_claim_has_no_support():
    a, b = ClaimFactory(), ClaimFactory()
    AttributionFactory(claim=a)
    AttributionFactory(claim=b, stance=Attribution.Stance.NEUTRAL)
    relate(a, "contradicts", b)
    assert status_of(a)[0] == "reported"


def test_claim_page_shows_relations_both_ways_and_hides_drafts(client):
    narrow = ClaimFactory(text="IS-K has links with the Haqqani network")
    broad = ClaimFactory(text="IS-K has links with the Taliban and the Haqqani network")
    draft = ClaimFactory(text="A draft wording", publication=Claim.Publication.DRAFT)
    relate(narrow, "narrower", broad)
    relate(draft, "same_as", broad)

    html = client.get(broad.get_absolute_url()).content.decode()
    assert "Broader than" in html and narrow.text in html
    assert draft.text not in html
    html = client.get(narrow.get_absolute_url()).content.decode()
    assert "Narrower than" in html and broad.text in html


def test_api_claim_detail_lists_relations_from_the_claims_side():
    narrow = ClaimFactory(text="IS-K has links with the Haqqani network")
    broad = ClaimFactory(text="IS-K has links with the Taliban and the Haqqani network")
    draft = ClaimFactory(text="A draft wording", publication=Claim.Publication.DRAFT)
    relate(narrow, "narrower", broad)
    relate(draft, "contradicts", broad)
    response = APIClient().get(f"/api/v1/claims/{broad.pk}/")
    assert response.json()["relations"] == [
        {
            "kind": "broader",
            "claim": {"id": narrow.pk, "slug": narrow.slug, "text": narrow.text},
            "status": "unsupported",
        }
    ]


def test_admin_inline_saves_a_relation_and_refreshes_both_claims(client):
    editor = staff_in("Editors")
    client.force_login(editor)
    a, b = ClaimFactory(), ClaimFactory()
    AttributionFactory(claim=b, document=DocumentFactory())
    url = reverse("admin:claims_claim_change", args=[a.pk])
    page = client.get(url)
    inline = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.model is ClaimRelation
    )
    assert "target" in inline.opts.autocomplete_fields
    data = form_data(page)
    prefix = inline.formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-kind": "same_as",
            f"{prefix}-0-target": str(b.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.formset.errors for f in response.context["inline_admin_formsets"]
    ]
    assert ClaimRelation.objects.filter(claim=a, kind="same_as", target=b).exists()
    assert status_of(a)[0] == "reported"


def test_admin_inline_refuses_a_relation_to_the_claim_itself(client):
    client.force_login(staff_in("Editors"))
    a = ClaimFactory()
    url = reverse("admin:claims_claim_change", args=[a.pk])
    page = client.get(url)
    data = form_data(page)
    data.update(
        {
            "relations_from-TOTAL_FORMS": "1",
            "relations_from-0-kind": "same_as",
            "relations_from-0-target": str(a.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert not ClaimRelation.objects.exists()


def test_admin_lists_claims_worded_alike_for_an_editor_to_confirm(client):
    client.force_login(staff_in("Editors"))
    a = ClaimFactory(text="IS-K has links with the Taliban and the Haqqani network")
    b = ClaimFactory(text="IS-K has links with the Haqqani network")
    ClaimFactory(text="The Kunduz mosque bombing killed N people")
    response = client.get(reverse("admin:claims_claimrelation_suggestions"))
    html = response.content.decode()
    assert response.status_code == 200
    assert a.text in html and b.text in html and "Kunduz" not in html
    add = reverse("admin:claims_claimrelation_add")
    assert f"{add}?claim={a.pk}&amp;kind=narrower&amp;target={b.pk}" in html
    relate(b, "narrower", a)
    assert services.suggest_relations() == []


def test_relation_changelist_links_the_suggestions_and_its_query_count_is_flat(
    client, django_assert_num_queries
):
    client.force_login(staff_in("Editors"))
    url = reverse("admin:claims_claimrelation_changelist")

    def relate_pairs(n):
        for _ in range(n):
            relate(ClaimFactory(), "contradicts", ClaimFactory())

    relate_pairs(3)
    # session, user, user and group permissions (2), the count of matching and of all rows (2),
    # the page of relations with both claims joined
    with django_assert_num_queries(7):
        response = client.get(url)
    assert reverse("admin:claims_claimrelation_suggestions") in response.content.decode()
    relate_pairs(20)
    with django_assert_num_queries(7):
        client.get(url)
