import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

ACCOUNTS = [
    # (username, group, password variable, default password)
    ("editor", "Editors", "DEMO_EDITOR_PASSWORD", "editor-demo-2026"),
    ("reviewer", "Reviewers", "DEMO_REVIEWER_PASSWORD", "reviewer-demo-2026"),
]


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo accounts: 'editor' in Editors and 'reviewer' in Reviewers. "
        "Idempotent. Refuses to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (accounts with known passwords on a real site!).",
        )

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: demo accounts with published passwords do not belong on a real "
                "site. Use --force if you really mean it."
            )
        User = get_user_model()
        with transaction.atomic():
            for username, group_name, variable, default in ACCOUNTS:
                try:
                    group = Group.objects.get(name=group_name)
                except Group.DoesNotExist:
                    raise CommandError(
                        f"The group {group_name!r} is missing: run `manage.py migrate` first."
                    ) from None
                password = os.environ.get(variable) or default
                user, created = User.objects.get_or_create(username=username)
                user.is_staff = True
                user.is_active = True
                user.set_password(password)
                user.save()
                user.groups.add(group)
                verb = "created" if created else "updated"
                self.stdout.write(
                    f"{username} ({group_name}) {verb}: username {username!r}, password {password!r}"
                )
