"""A stored full-text vector for documents, PostgreSQL only.

The expression index of 0002 let PostgreSQL find candidate documents, but every phrase query and
every SearchRank recomputed to_tsvector over each candidate's whole text: 15 s for a phrase at
--scale 1 (issue 7). A generated column keeps the vector on disk, maintained by PostgreSQL on
every write, so matching and ranking read it instead. Django does not model the column (SQLite has
no tsvector); claims.search names it in SQL.
"""

from django.db import migrations

VECTOR = "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(text, ''))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE sources_document ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS document_search_vector ON sources_document "
        "USING gin (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS document_search")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS document_search ON sources_document USING gin ({VECTOR})"
    )
    schema_editor.execute("ALTER TABLE sources_document DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("sources", "0002_search_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
