"""Statement-level provenance as W3C PROV-O and the W3C Web Annotation model, with rdflib.

What the graph says, for each claim given (and the records it cites):
- the claim (schema:Claim, prov:Entity) with its status and status reason;
- each attribution as a statement (ct:Statement, prov:Entity) of the claim:
  prov:wasAttributedTo its speaker (or the publishing outlet, in its own voice), its voice and
  stance, ct:document the stored document, prov:wasQuotedFrom a report of the outlet it was
  relayed through (`via`), and an oa:Annotation whose target is the document with a
  TextQuoteSelector and a TextPositionSelector;
- each document (schema:CreativeWork, prov:Entity) with its SHA-256 content hash, publisher,
  date, prov:wasDerivedFrom the document it copies and prov:hadPrimarySource the root of that
  chain (or a report of its origin outlet when the original is not stored);
- each figure as a schema:QuantitativeValue with schema:minValue and schema:maxValue (no max
  when unbounded), and ct:divergesFrom the figures it cannot agree with (claims.intervals).

Readers pass the claims they may see (Claim.objects.visible_to); nothing else of a hidden claim
is exported. The JSON-LD context ships in claims/contexts/ and nothing is fetched at run time.
"""

import json
from pathlib import Path

from django.db.models import Prefetch
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef

from claims import intervals
from claims.models import Attribution, Claim, Event, Figure
from sources.models import Actor, Document

PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
CT = Namespace("https://claim-tracker.example/vocab#")

CONTEXT_FILE = Path(__file__).parent / "contexts" / "provenance.jsonld"
# The IRI by which exports may refer to the shipped context; offline_loader serves it.
CONTEXT_URL = "https://claim-tracker.example/contexts/provenance.jsonld"

TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
# Diverging figure pairs exported per (event, measure, population) group.
DIVERGENCES_EXPORTED = 50


def context() -> dict:
    """The shipped JSON-LD context document ({"@context": {...}})."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))


def offline_loader(url, options=None):
    """A pyld document loader that serves the shipped context and refuses the network."""
    if url == CONTEXT_URL:
        return {"contextUrl": None, "documentUrl": url, "document": context()}
    raise ValueError(f"No network: refusing to load {url}")


def _graph() -> Graph:
    g = Graph()
    for prefix, ns in (("prov", PROV), ("oa", OA), ("schema", SCHEMA), ("ct", CT)):
        g.bind(prefix, ns)
    return g


def _documents_with_chains(document_ids: set[int]) -> dict[int, Document]:
    """The documents and every document they derive from: one query per level of copying."""
    found: dict[int, Document] = {}
    wanted = set(document_ids)
    while wanted:
        rows = (
            Document.objects.filter(pk__in=wanted)
            .select_related("outlet", "origin_outlet")
            .defer("text")  # the hash stands for the text; the text can be megabytes
        )
        for d in rows:
            found[d.pk] = d
        wanted = {d.derived_from_id for d in found.values() if d.derived_from_id} - found.keys()
    return found


class _Builder:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.g = _graph()
        self.done: set = set()

    def iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def add(self, s, p, o) -> None:
        if o is not None and o != "":
            self.g.add((s, p, o if isinstance(o, (URIRef, BNode, Literal)) else Literal(o)))

    def once(self, key) -> bool:
        if key in self.done:
            return False
        self.done.add(key)
        return True

    def outlet(self, outlet) -> URIRef:
        node = self.iri(outlet.get_absolute_url())
        if self.once(node):
            self.add(node, RDF.type, PROV.Organization)
            self.add(node, RDF.type, PROV.Agent)
            self.add(node, SCHEMA.name, outlet.name)
        return node

    def actor(self, actor: Actor) -> URIRef:
        node = self.iri(actor.get_absolute_url())
        if self.once(node):
            kind = PROV.Person if actor.kind == Actor.Kind.PERSON else PROV.Organization
            self.add(node, RDF.type, PROV.Agent)
            self.add(node, RDF.type, kind)
            self.add(node, SCHEMA.name, actor.name)
            if actor.affiliation_id:
                self.add(node, PROV.actedOnBehalfOf, self.iri(actor.affiliation.get_absolute_url()))
        return node

    def report_of(self, outlet) -> URIRef:
        """An outlet's report that is not stored here (a relay, an original never copied in)."""
        node = self.iri(outlet.get_absolute_url() + "#report")
        if self.once(node):
            self.add(node, RDF.type, PROV.Entity)
            self.add(node, RDFS.label, f"A report by {outlet.name}")
            self.add(node, PROV.wasAttributedTo, self.outlet(outlet))
        return node

    def document(self, d: Document, documents: dict[int, Document]) -> URIRef:
        node = self.iri(d.get_absolute_url())
        if not self.once(node):
            return node
        self.add(node, RDF.type, PROV.Entity)
        self.add(node, RDF.type, SCHEMA.CreativeWork)
        self.add(node, SCHEMA.headline, d.title)
        self.add(node, SCHEMA.sha256, d.content_hash)
        if d.url:
            self.add(node, SCHEMA.url, URIRef(d.url))
        if d.published:
            self.add(node, SCHEMA.datePublished, Literal(d.published, datatype=XSD.date))
        if d.outlet_id:
            self.add(node, SCHEMA.publisher, self.outlet(d.outlet))
            self.add(node, PROV.wasAttributedTo, self.outlet(d.outlet))
        if d.derived_from_id and d.derived_from_id in documents:
            self.add(
                node, PROV.wasDerivedFrom, self.document(documents[d.derived_from_id], documents)
            )
        root, seen = d, set()
        while root.derived_from_id in documents and root.pk not in seen:
            seen.add(root.pk)
            root = documents[root.derived_from_id]
        if root.origin_outlet_id:
            self.add(node, PROV.hadPrimarySource, self.report_of(root.origin_outlet))
        elif root.pk != d.pk:
            self.add(node, PROV.hadPrimarySource, self.document(root, documents))
        return node

    def event(self, event: Event) -> URIRef:
        node = self.iri(event.get_absolute_url())
        if self.once(node):
            self.add(node, RDF.type, SCHEMA.Event)
            self.add(node, SCHEMA.name, event.name)
            if event.date:
                self.add(node, SCHEMA.startDate, Literal(event.date, datatype=XSD.date))
        return node

    def claim(self, claim: Claim) -> URIRef:
        node = self.iri(claim.get_absolute_url())
        if self.once(node):
            self.add(node, RDF.type, PROV.Entity)
            self.add(node, RDF.type, SCHEMA.Claim)
            self.add(node, SCHEMA.text, claim.text)
            self.add(node, CT.status, claim.status)
            self.add(node, CT.statusReason, claim.status_reason)
            if claim.event_id:
                self.add(node, SCHEMA.about, self.event(claim.event))
        return node

    def statement(self, a: Attribution, documents: dict[int, Document]) -> URIRef:
        path = a.get_absolute_url()
        node = self.iri(path)
        document = self.document(documents[a.document_id], documents)
        self.add(node, RDF.type, PROV.Entity)
        self.add(node, RDF.type, CT.Statement)
        self.add(node, CT.claim, self.claim(a.claim))
        self.add(node, CT.document, document)
        self.add(node, CT.voice, a.voice)
        self.add(node, CT.stance, a.stance)
        self.add(node, SCHEMA.text, a.quote)
        if a.stated_on:
            self.add(node, CT.statedOn, Literal(a.stated_on, datatype=XSD.date))
        if a.speaker_id:
            self.add(node, PROV.wasAttributedTo, self.actor(a.speaker))
        elif a.voice == Attribution.Voice.OWN and documents[a.document_id].outlet_id:
            self.add(node, PROV.wasAttributedTo, self.outlet(documents[a.document_id].outlet))
        if a.speaker_description:
            self.add(node, CT.speakerDescription, a.speaker_description)
        if a.via_id:
            self.add(node, PROV.wasQuotedFrom, self.report_of(a.via))
        else:
            self.add(node, PROV.wasQuotedFrom, document)
        # The quote's anchor as a Web Annotation on the stored text.
        annotation = self.iri(f"{path}-annotation")
        target, quote, position = BNode(), BNode(), BNode()
        self.add(annotation, RDF.type, OA.Annotation)
        self.add(annotation, OA.motivatedBy, OA.identifying)
        self.add(annotation, OA.hasBody, node)
        self.add(annotation, OA.hasTarget, target)
        self.add(target, RDF.type, OA.SpecificResource)
        self.add(target, OA.hasSource, document)
        self.add(target, OA.hasSelector, quote)
        self.add(target, OA.hasSelector, position)
        self.add(quote, RDF.type, OA.TextQuoteSelector)
        self.add(quote, OA.exact, a.quote)
        self.add(quote, OA.prefix, a.quote_prefix)
        self.add(quote, OA.suffix, a.quote_suffix)
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, Literal(a.quote_start, datatype=XSD.nonNegativeInteger))
        self.add(position, OA.end, Literal(a.quote_end, datatype=XSD.nonNegativeInteger))
        return node

    def figure_iri(self, a_path: str, figure_id: int) -> URIRef:
        return self.iri(f"{a_path}-figure-{figure_id}")

    def figure(self, f: Figure, a: Attribution) -> URIRef:
        node = self.figure_iri(a.get_absolute_url(), f.pk)
        self.add(node, RDF.type, SCHEMA.QuantitativeValue)
        self.add(node, CT.statement, self.iri(a.get_absolute_url()))
        self.add(node, CT.measure, f.measure)
        self.add(node, CT.population, f.population)
        self.add(node, CT.qualifier, f.qualifier)
        self.add(node, SCHEMA.description, f.text)
        self.add(node, SCHEMA.minValue, Literal(f.low, datatype=XSD.decimal))
        if f.high is not None:
            self.add(node, SCHEMA.maxValue, Literal(f.high, datatype=XSD.decimal))
        if f.value is not None:
            self.add(node, SCHEMA.value, Literal(f.value, datatype=XSD.integer))
        if f.as_of:
            self.add(node, CT.asOf, Literal(f.as_of, datatype=XSD.date))
        if f.event_id:
            self.add(node, SCHEMA.about, self.event(f.event))
        if f.superseded_by_id:
            self.add(
                node, CT.supersededBy, self.figure_iri(a.get_absolute_url(), f.superseded_by_id)
            )
        return node


def provenance_graph(claims, base: str, events=(), user=None) -> Graph:
    """The PROV-O / Web Annotation graph of these claims (a queryset of claims `user` may see),
    with the evidence `user` sees (the public: approved), and of `events` (their names and
    dates). A fixed number of queries, plus one per level of copying."""
    b = _Builder(base)
    for event in events:
        b.event(event)
    figures = Prefetch(
        "figures", Figure.objects.reviewed_for(user).select_related("event").order_by("pk")
    )
    attributions = list(
        Attribution.objects.reviewed_for(user)
        .filter(claim__in=claims)
        .select_related("claim__event", "speaker__affiliation", "via")
        .prefetch_related(figures)
        .order_by("claim_id", "document_id", "quote_start")
    )
    for claim in claims.select_related("event"):
        b.claim(claim)
    documents = _documents_with_chains({a.document_id for a in attributions})
    facts, paths = [], {}
    for a in attributions:
        b.statement(a, documents)
        for f in a.figures.all():
            b.figure(f, a)
            facts.append(f.fact())
            paths[f.pk] = a.get_absolute_url()
    found = intervals.find_divergences(facts, limit=DIVERGENCES_EXPORTED)
    for d in found.pairs:
        for x in d.a.figure_ids:
            for y in d.b.figure_ids:
                one, other = b.figure_iri(paths[x], x), b.figure_iri(paths[y], y)
                b.add(one, CT.divergesFrom, other)
                b.add(other, CT.divergesFrom, one)
    return b.g


def serialize(graph: Graph, media_type: str) -> str:
    """Turtle, or JSON-LD compacted with the shipped context (inline: no fetch needed)."""
    if media_type == TURTLE:
        return graph.serialize(format="turtle")
    return graph.serialize(format="json-ld", context=context()["@context"], auto_compact=True)
