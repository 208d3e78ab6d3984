"""Claim text search at scale, PostgreSQL only (as attributions in 0006 and documents in sources
0003): a stored full-text vector with its GIN index instead of the expression index of 0003, so
ranking reads the vector rather than recomputing to_tsvector per candidate; and a trigram index
on the upper-cased text, which serves the `text__icontains` of the actor names a search names
(claims.search._names_condition), which scanned every claim (171 ms at scale 1).
"""

from django.db import migrations

VECTOR = "to_tsvector('english'::regconfig, COALESCE(text, ''))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "ALTER TABLE claims_claim ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS claim_search_vector ON claims_claim USING gin (search_vector)"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS claim_text_upper_trgm ON claims_claim "
        "USING gin ((UPPER(text::text)) gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS claim_search")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS claim_search ON claims_claim USING gin ({VECTOR})"
    )
    schema_editor.execute("DROP INDEX IF EXISTS claim_text_upper_trgm")
    schema_editor.execute("ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("claims", "0015_claim_read_versions")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
