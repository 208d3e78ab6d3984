"""SuggestionDecision moves from the claims app to this one. The table stays where it is
(claims_suggestiondecision): only Django's state moves, and the content type with its
permissions is relabelled so the editorial groups keep them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def relabel_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="claims", model="suggestiondecision").first()
    if old is None:
        return
    if ContentType.objects.filter(app_label="suggestions", model="suggestiondecision").exists():
        old.delete()
    else:
        old.app_label = "suggestions"
        old.save(update_fields=["app_label"])


def unlabel_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="suggestions", model="suggestiondecision").update(
        app_label="claims"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("claims", "0006_attribution_search_vector"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0003_document_search_vector"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SuggestionDecision",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("fingerprint", models.CharField(help_text="Identifies the suggestion: its kind, span and values.", max_length=64)),
                        ("kind", models.CharField(max_length=20)),
                        ("quote_start", models.PositiveIntegerField()),
                        ("quote_end", models.PositiveIntegerField()),
                        ("decision", models.CharField(choices=[("accepted", "Accepted"), ("rejected", "Rejected")], max_length=10)),
                        ("decided_at", models.DateTimeField(auto_now_add=True)),
                        ("attribution", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="suggestion_decisions", to="claims.attribution")),
                        ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ("document", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="suggestion_decisions", to="sources.document")),
                    ],
                    options={
                        "ordering": ["document", "quote_start"],
                        "db_table": "claims_suggestiondecision",
                        "constraints": [
                            models.UniqueConstraint(fields=("document", "fingerprint"), name="suggestion_decided_once"),
                            models.CheckConstraint(condition=models.Q(("decision__in", ["accepted", "rejected"])), name="suggestion_decision_valid"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_type, unlabel_content_type),
    ]
