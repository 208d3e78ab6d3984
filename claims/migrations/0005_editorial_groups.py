"""The editorial groups and their exact permissions, so every database has them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = {
    "sources": ["outlet", "document", "actor", "actoralias"],
    "claims": ["event", "claim", "attribution", "figure", "tag", "suggestiondecision"],
}
ACTIONS = ["add", "change", "delete", "view"]
PUBLISH = ("claims", "publish_claim")


def _codenames(actions):
    return [
        (app, f"{action}_{model}") for app, models in CURATED.items() for model in models for action in actions
    ]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran: create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        found = []
        for app, codename in pairs:
            found.append(Permission.objects.get(content_type__app_label=app, codename=codename))
        return found

    editing = permissions(_codenames(ACTIONS))
    roles = {
        "Editors": editing,
        "Reviewers": [*editing, *permissions([PUBLISH])],
        "Staff viewers": permissions(_codenames(["view"])),
    }
    for name, perms in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Editors", "Reviewers", "Staff viewers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0001_initial"),
        ("claims", "0004_perf_indexes"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
