"""Write the whole public corpus as W3C PROV-O / Web Annotation (the dataset download)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from claims import provenance
from claims.models import Claim, Event

FORMATS = {"turtle": provenance.TURTLE, "json-ld": provenance.JSON_LD}


class Command(BaseCommand):
    help = (
        "Export every published claim with its statements, documents, speakers and figures as "
        "PROV-O and Web Annotation, in Turtle or JSON-LD (context in claims/contexts/)."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="File to write, e.g. corpus.ttl; - for standard output.")
        parser.add_argument("--format", choices=sorted(FORMATS), default="turtle")
        parser.add_argument(
            "--base",
            default="http://localhost:8000/",
            help="The site's address, for the IRIs of claims, documents and actors.",
        )

    def handle(self, *args, output, format, base, **options):
        # What an anonymous reader may see (claims.visibility): the public corpus.
        claims = Claim.objects.visible_to(None)
        events = Event.objects.visible_to(None)
        graph = provenance.provenance_graph(claims, base, events)
        text = provenance.serialize(graph, FORMATS[format])
        if output == "-":
            self.stdout.write(text)
            return
        Path(output).write_text(text, encoding="utf-8")
        self.stderr.write(f"Wrote {len(graph)} triples to {output}.")
