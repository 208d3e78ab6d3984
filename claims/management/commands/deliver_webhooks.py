"""Log and send webhook deliveries for public changes made outside web requests (loaders,
imports), and retry the deliveries that are due. Run it from cron, or after a bulk load."""

from django.core.management.base import BaseCommand

from claims import webhooks


class Command(BaseCommand):
    help = "Dispatch public changes to webhook subscriptions and retry due deliveries."

    def handle(self, *args, **options):
        logged = webhooks.dispatch_changes.call()
        retried = webhooks.retry_due()
        self.stdout.write(f"{logged} deliveries logged, {len(retried)} due deliveries attempted.")
