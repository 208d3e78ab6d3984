"""A stored full-text vector for attribution quotes, PostgreSQL only (see sources 0003).

With the expression index of 0003, a phrase query rechecked to_tsvector over every candidate
quote: 2.3 s at --scale 1 (issue 7). The generated column is read instead.
"""

from django.db import migrations

VECTOR = "to_tsvector('english'::regconfig, COALESCE(quote, ''))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE claims_attribution ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS attribution_search_vector ON claims_attribution "
        "USING gin (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS attribution_quote_search")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS attribution_quote_search ON claims_attribution USING gin ({VECTOR})"
    )
    schema_editor.execute("ALTER TABLE claims_attribution DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_editorial_groups")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
