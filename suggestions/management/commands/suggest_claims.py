"""python manage.py suggest_claims DOCUMENT_ID [--json] [--all]"""

import json

from django.core.management.base import BaseCommand, CommandError

from sources.models import Document
from suggestions.review import suggestions_for

FIELDS = ["kind", "quote", "start", "end", "speaker", "actor_id", "verb", "voice", "stance"]
FIGURE_FIELDS = ["measure", "qualifier", "low", "high", "population", "event_hint"]


def as_json(candidate) -> dict:
    """One candidate as the command prints it: figure fields only for figures."""
    data = candidate.as_dict()
    out = {key: data[key] for key in FIELDS}
    if candidate.kind == "figure":
        out.update({key: data[key] for key in FIGURE_FIELDS})
        out.update(value=data["value"], value_high=data["value_high"], text=data["text"])
    else:
        out["event_hint"] = data["event_hint"]
    out["fingerprint"] = data["fingerprint"]
    return out


class Command(BaseCommand):
    help = "Suggest attributions and casualty figures found in a stored document's text."

    def add_arguments(self, parser):
        parser.add_argument("document_id", type=int)
        parser.add_argument("--json", action="store_true", help="Print a JSON list.")
        parser.add_argument(
            "--all", action="store_true", help="Include suggestions an editor already decided."
        )

    def handle(self, *args, **options):
        document = Document.objects.filter(pk=options["document_id"]).first()
        if document is None:
            raise CommandError(f"There is no document #{options['document_id']}.")
        candidates = suggestions_for(document, include_decided=options["all"])
        if options["json"]:
            self.stdout.write(json.dumps([as_json(c) for c in candidates], ensure_ascii=False))
            return
        for c in candidates:
            who = c.speaker or "(no speaker)"
            if c.kind == "figure":
                high = "∞" if c.high is None else f"{c.high:g}"
                what = f"{c.measure} {c.qualifier} [{c.low:g}, {high}] {c.population}: “{c.text}”"
            else:
                what = f"“{c.quote[:80]}”"
            self.stdout.write(f"{c.start}-{c.end} {c.kind} {who} ({c.voice}, {c.stance}) {what}")
        self.stdout.write(f"{len(candidates)} suggestion(s).")
