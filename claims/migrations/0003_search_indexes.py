"""Full-text GIN indexes for PostgreSQL only, on exactly the expressions claims.search builds
(SearchVector("text") on claims, SearchVector("quote") on attributions). SQLite skips them."""

from django.db import migrations

INDEXES = {
    "claim_search": (
        "claims_claim",
        "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))",
    ),
    "attribution_quote_search": (
        "claims_attribution",
        "USING gin (to_tsvector('english'::regconfig, COALESCE(quote, '')))",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, using) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {using}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    # claims 0002 belongs to another branch; the lead adds a merge migration.
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
