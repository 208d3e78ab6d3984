"""python manage.py import_document PATH [--outlet NAME] [--url URL] [--published YYYY-MM-DD] [--title TEXT]"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from sources.importing import ImportRefused, import_path


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--published must be a date as YYYY-MM-DD, not “{value}”.") from None


class Command(BaseCommand):
    help = (
        "Import a .txt file as it is, or the main text and metadata of an .html file, as a "
        "document. Prints the new (or already stored) document's id on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .txt or .html file.")
        parser.add_argument("--outlet", default="", help="Publisher name; created if unknown.")
        parser.add_argument("--url", default="", help="Where it was published.")
        parser.add_argument("--published", default="", help="Publication date, YYYY-MM-DD.")
        parser.add_argument("--title", default="", help="Title, instead of the extracted one.")

    def handle(self, *args, **options):
        published = _date(options["published"]) if options["published"] else None
        try:
            result = import_path(
                options["path"],
                outlet=options["outlet"],
                url=options["url"],
                published=published,
                title=options["title"],
            )
        except ImportRefused as error:
            raise CommandError(str(error)) from None
        style = self.style.SUCCESS if result.created else self.style.WARNING
        self.stdout.write(style(result.message))
        self.stdout.write(str(result.document.pk))
