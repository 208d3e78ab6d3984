"""The PROV-O / Web Annotation export: parsed back with rdflib and asked, with SPARQL, the
questions a fact-checker would ask of the seed corpus; JSON-LD expanded offline with pyld."""

import json

import pytest
from django.core.management import call_command
from pyld import jsonld
from rdflib import Graph
from rest_framework.test import APIClient

from claims import provenance
from claims.models import Attribution, Claim, Event
from sources.models import Document
from tests.factories import AttributionFactory, ClaimFactory

pytestmark = pytest.mark.django_db

PREFIXES = """
PREFIX ct: <https://claim-tracker.example/vocab#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
"""
WHO_REFUTES = (
    PREFIXES
    + """
SELECT ?speaker ?document ?title WHERE {
  ?claim schema:text "IS-K has links with the Taliban and the Haqqani network" .
  ?statement ct:claim ?claim ; ct:stance "refutes" ;
             prov:wasAttributedTo ?who ; ct:document ?document .
  ?who schema:name ?speaker .
  ?document schema:headline ?title .
}"""
)
DIVERGING_FIGURES = (
    PREFIXES
    + """
SELECT ?one ?other WHERE {
  ?event schema:name ?name . FILTER(STRSTARTS(?name, "Kabul airport bombing"))
  ?a schema:about ?event ; ct:divergesFrom ?b ; schema:description ?one .
  ?b schema:description ?other .
}"""
)


@pytest.fixture
def seeded(seeded_module):
    """The seed corpus, loaded once for this module (see tests/conftest.py)."""


@pytest.fixture(scope="module")
def corpus(seeded_module, django_db_blocker, tmp_path_factory):
    """The dataset download, written once by the management command in both formats."""
    tmp_path = tmp_path_factory.mktemp("corpus")
    with django_db_blocker.unblock():
        _export(tmp_path)
    return tmp_path


def _export(tmp_path) -> None:
    call_command("export_provenance", str(tmp_path / "corpus.ttl"), base="https://ct.test/")
    call_command(
        "export_provenance",
        str(tmp_path / "corpus.jsonld"),
        format="json-ld",
        base="https://ct.test/",
    )


def test_turtle_export_answers_who_refutes_the_isk_taliban_link_and_where(corpus):
    graph = Graph().parse(corpus / "corpus.ttl", format="turtle")
    rows = [tuple(str(v) for v in row) for row in graph.query(WHO_REFUTES)]
    claim = Claim.objects.get(slug="isk-linked-to-taliban-and-haqqani")
    denial = claim.attributions.get(stance="refutes")
    assert rows == [
        (
            "Taliban",
            f"https://ct.test{denial.document.get_absolute_url()}",
            denial.document.title,
        )
    ]


def test_json_ld_export_answers_which_kabul_airport_figures_diverge(corpus):
    graph = Graph().parse(corpus / "corpus.jsonld", format="json-ld")
    pairs = {tuple(str(v) for v in row) for row in graph.query(DIVERGING_FIGURES)}
    assert pairs == {
        ("around 100 people", "some 170 Afghans"),
        ("some 170 Afghans", "around 100 people"),
        ("around 100 people", "13 American soldiers"),
        ("13 American soldiers", "around 100 people"),
    }


def test_quote_anchors_select_the_stored_characters(corpus):
    graph = Graph().parse(corpus / "corpus.ttl", format="turtle")
    query = (
        PREFIXES
        + """
    SELECT ?document ?exact ?start ?end WHERE {
      ?annotation a oa:Annotation ; oa:hasTarget ?target .
      ?target oa:hasSource ?document ; oa:hasSelector ?q, ?p .
      ?q a oa:TextQuoteSelector ; oa:exact ?exact .
      ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    }"""
    )
    rows = list(graph.query(query))
    assert len(rows) == Attribution.objects.filter(claim__publication="published").count() > 0
    texts = {f"https://ct.test{d.get_absolute_url()}": d.text for d in Document.objects.all()}
    for document, exact, start, end in rows:
        assert texts[str(document)][int(start) : int(end)] == str(exact)


def test_relays_and_copies_name_their_sources(corpus):
    graph = Graph().parse(corpus / "corpus.ttl", format="turtle")
    relayed = (
        PREFIXES
        + """
    SELECT DISTINCT ?outlet WHERE {
      ?statement prov:wasQuotedFrom ?report ; prov:wasAttributedTo ?who .
      ?who schema:name "United States government" .
      ?report prov:wasAttributedTo ?o . ?o schema:name ?outlet .
      FILTER NOT EXISTS { ?report a schema:CreativeWork }
    }"""
    )
    assert {str(r[0]) for r in graph.query(relayed)} == {"Radio Free Europe/Radio Liberty"}
    spun = Document.objects.get(text__contains="ISIS-Okay")
    primary = (
        PREFIXES
        + f"""
    SELECT ?outlet ?hash WHERE {{
      <https://ct.test{spun.get_absolute_url()}> prov:hadPrimarySource ?report ;
          schema:sha256 ?hash .
      ?report prov:wasAttributedTo ?o . ?o schema:name ?outlet .
    }}"""
    )
    assert [tuple(map(str, r)) for r in graph.query(primary)] == [
        ("The New York Times", spun.content_hash)
    ]


def test_figures_are_quantitative_values_with_min_and_max(corpus):
    graph = Graph().parse(corpus / "corpus.ttl", format="turtle")
    query = (
        PREFIXES
        + """
    SELECT ?min ?max WHERE {
      ?f a schema:QuantitativeValue ; schema:description "around 100 people" ;
         schema:minValue ?min ; schema:maxValue ?max .
    }"""
    )
    assert [(float(a), float(b)) for a, b in graph.query(query)] == [(85.0, pytest.approx(115.0))]


def test_json_ld_expands_offline_with_the_shipped_context(corpus):
    document = json.loads((corpus / "corpus.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == provenance.context()["@context"]
    document["@context"] = provenance.CONTEXT_URL
    expanded = jsonld.expand(document, {"documentLoader": provenance.offline_loader})
    attributed = [
        node
        for node in expanded
        if "http://www.w3.org/ns/prov#wasAttributedTo" in node
        and "https://claim-tracker.example/vocab#Statement" in node.get("@type", [])
    ]
    assert attributed
    # The loader refuses any other address (pyld wraps its error).
    with pytest.raises(jsonld.JsonLdError, match="loading remote context failed"):
        jsonld.expand(
            {"@context": "https://example.org/ctx.jsonld", "@id": "x"},
            {"documentLoader": provenance.offline_loader},
        )


# The API: content negotiation on the detail endpoints ---------------------------------------


def test_claim_detail_answers_turtle_and_json_ld_and_keeps_json_and_claimreview(seeded):
    claim = Claim.objects.get(slug="isk-linked-to-taliban-and-haqqani")
    client = APIClient()
    url = f"/api/v1/claims/{claim.pk}/"
    turtle = client.get(url, HTTP_ACCEPT="text/turtle")
    assert turtle.status_code == 200 and turtle["Content-Type"].startswith("text/turtle")
    rows = list(Graph().parse(data=turtle.content.decode(), format="turtle").query(WHO_REFUTES))
    assert [str(r[0]) for r in rows] == ["Taliban"]
    as_jsonld = client.get(url + "?format=jsonld")
    assert as_jsonld["Content-Type"].startswith("application/ld+json")
    assert as_jsonld.json()["@context"] == provenance.context()["@context"]
    assert client.get(url, HTTP_ACCEPT="application/ld+json").json()["@graph"]
    assert client.get(url).json()["slug"] == claim.slug
    review = client.get(url + "claimreview/", HTTP_ACCEPT="application/ld+json")
    assert review.json()["@type"] == "ClaimReview"


def test_event_detail_exports_only_what_the_reader_may_see(world_event):
    event, draft = world_event
    client = APIClient()
    body = client.get(f"/api/v1/events/{event.slug}/", HTTP_ACCEPT="text/turtle")
    graph = Graph().parse(data=body.content.decode(), format="turtle")
    texts = {
        str(r[0])
        for r in graph.query(PREFIXES + "SELECT ?t WHERE { ?c a schema:Claim ; schema:text ?t }")
    }
    assert texts == {"The published claim"}
    assert draft.text not in body.content.decode()


@pytest.fixture
def world_event():
    published = ClaimFactory(text="The published claim")
    event = published.event
    draft = ClaimFactory(text="A draft claim", event=event, publication="draft")
    AttributionFactory(claim=published)
    AttributionFactory(claim=draft, quote="Around 100 people were wounded")
    assert Event.objects.filter(pk=event.pk).exists()
    return event, draft
