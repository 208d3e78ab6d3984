"""SuggestionDecision now belongs to the suggestions app (its 0001); the table is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_attribution_search_vector"),
        ("suggestions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SuggestionDecision")],
            database_operations=[],
        ),
    ]
