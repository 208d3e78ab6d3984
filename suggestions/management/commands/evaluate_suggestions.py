"""python manage.py evaluate_suggestions PATH [--verbose]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from suggestions.evaluation import evaluate


class Command(BaseCommand):
    help = (
        "Score the suggestion engine on a folder of annotated texts (NAME.txt + NAME.json): "
        "precision and recall of figures by qualifier and of speakers by voice."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A folder of annotated texts.")
        parser.add_argument(
            "--verbose", action="store_true", help="Also list every miss and false proposal."
        )

    def handle(self, *args, **options):
        folder = Path(options["path"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            report = evaluate(folder)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
        if options["verbose"]:
            self.stdout.write(f"\nMisses ({len(report.misses)}):")
            for line in report.misses:
                self.stdout.write(f"  {line}")
            self.stdout.write(f"\nFalse proposals ({len(report.false)}):")
            for line in report.false:
                self.stdout.write(f"  {line}")
