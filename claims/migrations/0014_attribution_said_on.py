from django.db import migrations, models

BACKFILL = (
    "UPDATE claims_attribution SET said_on = COALESCE(stated_on, (SELECT d.published"
    " FROM sources_document d WHERE d.id = claims_attribution.document_id))"
)


def analyze(apps, schema_editor):
    """Give PostgreSQL's planner the new column's statistics (autovacuum would, later)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE claims_attribution")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_change_feed"),
        ("sources", "0004_document_date_precision_and_archive"),
    ]

    # The date each attribution was said (Attribution.set_said_on): the stated date, else its
    # document's date. The index is built before the backfill: rows updated while the column is
    # unindexed would be HOT updates, and PostgreSQL would then hide a new index from every
    # transaction older than it (pg_index.indcheckxmin) until they all ended.
    operations = [
        migrations.AddField(
            model_name="attribution",
            name="said_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalattribution",
            name="said_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(fields=["said_on", "claim"], name="attribution_said_on"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]
