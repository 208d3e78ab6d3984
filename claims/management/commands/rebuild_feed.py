"""Reconcile the change feed with the current public state (claims.feed.rebuild): run it once
after migrating an existing database, and after any write made outside the write services (a raw
SQL fix, a bulk insert). Logs only the differences, so running it again changes nothing."""

from django.core.management.base import BaseCommand

from claims import feed


class Command(BaseCommand):
    help = "Log every public record whose representation differs from the change feed's."

    def handle(self, *args, **options):
        appended = feed.rebuild()
        self.stdout.write(f"{appended} feed entries appended.")
